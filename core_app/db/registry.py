"""Import every model module so that Base.metadata knows all tables (Alembic, tests)."""

from core_app.cases import models as cases_models
from core_app.db.base import Base
from core_app.events import models as events_models
from core_app.matters import models as matters_models
from core_app.org import models as org_models
from core_app.people import models as people_models

MODEL_MODULES = (org_models, matters_models, people_models, cases_models, events_models)

metadata = Base.metadata
