"""Who is acting: a person (or a service) as proven by a verified access token."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SERVICE_ROLE = "service"


@dataclass(frozen=True)
class Delegation:
    """An ủy quyền the bearer holds: act as ``role`` (in ``unit``) for ``on_behalf_of`` until ``until``."""

    on_behalf_of: str
    role: str
    unit: str | None = None
    book_types: tuple[str, ...] = ()
    until: int = 0

    def covers(self, role: str, unit: str | None = None, book_type: str | None = None, *, now: int) -> bool:
        if self.role != role or now >= self.until:
            return False
        if self.unit is not None and unit is not None and self.unit != unit:
            return False
        if self.book_types and book_type is not None and book_type not in self.book_types:
            return False
        return True


@dataclass(frozen=True)
class CampaignGrant:
    """Read access an inspection campaign (đợt kiểm tra) gives its team: these schools, these book
    types (empty: every book) and this school year (None: every year), until ``until`` (epoch s)."""

    campaign: str
    schools: tuple[str, ...]
    books: tuple[str, ...] = ()
    year: str | None = None
    until: int = 0

    def active(self, now: int) -> bool:
        return now < self.until


@dataclass(frozen=True)
class Principal:
    """The verified caller. ``tenant`` is the school (None for district/province staff and services)."""

    sub: str
    name: str = ""
    tenant: str | None = None
    district: str | None = None
    province: str | None = None
    roles: frozenset[str] = frozenset()
    unit_roles: frozenset[tuple[str, str]] = frozenset()
    act: tuple[Delegation, ...] = ()
    grants: tuple[CampaignGrant, ...] = ()
    client_id: str | None = None
    is_service: bool = False
    claims: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has_role(self, role: str, unit: str | None = None) -> bool:
        """True when the caller holds ``role`` itself (in ``unit`` when given)."""
        if unit is None:
            return role in self.roles or any(r == role for r, _ in self.unit_roles)
        return (role, unit) in self.unit_roles or (role in self.roles and not any(r == role for r, _ in self.unit_roles))

    def acting_for(self, role: str, unit: str | None = None, book_type: str | None = None, *, now: int) -> str | None:
        """The person this caller acts for when it holds ``role`` only by delegation, else None."""
        for d in self.act:
            if d.covers(role, unit, book_type, now=now):
                return d.on_behalf_of
        return None

    def may_act_as(self, role: str, unit: str | None = None, book_type: str | None = None, *, now: int) -> tuple[bool, str | None]:
        """(allowed, on_behalf_of): own role first, then a delegation covering it."""
        if self.has_role(role, unit):
            return True, None
        delegator = self.acting_for(role, unit, book_type, now=now)
        return delegator is not None, delegator

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> "Principal":
        roles = claims.get("roles") or []
        return cls(
            sub=str(claims["sub"]),
            name=str(claims.get("name") or ""),
            tenant=claims.get("tenant"),
            district=claims.get("district"),
            province=claims.get("province"),
            roles=frozenset(roles),
            unit_roles=frozenset((str(r), str(u)) for r, u in (claims.get("unit_roles") or [])),
            act=tuple(
                Delegation(
                    on_behalf_of=str(d["on_behalf_of"]),
                    role=str(d["role"]),
                    unit=d.get("unit"),
                    book_types=tuple(d.get("book_types") or ()),
                    until=int(d.get("until") or 0),
                )
                for d in (claims.get("act") or [])
                if isinstance(d, Mapping)
            ),
            grants=tuple(
                CampaignGrant(
                    campaign=str(g["campaign"]),
                    schools=tuple(str(x) for x in g.get("schools") or ()),
                    books=tuple(str(x) for x in g.get("books") or ()),
                    year=g.get("year"),
                    until=int(g.get("until") or 0),
                )
                for g in (claims.get("grants") or [])
                if isinstance(g, Mapping) and g.get("campaign")
            ),
            client_id=claims.get("client_id"),
            is_service=SERVICE_ROLE in roles,
            claims=dict(claims),
        )
