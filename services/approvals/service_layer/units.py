"""Approvals' projection of identity's oversight units, so dashboards name each unit as people call it.

Fed by ``identity.district.onboarded`` (a unit added to a province) and by the unit that
``identity.school.onboarded`` names (units created before their event existed, such as a seeded
district, become known with their first school). A unit not heard of yet is shown by its id.
"""
from __future__ import annotations

from collections.abc import Iterable

from services.approvals.adapters.documents import UnitDoc
from services.identity import events as identity
from services.kernel.events import Event
from services.kernel.messaging import reads

UNIT_FIELDS = ("district_id", "province_id", "kind", "name")


class UnitsProjection:
    """The oversight units approvals knows, by id."""

    @reads(identity.DISTRICT_ONBOARDED, *UNIT_FIELDS)
    def district_onboarded(self, event: Event, data: identity.DistrictOnboarded) -> None:
        self.record(data.district_id, province_id=data.province_id, name=data.name, kind=data.kind)

    def record(self, unit_id: str, *, province_id: str | None, name: str | None, kind: str | None) -> None:
        """Keep a unit's name and kind (nothing when the event names none)."""
        if not name:
            return
        UnitDoc.objects(id=unit_id).update_one(upsert=True, set__province_id=province_id, set__name=name,
                                               set__kind=kind)

    def of_province(self, province_id: str) -> dict[str, UnitDoc]:
        """The known units of a province (one indexed query)."""
        return {u.id: u for u in UnitDoc.objects(province_id=province_id)}

    def names(self, unit_ids: Iterable[str]) -> dict[str, UnitDoc]:
        """The known units among ``unit_ids`` (one primary-key query)."""
        return {u.id: u for u in UnitDoc.objects(id__in=sorted(set(unit_ids)))}
