"""Approvals' handlers of identity's and documents' events; ``bootstrap()`` puts them in its handler table.

(The progress projection's handler is ``ProgressProjection.apply``.) Each handler receives the envelope and the typed view of the producer's declaration, and
says with ``@reads`` which declared fields it reads (the event contract test checks them).
"""
from __future__ import annotations

from services.approvals.service_layer.setup import SetupService
from services.approvals.service_layer.units import UnitsProjection
from services.documents import events as documents
from services.identity import events as identity
from services.kernel.events import Event
from services.kernel.messaging import reads

ONBOARDED_FIELDS = ("school_id", "slug", "name", "levels", "district_id", "province_id", "units", "principal_id")
MEMBERSHIP_FIELDS = ("person", "school", "role", "unit")


class IdentityHandlers:
    """Approvals' projection of identity's schools, their units and role holders (each change recomputes
    obligations)."""

    def __init__(self, setup: SetupService, units: UnitsProjection) -> None:
        self.setup = setup
        self.units = units

    @reads(identity.SCHOOL_ONBOARDED, *ONBOARDED_FIELDS, "district_kind", "district_name")
    def school_onboarded(self, event: Event, data: identity.SchoolOnboarded) -> None:
        self.setup.school_onboarded(data.model_dump(include=set(ONBOARDED_FIELDS)))
        self.units.record(data.district_id, province_id=data.province_id, name=data.district_name,
                          kind=data.district_kind)

    @reads(identity.MEMBERSHIP_GRANTED, *MEMBERSHIP_FIELDS)
    def membership_granted(self, event: Event, data: identity.MembershipGranted) -> None:
        self.setup.membership_granted(data.model_dump(include=set(MEMBERSHIP_FIELDS)), event.occurred_at)

    @reads(identity.MEMBERSHIP_REVOKED, *MEMBERSHIP_FIELDS)
    def membership_revoked(self, event: Event, data: identity.MembershipRevoked) -> None:
        self.setup.membership_revoked(data.model_dump(include=set(MEMBERSHIP_FIELDS)), event.occurred_at)


class CatalogHandlers:
    """A catalog template changed in documents: the schools it applies to derive their obligations again."""

    def __init__(self, setup: SetupService) -> None:
        self.setup = setup

    @reads(documents.CATALOG_CHANGED, "tier", "owner_id")
    def catalog_changed(self, event: Event, data: documents.CatalogChanged) -> None:
        self.setup.catalog_changed({"tier": data.tier, "owner_id": data.owner_id})
