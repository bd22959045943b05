"""Who is who for notifications: a projection of identity's events, never written by a person here.

``identity.person.created`` gives the name, e-mail and school; ``person.deactivated`` and
``reactivated`` (by the person's school) switch push channels off and on; ``school.onboarded`` gives the district and
province of a school (the tenant fields of delivery records). A permanent failure of an address
is kept on the person (``undeliverable``) and shown on their settings page.
"""
from __future__ import annotations

from typing import Any, ClassVar

import mongoengine
from mongoengine import DictField, ListField, StringField


class RecipientDoc(mongoengine.Document):
    meta: ClassVar[dict[str, Any]] = {"db_alias": "notifications", "collection": "people"}

    id = StringField(primary_key=True)
    full_name = StringField(default="")
    email = StringField()
    school = StringField()
    #: the district of the event that created the person (until the school's onboarding is known)
    district = StringField()
    #: schools that deactivated the person's account there
    inactive_in = ListField(StringField())
    #: ``[{channel, address, reason}]``: addresses a delivery found unusable
    undeliverable = ListField(DictField())

    @property
    def active(self) -> bool:
        """Push channels stay off once the person's own school deactivated the account."""
        return not self.school or self.school not in self.inactive_in


class RecipientSchoolDoc(mongoengine.Document):
    meta: ClassVar[dict[str, Any]] = {"db_alias": "notifications", "collection": "schools"}

    id = StringField(primary_key=True)
    district_id = StringField(required=True)
    province_id = StringField()


class PeopleDirectory:
    """Reads and upserts of the projection (one document per person, one per school)."""

    def person(self, person: str) -> RecipientDoc | None:
        return RecipientDoc.objects(id=person).first()

    def people(self, ids: set[str]) -> dict[str, RecipientDoc]:
        """The people of ``ids`` known here, in one read."""
        return {d.id: d for d in RecipientDoc.objects(id__in=sorted(ids))} if ids else {}

    def school(self, school: str) -> RecipientSchoolDoc | None:
        return RecipientSchoolDoc.objects(id=school).first()

    def person_created(self, person: str, *, full_name: str, email: str | None, school: str | None,
                       district: str | None) -> None:
        RecipientDoc.objects(id=person).update_one(upsert=True, set__full_name=full_name, set__email=email,
                                                   set__school=school, set__district=district,
                                                   pull__undeliverable={"channel": "email"})

    def set_active(self, person: str, school: str, active: bool) -> None:
        if active:
            RecipientDoc.objects(id=person).update_one(pull__inactive_in=school)
        else:
            RecipientDoc.objects(id=person).update_one(upsert=True, add_to_set__inactive_in=school)

    def school_onboarded(self, school: str, *, district: str, province: str | None) -> None:
        RecipientSchoolDoc.objects(id=school).update_one(upsert=True, set__district_id=district, set__province_id=province)

    def report_undeliverable(self, person: str, *, channel: str, address: str, reason: str) -> None:
        """Remember that ``address`` cannot be used (one entry per channel and address)."""
        RecipientDoc.objects(id=person).update_one(upsert=True, pull__undeliverable={"channel": channel, "address": address})
        RecipientDoc.objects(id=person).update_one(
            push__undeliverable={"channel": channel, "address": address, "reason": reason})

    def clear_undeliverable(self, person: str, *, channel: str) -> None:
        """Forget the unusable addresses of ``channel`` (the person entered a new one)."""
        RecipientDoc.objects(id=person).update_one(pull__undeliverable={"channel": channel})
