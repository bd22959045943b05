"""Submission addresses (địa chỉ nộp hồ sơ): which book slots a person owes.

A slot is (book, owner key, unit, period). The owner key says whose copy of the book it
is: ``school`` for a school-level book, a unit id for a tổ book or a class book, the
person's id for a personal book. Everything here is computed from the catalog, the
school's units and the caller's roles; nothing is stored.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.documents.domain.catalog_model import BookType, Catalog, OwnerKind
from services.documents.domain.people import Actor, Unit
from services.documents.domain.periods import periods_for

SCHOOL_OWNER = "school"
TEAM_KINDS = frozenset({"to_chuyen_mon", "to_van_phong"})


@dataclass(frozen=True)
class Slot:
    """One place a book is submitted to: a folder of the tree."""

    book: str
    owner_kind: str
    owner_key: str
    unit_id: str | None

    def key(self) -> tuple[str, str]:
        return self.book, self.owner_key


def _holders(actor: Actor, role: str) -> bool:
    return actor.holds(role)


def slots_owed(actor: Actor, book: BookType, units: dict[str, Unit]) -> list[Slot]:
    """The slots of ``book`` that ``actor`` must (or may, as a contributor) upload into."""
    kind = book.owner_kind
    slots: list[Slot] = []
    if kind is OwnerKind.SCHOOL:
        if any(_holders(actor, r) for r in book.owner_roles) or (
                "gvcn" in book.contributors and actor.classes(units)):
            unit = next((u for r, u in actor.unit_roles if r in book.owner_roles), None)
            slots.append(Slot(book.slug, kind.value, SCHOOL_OWNER, unit))
    elif kind is OwnerKind.UNIT:
        for role, unit in sorted(actor.unit_roles):
            if role in book.owner_roles and units.get(unit) and units[unit].kind in TEAM_KINDS:
                slots.append(Slot(book.slug, kind.value, unit, unit))
    elif kind is OwnerKind.CLASS:
        if "gvcn" in book.owner_roles:
            for unit in sorted(actor.classes(units)):
                slots.append(Slot(book.slug, kind.value, unit, unit))
    else:
        if any(_holders(actor, r) for r in book.owner_roles):
            teams = sorted(actor.teaching_units(units))
            slots.append(Slot(book.slug, kind.value, actor.sub, teams[0] if teams else None))
    return slots


def addresses(actor: Actor, catalog: Catalog, units: dict[str, Unit], school_year: str) -> list[dict]:
    """"My submission addresses": every book the caller owes, with its slot and periods."""
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
                "periods": periods_for(school_year, book.cadence),
                "deadlines": [d.text for d in book.deadlines],
                "formats": sorted(book.formats),
                "max_bytes": book.max_bytes,
            })
    return result


def find_slot(actor: Actor, book: BookType, units: dict[str, Unit], owner_key: str | None) -> Slot | None:
    """The slot of ``book`` the caller may upload into (the one named by ``owner_key`` if several)."""
    slots = slots_owed(actor, book, units)
    if owner_key is not None:
        slots = [s for s in slots if s.owner_key == owner_key]
    return slots[0] if len(slots) >= 1 else None
