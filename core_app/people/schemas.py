"""Read schemas of citizens and enterprises. Personal fields are masked; ID hashes are never exposed."""

from datetime import date

from core_app.api.schemas import RecordRead
from core_app.people.models import Gender
from core_app.privacy.masking import MaskedAddress, MaskedIdCard, MaskedName, MaskedPhone, MaskedUscc


class CitizenRead(RecordRead):
    # id_card_hash is left out on purpose: it is a join key, not something to hand out.
    id_card_no: MaskedIdCard
    name: MaskedName
    phone: MaskedPhone | None
    address: MaskedAddress | None
    gender: Gender | None
    birth_year: int | None
    region_id: int | None
    special_group: str | None


class EnterpriseRead(RecordRead):
    uscc: MaskedUscc
    name: str
    legal_rep_name: MaskedName | None
    legal_rep_id_card: MaskedIdCard | None
    contact_phone: MaskedPhone | None
    registered_address: str | None
    industry_code: str | None
    established_on: date | None
    region_id: int | None
    credit_level: str | None
