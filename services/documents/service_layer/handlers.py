"""Documents' handler of identity's onboarding event (its other handlers live with their use cases)."""
from __future__ import annotations

from services.documents.service_layer.access import current_school_year
from services.documents.service_layer.folders import Folders
from services.identity.events import SCHOOL_ONBOARDED, SchoolOnboarded
from services.kernel.clock import Clock
from services.kernel.events import Event
from services.kernel.messaging import reads

ONBOARDED_FIELDS = ("school_id", "district_id", "province_id", "slug", "name", "levels", "units", "principal_id")


class OnboardingHandler:
    """A newly onboarded school gets its record and its folder tree for the current school year."""

    def __init__(self, *, folders: Folders, clock: Clock) -> None:
        self.folders = folders
        self.clock = clock

    @reads(SCHOOL_ONBOARDED, *ONBOARDED_FIELDS)
    def school_onboarded(self, event: Event, data: SchoolOnboarded) -> None:
        self.folders.onboard(data.model_dump(include=set(ONBOARDED_FIELDS)), current_school_year(self.clock.now()))
