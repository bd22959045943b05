"""Who owes which slot of a book: the GVCN rule and the owner rule, once for every service.

Published language between documents (which slot a person may upload into) and approvals
(which obligation a person owes). Pure: it sees a person's holdings (a role, in a unit or
school-wide), the school's units (kind and education level) and a book's owner as the
catalog states it (``documents`` owns the catalog; this module only reads its shape).

* **GVCN rule**: a person is the giáo viên chủ nhiệm of a class when they hold ``gvcn`` or
  ``chu_nhiem`` on it, or ``giao_vien`` on a unit of kind ``lop``.
* **Level rule**: a unit's level is its own ``level`` when identity sends one, else the school's
  levels (a single-level school; a tổ văn phòng serving every level). A holding owes a book
  only when the book is in the catalog of one of those levels; a school-wide role owes a book
  shared by two levels once (slots are per book, not per level).
* **Owner rule** (``owner_kind``): ``school`` — one copy kept by the holders of an owner role
  (the contributors may add to it); ``unit`` — one copy per tổ, by its holder of the owner role;
  ``class`` — one copy per class, by its GVCN; ``person`` — one copy per holder of the owner
  role in a tổ (or school-wide), filed under that tổ.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GVCN_ROLES = frozenset({"gvcn", "chu_nhiem"})
CLASS_KIND = "lop"
TEAM_KINDS = frozenset({"to_chuyen_mon", "to_van_phong"})
SCHOOL_OWNER = "school"


@dataclass(frozen=True)
class UnitInfo:
    """A unit as the rules need it: kind (``to_chuyen_mon``, ``to_van_phong``, ``lop``) and level."""

    id: str
    kind: str
    level: str | None = None


@dataclass(frozen=True)
class BookOwner:
    """The owner part of a catalog book."""

    slug: str
    kind: str  # "school" | "unit" | "class" | "person"
    roles: tuple[str, ...]
    contributors: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()  # empty: every level of the school


@dataclass(frozen=True)
class Slot:
    """A copy of a book someone keeps: ``owner_key`` is ``school``, a unit id or the person's id.

    ``unit_id`` is the folder's unit (the tổ or class); ``contributor`` marks a slot the person
    may add to without owing it (GVCNs adding to the văn thư's sổ đăng bộ).
    """

    book: str
    owner_kind: str
    owner_key: str
    unit_id: str | None
    contributor: bool = False


def is_gvcn_holding(role: str, unit: str | None, units: Mapping[str, UnitInfo]) -> bool:
    """The GVCN rule for one holding: whether (role, unit) makes its holder GVCN of ``unit``."""
    if unit is None:
        return False
    info = units.get(unit)
    return role in GVCN_ROLES or (role == "giao_vien" and info is not None and info.kind == CLASS_KIND)


def classes_of(holdings: Iterable[tuple[str, str | None]], units: Mapping[str, UnitInfo]) -> set[str]:
    """The classes a person is GVCN of."""
    return {u for r, u in holdings if u is not None and is_gvcn_holding(r, u, units)}


def levels_of_unit(unit: str | None, units: Mapping[str, UnitInfo], school_levels: Iterable[str]) -> frozenset[str]:
    """The level rule: the unit's own level, else every level of the school."""
    info = units.get(unit) if unit else None
    if info is not None and info.level:
        return frozenset({info.level})
    return frozenset(school_levels)


def _level_fits(book: BookOwner, unit: str | None, units: Mapping[str, UnitInfo], school_levels: Iterable[str]) -> bool:
    return not book.levels or bool(levels_of_unit(unit, units, school_levels) & set(book.levels))


def slot_of(person: str, role: str, unit: str | None, book: BookOwner, units: Mapping[str, UnitInfo],
            school_levels: Iterable[str]) -> Slot | None:
    """The slot one holding (``role`` in ``unit``, or school-wide) makes ``person`` keep, if any."""
    levels = tuple(school_levels)
    if not _level_fits(book, unit, units, levels):
        return None
    info = units.get(unit) if unit else None
    if book.kind == "school":
        if role in book.roles:
            return Slot(book.slug, book.kind, SCHOOL_OWNER, unit if info and info.kind in TEAM_KINDS else None)
        if "gvcn" in book.contributors and is_gvcn_holding(role, unit, units):
            return Slot(book.slug, book.kind, SCHOOL_OWNER, None, contributor=True)
        return None
    if book.kind == "unit":
        if role in book.roles and info is not None and info.kind in TEAM_KINDS:
            return Slot(book.slug, book.kind, info.id, info.id)
        return None
    if book.kind == "class":
        if "gvcn" in book.roles and info is not None and is_gvcn_holding(role, unit, units):
            return Slot(book.slug, book.kind, info.id, info.id)
        return None
    if book.kind == "person" and role in book.roles:
        if info is None:
            return Slot(book.slug, book.kind, person, None) if unit is None else None
        if info.kind == CLASS_KIND:
            return None  # a class holding makes a GVCN (class books), not a subject teacher
        return Slot(book.slug, book.kind, person, info.id)
    return None


def slots_of(person: str, holdings: Iterable[tuple[str, str | None]], book: BookOwner,
             units: Mapping[str, UnitInfo], school_levels: Iterable[str]) -> list[Slot]:
    """Every slot of ``book`` a person keeps, each once (the first tổ in id order files a personal book).

    A token lists a unit role school-wide too (``roles``), so a school-wide holding never hides the
    tổ the same role is held in.
    """
    levels = tuple(school_levels)
    found: dict[str, Slot] = {}
    for role, unit in sorted(holdings, key=lambda h: (h[1] or "", h[0])):
        slot = slot_of(person, role, unit, book, units, levels)
        if slot is None:
            continue
        held = found.get(slot.owner_key)
        if held is None or (held.contributor and not slot.contributor) or (
                held.unit_id is None and slot.unit_id is not None and held.contributor == slot.contributor):
            found[slot.owner_key] = slot  # owed beats contributed; filed under a tổ beats school-wide
    return list(found.values())
