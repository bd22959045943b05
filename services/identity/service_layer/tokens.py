"""Issuing access tokens (signed JWTs) and managing refresh-token families.

Reads per issuance, whatever the number of schools: the person (by id), their school
memberships and district/province roles (by person id), their delegations (by delegate id) and
the inspection campaigns they are on (by team member).
Refresh tokens rotate: each use marks the token used and issues the next one of the same
family; presenting a used token again is treated as theft and revokes the whole family.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from services.identity.adapters.documents import IdentityRefreshTokenDoc
from services.identity.adapters.keystore import SigningKeys
from services.identity.adapters.repositories import PersonDirectory
from services.identity.domain.audiences import AccessGrant, person_grant, service_grant
from services.identity.domain.claims import access_claims, service_claims, standing
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.ids import new_id


def token_hash(token: str) -> str:
    """Tokens are stored by SHA-256 only, so a database dump yields no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class GrantUser:
    """The person a grant is for, with the school the token speaks for and the browser session."""

    person_id: str
    tenant: str | None
    session_id: str | None
    #: when the person signed in on that session (epoch seconds; the ID token's ``auth_time``)
    auth_time: int | None = None

    def get_user_id(self) -> str:
        return self.person_id


class RefreshRefused(Exception):
    """A refresh token is unknown, expired, revoked, or was already used (``reused``)."""

    def __init__(self, *, reused: bool) -> None:
        super().__init__("refresh token reused" if reused else "refresh token invalid")
        self.reused = reused


class AccountUnavailable(Exception):
    """The person no longer exists or was deactivated: no token is issued."""


class TokenService:
    def __init__(
        self, *, keys: SigningKeys, directory: PersonDirectory, clock: Clock, audit: AuditLog, issuer: str,
        public_url: str, access_seconds: int, refresh_lifetime: timedelta,
    ) -> None:
        self._keys = keys
        self._directory = directory
        self._clock = clock
        self._audit = audit
        self.issuer = issuer
        self._public_url = public_url
        self.access_seconds = access_seconds
        self._refresh_lifetime = refresh_lifetime

    def person_grant(self, scope: str = "", resources: tuple[str, ...] = ()) -> AccessGrant:
        """The audiences and scopes of a person's token (raises ``InvalidTarget`` for a bad resource)."""
        return person_grant(scope, resources, public_url=self._public_url)

    def person_access_token(self, user: GrantUser, client_id: str, grant: AccessGrant | None = None) -> str:
        """A signed access token for a person, speaking for ``user.tenant``; by default (``grant``
        None) for every service with every API scope, as the web app's normal token."""
        grant = grant or self.person_grant("openid profile email")
        person = self._directory.get(user.person_id)
        if person is None or not person.active:
            raise AccountUnavailable(user.person_id)
        now = self._clock.now()
        claims = access_claims(
            subject=person.id, name=person.full_name,
            standing=standing(self._directory.memberships_of(person.id), user.tenant, home=person.home_school),
            delegations=self._directory.delegations_held(person.id, now), client_id=client_id,
            campaigns=self._directory.campaigns_held(person.id, now),
            issuer=self.issuer, audience=list(grant.audiences), scope=grant.scope, now=now,
            lifetime_seconds=self.access_seconds, jti=new_id(),
        )
        return self._keys.sign(claims)

    def may_speak_for(self, user: GrantUser) -> bool:
        """Whether a token may be issued for the school ``user.tenant`` names: no choice (the home
        school) or a school the person holds an active role in. Asking for any other school (one the
        person left, another school's id typed into the address) is refused and audited, so a
        switch of school never falls back silently to a school the person did not choose."""
        if user.tenant is None:
            return True
        schools = {m.school_id for m in self._directory.memberships_of(user.person_id) if m.school_id}
        if user.tenant in schools:
            return True
        self._audit.append(action="signin.school_refused", actor=user.person_id, tenant=None, target=user.person_id,
                           data={"asked": user.tenant[:100], "session": user.session_id})
        return False

    def service_access_token(self, client_id: str, scope: str = "") -> str:
        """A client-credentials token limited to ``client_id``'s declared calls (no database read)."""
        grant = service_grant(client_id, scope)
        return self._keys.sign(service_claims(
            client_id=client_id, issuer=self.issuer, audience=list(grant.audiences), scope=grant.scope,
            now=self._clock.now(), lifetime_seconds=self.access_seconds, jti=new_id(),
        ))

    # -- refresh tokens ------------------------------------------------------------------------
    def store_refresh_token(self, token: str, *, user: GrantUser, client_id: str, scope: str | None,
                            family_id: str | None) -> str:
        """Store a refresh token of ``family_id`` (a new family when None); returns the family id."""
        now = self._clock.now()
        family = family_id or new_id()
        IdentityRefreshTokenDoc(
            id=token_hash(token), family_id=family, person_id=user.person_id, client_id=client_id,
            session_id=user.session_id, scope=scope, tenant=user.tenant, issued_at=now,
            expires_at=now + self._refresh_lifetime,
        ).save(force_insert=True)
        return family

    def use_refresh_token(self, token: str, client_id: str) -> IdentityRefreshTokenDoc:
        """Mark ``token`` used and return it; a second use revokes its family (and raises)."""
        now = self._clock.now()
        coll = IdentityRefreshTokenDoc._get_collection()
        raw = coll.find_one_and_update(
            {"_id": token_hash(token), "client_id": client_id, "used_at": None, "revoked_at": None,
             "expires_at": {"$gt": now}},
            {"$set": {"used_at": now}},
        )
        if raw is not None:
            return IdentityRefreshTokenDoc._from_son(raw)
        existing = IdentityRefreshTokenDoc.objects(id=token_hash(token), client_id=client_id).first()
        if existing is not None and existing.used_at is not None:
            self.revoke_family(existing.family_id)
            self._audit.append(action="refresh_token.reuse_detected", actor=existing.person_id, tenant=existing.tenant,
                               target=existing.family_id, data={"client_id": client_id})
            raise RefreshRefused(reused=True)
        raise RefreshRefused(reused=False)

    def revoke_family(self, family_id: str) -> int:
        """Revoke every live token of a refresh family; returns how many were revoked."""
        return IdentityRefreshTokenDoc.objects(family_id=family_id, revoked_at=None).update(set__revoked_at=self._clock.now())

    def code_replayed(self, *, family_id: str | None, person_id: str, tenant: str | None, client_id: str) -> None:
        """An authorization code was presented again: revoke the refresh family its first exchange
        started (RFC 6749 §4.1.2) and audit it."""
        revoked = self.revoke_family(family_id) if family_id else 0
        self._audit.append(action="authorization_code.reuse_detected", actor=person_id, tenant=tenant,
                           target=family_id or "", data={"client_id": client_id, "revoked": revoked})

    def revoke_session_tokens(self, session_id: str) -> int:
        return IdentityRefreshTokenDoc.objects(session_id=session_id, revoked_at=None).update(set__revoked_at=self._clock.now())

    def revoke_person_tokens(self, person_id: str) -> int:
        return IdentityRefreshTokenDoc.objects(person_id=person_id, revoked_at=None).update(set__revoked_at=self._clock.now())

    def revoke_refresh_token(self, doc: IdentityRefreshTokenDoc) -> None:
        """RFC 7009 revocation of a refresh token: its whole family ends."""
        self.revoke_family(doc.family_id)
        self._audit.append(action="refresh_token.revoked", actor=doc.person_id, tenant=doc.tenant,
                           target=doc.family_id, data={"client_id": doc.client_id})


def new_refresh_token() -> str:
    return secrets.token_urlsafe(48)
