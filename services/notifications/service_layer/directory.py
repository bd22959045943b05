"""The people projection's consumer: identity's events kept as who is who for notifications."""
from __future__ import annotations

from dataclasses import dataclass

from services.identity import events as identity
from services.kernel.events import Event
from services.kernel.messaging import reads

from ..adapters.people import PeopleDirectory


@dataclass
class DirectoryHandlers:
    people: PeopleDirectory

    @reads(identity.PERSON_CREATED, "person", "full_name", "email", "school")
    def person_created(self, event: Event, data: identity.PersonCreated) -> None:
        self.people.person_created(data.person, full_name=data.full_name, email=data.email, school=data.school,
                                   district=event.district)

    @reads(identity.PERSON_DEACTIVATED, "person", "school")
    def person_deactivated(self, event: Event, data: identity.PersonActivity) -> None:
        self.people.set_active(data.person, data.school, False)

    @reads(identity.PERSON_REACTIVATED, "person", "school")
    def person_reactivated(self, event: Event, data: identity.PersonActivity) -> None:
        self.people.set_active(data.person, data.school, True)

    @reads(identity.SCHOOL_ONBOARDED, "school_id", "district_id", "province_id")
    def school_onboarded(self, event: Event, data: identity.SchoolOnboarded) -> None:
        self.people.school_onboarded(data.school_id, district=data.district_id, province=data.province_id)
