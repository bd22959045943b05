"""Who the caller is, as the documents domain needs it: roles, the units they hold them
in, and what follows from that (GVCN of which classes, tổ trưởng of which tổ).

Kept free of the kernel so the rules are testable alone; the entrypoints build an
``Actor`` from the verified token's ``Principal``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from services.kernel.ownership import UnitInfo, classes_of

LEADERSHIP = frozenset({"hieu_truong", "pho_hieu_truong", "quan_tri"})
DISTRICT_ROLES = frozenset({"truong_phong", "chuyen_vien", "chuyen_vien_so"})
UNIT_LEAD_ROLES = frozenset({"to_truong", "to_pho"})


@dataclass(frozen=True)
class Unit:
    """A unit of a school: a tổ chuyên môn, the tổ văn phòng, or a class (``lop``)."""

    id: str
    slug: str
    name: str
    kind: str  # "to_chuyen_mon" | "to_van_phong" | "lop"
    level: str | None = None  # the education level it serves, when identity says (a multi-level school)


@dataclass(frozen=True)
class Actor:
    """The caller: ``sub`` and the roles of the verified token."""

    sub: str
    tenant: str | None
    roles: frozenset[str] = frozenset()
    unit_roles: frozenset[tuple[str, str]] = frozenset()
    district: str | None = None
    province: str | None = None
    is_service: bool = False
    name: str = ""
    delegations: tuple[tuple[str, str, str | None], ...] = field(default_factory=tuple)  # (on_behalf_of, role, unit)

    def holds(self, role: str) -> bool:
        """Whether the caller holds ``role`` at school level or in any unit."""
        return role in self.roles or any(r == role for r, _ in self.unit_roles)

    def units_with(self, roles: frozenset[str] | set[str]) -> set[str]:
        return {u for r, u in self.unit_roles if r in roles}

    def classes(self, units: dict[str, Unit]) -> set[str]:
        """Classes the caller is GVCN of (the shared GVCN rule, ``services.kernel.ownership``)."""
        return classes_of(self.unit_roles, {u.id: UnitInfo(u.id, u.kind, u.level) for u in units.values()})

    def teaching_units(self, units: dict[str, Unit]) -> set[str]:
        """Tổ the caller teaches in (``giao_vien`` on a non-class unit)."""
        return {u for r, u in self.unit_roles if r in ("giao_vien", "to_truong", "to_pho")
                and (u not in units or units[u].kind != "lop")}

    @property
    def is_leadership(self) -> bool:
        return bool(self.roles & LEADERSHIP)

    @property
    def is_district_staff(self) -> bool:
        return self.tenant is None and bool(self.roles & DISTRICT_ROLES)
