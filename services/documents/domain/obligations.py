"""Submission addresses (địa chỉ nộp hồ sơ): which book slots a person owes.

A slot is (book, owner key, unit, period). The owner key says whose copy of the book it
is: ``school`` for a school-level book, a unit id for a tổ book or a class book, the
person's id for a personal book. Who keeps which slot is the shared owner rule
(``services.kernel.ownership``, which approvals uses for obligations too); everything
here is computed from the catalog, the school's units and the caller's roles.
"""
from __future__ import annotations

from collections.abc import Sequence

from services.documents.domain.catalog_model import BookType, Catalog
from services.documents.domain.catalog_view import book_owner
from services.documents.domain.people import Actor, Unit
from services.documents.domain.periods import SchoolWeeks, listed_periods
from services.kernel.ownership import SCHOOL_OWNER, Slot, UnitInfo, slots_of

__all__ = ["SCHOOL_OWNER", "Slot", "addresses", "find_slot", "slots_owed"]


def _unit_infos(units: dict[str, Unit]) -> dict[str, UnitInfo]:
    return {u.id: UnitInfo(u.id, u.kind, u.level) for u in units.values()}


def _holdings(actor: Actor) -> list[tuple[str, str | None]]:
    return [(r, None) for r in actor.roles] + [(r, u) for r, u in actor.unit_roles]


def slots_owed(actor: Actor, book: BookType, units: dict[str, Unit], school_levels: Sequence[str] = ()) -> list[Slot]:
    """The slots of ``book`` that ``actor`` must (or may, as a contributor) upload into."""
    return slots_of(actor.sub, _holdings(actor), book_owner(book), _unit_infos(units),
                    school_levels or book.levels)


def addresses(actor: Actor, catalog: Catalog, units: dict[str, Unit], school_year: str,
              weeks: SchoolWeeks | None) -> list[dict]:
    """"My submission addresses": every book the caller owes, with its slot and periods (key and label).

    Weeks are the teaching weeks of ``weeks`` (approvals' calendar); none while no frame is published.
    """
    result = []
    for book in catalog.books:
        if book.external_system:
            continue
        for slot in slots_owed(actor, book, units):
            result.append({
                "book": book.slug,
                "book_name": book.name,
                "owner_kind": slot.owner_kind,
                "owner_key": slot.owner_key,
                "unit_id": slot.unit_id,
                "cadence": book.cadence.value,
                "items": [i.to_dict() for i in book.owed_items()],
                "periods": [{"key": p.key, "label": p.label} for p in listed_periods(book, school_year, weeks)],
                "formats": sorted(book.formats),
                "max_bytes": book.max_bytes,
            })
    return result


def find_slot(actor: Actor, book: BookType, units: dict[str, Unit], owner_key: str | None) -> Slot | None:
    """The slot of ``book`` the caller may upload into (the one named by ``owner_key`` if several)."""
    slots = slots_owed(actor, book, units)
    if owner_key is not None:
        slots = [s for s in slots if s.owner_key == owner_key]
    return slots[0] if slots else None
