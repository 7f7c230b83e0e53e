"""Import every model module so that Base.metadata knows all tables (Alembic, tests)."""

from core_app.access import models as access_models
from core_app.analytics import models as analytics_models
from core_app.arbitration import models as arbitration_models
from core_app.associations import models as associations_models
from core_app.audit import models as audit_models
from core_app.cases import models as cases_models
from core_app.db.base import Base
from core_app.dispatch import models as dispatch_models
from core_app.emotion import models as emotion_models
from core_app.events import models as events_models
from core_app.intake import models as intake_models
from core_app.matters import models as matters_models
from core_app.notify import models as notify_models
from core_app.org import models as org_models
from core_app.people import models as people_models
from core_app.portraits import models as portraits_models
from core_app.privacy import models as privacy_models
from core_app.proactive import models as proactive_models
from core_app.publishing import models as publishing_models
from core_app.sla import models as sla_models
from core_app.supervision import models as supervision_models
from core_app.warnings import models as warnings_models

MODEL_MODULES = (
    org_models,
    matters_models,
    people_models,
    cases_models,
    events_models,
    emotion_models,
    access_models,
    audit_models,
    privacy_models,
    publishing_models,
    warnings_models,
    dispatch_models,
    sla_models,
    supervision_models,
    arbitration_models,
    notify_models,
    intake_models,
    analytics_models,
    portraits_models,
    associations_models,
    proactive_models,
)

metadata = Base.metadata
