"""What an access token says about its bearer: tenant, district, province, roles, unit roles and ``act``.

A person may hold roles in several schools; a token speaks for one school at a time (the
``tenant``). Without a choice the token speaks for the person's home school (the school of their
first role, kept on the account), so another school adding a role never moves it; only when the
home school is gone does it fall back to the first school by id.
District and province staff get ``tenant = None``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.identity.domain.campaigns import Campaign
from services.identity.domain.delegation import Delegation
from services.identity.domain.people import Membership

#: The role every client-credentials token carries (services.kernel.principal.SERVICE_ROLE).
SERVICE_ROLE = "service"


@dataclass(frozen=True)
class Standing:
    """A person's place in the tree for one token: the school it speaks for and the roles held there."""

    tenant: str | None
    district: str | None
    province: str | None
    roles: tuple[str, ...]
    unit_roles: tuple[tuple[str, str], ...]

    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles)


def schools_of(memberships: list[Membership]) -> list[str]:
    """The schools a person holds roles in, sorted."""
    return sorted({m.school_id for m in memberships if m.school_id})


def standing(memberships: list[Membership], tenant: str | None = None, *, home: str | None = None) -> Standing:
    """The roles a person holds for ``tenant`` (default: their ``home`` school while they hold a
    role there, else the first school by id) plus any district or province roles."""
    schools = schools_of(memberships)
    if tenant is None or tenant not in schools:
        tenant = home if home in schools else (schools[0] if schools else None)
    chosen = [m for m in memberships if m.school_id == tenant or m.school_id is None]
    district = next((m.district_id for m in chosen if m.district_id), None)
    province = next((m.province_id for m in chosen if m.province_id), None)
    roles = tuple(sorted({m.role for m in chosen}))
    unit_roles = tuple(sorted({(m.role, m.unit_id) for m in chosen if m.unit_id}))
    return Standing(tenant, district, province, roles, unit_roles)


def access_claims(
    *, subject: str, name: str, standing: Standing, delegations: list[Delegation], client_id: str,
    issuer: str, audience: str | list[str], now: datetime, lifetime_seconds: int, jti: str, campaigns: tuple[Campaign, ...] | list[Campaign] = (),
    scope: str = "",
) -> dict:
    """The JWT claims of a person's access token; ``act`` lists the delegations active at ``now``
    in the token's school, ``grants`` the inspection campaigns running at ``now`` whose team the
    person is on (only for district and province staff: a school's token never carries one)."""
    issued = int(now.timestamp())
    act = [d.act_claim() for d in delegations if d.is_active(now) and d.school_id == standing.tenant]
    return {
        "sub": subject,
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "exp": issued + lifetime_seconds,
        "jti": jti,
        "name": name,
        "tenant": standing.tenant,
        "district": standing.district,
        "province": standing.province,
        "roles": list(standing.roles),
        "unit_roles": [list(pair) for pair in standing.unit_roles],
        "act": act,
        "grants": [c.grant_claim() for c in campaigns if c.is_active(now)] if standing.tenant is None else [],
        "client_id": client_id,
        "scope": scope,
    }


def service_claims(
    *, client_id: str, issuer: str, audience: str | list[str], now: datetime, lifetime_seconds: int, jti: str,
    scope: str = "",
) -> dict:
    """The claims of a client-credentials token: the subject is the service client itself and the
    only role is ``service``, which is how the kernel recognises another HoSo service."""
    issued = int(now.timestamp())
    return {
        "sub": f"service:{client_id}",
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "exp": issued + lifetime_seconds,
        "jti": jti,
        "name": client_id,
        "tenant": None,
        "district": None,
        "province": None,
        "roles": [SERVICE_ROLE],
        "unit_roles": [],
        "act": [],
        "client_id": client_id,
        "scope": scope,
    }
