"""Who the caller is, as the documents domain needs it: roles, the units they hold them
in, and what follows from that (GVCN of which classes, tổ trưởng of which tổ).

Kept free of the kernel so the rules are testable alone; the entrypoints build an
``Actor`` from the verified token's ``Principal``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

LEADERSHIP = frozenset({"hieu_truong", "pho_hieu_truong", "quan_tri"})
DISTRICT_ROLES = frozenset({"truong_phong", "chuyen_vien", "chuyen_vien_so"})
GVCN_ROLES = frozenset({"gvcn", "chu_nhiem"})
UNIT_LEAD_ROLES = frozenset({"to_truong", "to_pho"})


@dataclass(frozen=True)
class Unit:
    """A unit of a school: a tổ chuyên môn, the tổ văn phòng, or a class (``lop``)."""

    id: str
    slug: str
    name: str
    kind: str  # "to_chuyen_mon" | "to_van_phong" | "lop"


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
        """Classes the caller is GVCN of: a ``gvcn`` role on the class, or ``giao_vien`` held on a class unit."""
        mine = self.units_with(GVCN_ROLES)
        mine |= {u for r, u in self.unit_roles if r == "giao_vien" and units.get(u) and units[u].kind == "lop"}
        return mine

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
