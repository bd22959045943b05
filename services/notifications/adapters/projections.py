"""What notifications keeps of identity's facts to know whom to tell: schools' principals and units' staff;
people's names come from the people directory (``adapters/people.py``).

Each is a projection of identity's events (``identity.school.onboarded``, ``identity.membership.*``),
written idempotently (a redelivered event sets the same values). Identity stays the owner: nothing
here is edited by notifications' own API. Every query reads one indexed key.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import mongoengine
from mongoengine import DictField, ListField, StringField

from services.kernel.mongo import ensure_indexes

from .people import RecipientDoc

PRINCIPAL_ROLE = "hieu_truong"


class SchoolLeadsDoc(mongoengine.Document):
    """One school: its name, its units' names and who holds the principal's role now."""

    meta: ClassVar[dict[str, Any]] = {"db_alias": "notifications", "collection": "school_leads"}

    id = StringField(primary_key=True)
    name = StringField()
    units = DictField()  # unit id -> name
    principals = ListField(StringField())


class StaffDoc(mongoengine.Document):
    """One role of an oversight unit's staff (a Phòng, a UBND xã/phường, the Sở), by membership."""

    meta: ClassVar[dict[str, Any]] = {
        "db_alias": "notifications",
        "collection": "unit_staff",
        "indexes": [{"fields": ["district"]}, {"fields": ["province"]}],
    }

    id = StringField(primary_key=True)  # the membership id
    person = StringField(required=True)
    role = StringField(required=True)
    district = StringField()
    province = StringField()


class Directory:
    """Reads and writes of the projections; one instance per service, no state of its own."""

    def ensure_indexes(self) -> None:
        ensure_indexes(SchoolLeadsDoc, StaffDoc)

    # ----- writes (from identity's events) ---------------------------------------------------------
    def school_onboarded(self, *, school: str, name: str, principal: str, units: Iterable[tuple[str, str]]) -> None:
        SchoolLeadsDoc.objects(id=school).update_one(
            upsert=True, set__name=name, set__units={uid.replace(".", "_"): uname for uid, uname in units},
            add_to_set__principals=principal)

    def role_granted(self, *, membership: str, person: str, role: str, school: str | None, district: str | None,
                     province: str | None) -> None:
        if school is not None:
            if role == PRINCIPAL_ROLE:
                SchoolLeadsDoc.objects(id=school).update_one(upsert=True, add_to_set__principals=person)
            return
        StaffDoc.objects(id=membership).update_one(upsert=True, set__person=person, set__role=role,
                                                   set__district=district, set__province=province)

    def role_revoked(self, *, membership: str, person: str, role: str, school: str | None) -> None:
        if school is not None:
            if role == PRINCIPAL_ROLE:
                SchoolLeadsDoc.objects(id=school).update_one(pull__principals=person)
            return
        StaffDoc.objects(id=membership).delete()

    # ----- reads ---------------------------------------------------------------------------------------
    def name(self, person: str | None) -> str | None:
        doc = RecipientDoc.objects(id=person).only("full_name").first() if person else None
        return doc.full_name if doc and doc.full_name else None

    def principals(self, schools: Iterable[str]) -> dict[str, list[str]]:
        """The principals of each school known here (a school never onboarded is left out)."""
        docs = SchoolLeadsDoc.objects(id__in=list(schools)).only("id", "principals")
        return {d.id: list(d.principals) for d in docs}

    def school_name(self, school: str | None) -> str | None:
        doc = SchoolLeadsDoc.objects(id=school).only("name").first() if school else None
        return doc.name if doc else None

    def unit_name(self, school: str | None, unit: str | None) -> str | None:
        doc = SchoolLeadsDoc.objects(id=school).only("units").first() if school and unit else None
        return (doc.units or {}).get(unit.replace(".", "_")) if doc and unit else None

    def staff(self, *, district: str | None, province: str | None) -> list[str]:
        """The people holding a role of the unit: the district's when named, else the province's."""
        if district:
            docs = StaffDoc.objects(district=district)
        elif province:
            docs = StaffDoc.objects(province=province, district=None)
        else:
            return []
        return sorted({d.person for d in docs.only("person")})
