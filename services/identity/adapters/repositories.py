"""Repositories of the identity database.

Tenant-owned collections are read through the kernel's ``TenantRepository`` (school scope, or
an audited cross-tenant grant for district and province staff). The lookups a sign-in and a
token issuance make are by indexed key and their number never depends on how many schools exist.
"""
from __future__ import annotations

from datetime import datetime

from services.identity.adapters.documents import (
    IdentityCampaignDoc, IdentityDelegationDoc, IdentityFederatedIdentityDoc, IdentityInvitationDoc, IdentityMembershipDoc, IdentityPasskeyDoc, IdentityPersonDoc, IdentitySchoolDoc, IdentityStaffRoleDoc, IdentityUnitDoc,
)
from services.identity.domain.campaigns import Campaign
from services.identity.domain.delegation import Delegation
from services.identity.domain.people import Membership, normalise_login
from services.kernel.tenancy import TenantRepository


class SchoolRepository(TenantRepository[IdentitySchoolDoc]):
    document = IdentitySchoolDoc


class UnitRepository(TenantRepository[IdentityUnitDoc]):
    document = IdentityUnitDoc


class MembershipRepository(TenantRepository[IdentityMembershipDoc]):
    document = IdentityMembershipDoc


class DelegationRepository(TenantRepository[IdentityDelegationDoc]):
    document = IdentityDelegationDoc


class InvitationRepository(TenantRepository[IdentityInvitationDoc]):
    document = IdentityInvitationDoc


def membership_from_doc(doc: IdentityMembershipDoc) -> Membership:
    return Membership(doc.person_id, doc.role, doc.tenant_id, doc.unit_id, doc.district_id, doc.province_id)


def campaign_from_doc(doc: IdentityCampaignDoc) -> Campaign:
    return Campaign(id=doc.id, name=doc.name, district_id=doc.district_id, province_id=doc.province_id,
                    schools=tuple(doc.schools or ()), books=tuple(doc.books or ()), school_year=doc.school_year,
                    team=tuple(doc.team or ()), starts_at=doc.starts_at, until=doc.until,
                    opened_by=doc.opened_by, head=doc.head or doc.opened_by, closed_at=doc.closed_at)


def delegation_from_doc(doc: IdentityDelegationDoc) -> Delegation:
    return Delegation(
        id=doc.id, school_id=doc.tenant_id, district_id=doc.district_id, province_id=doc.province_id or "",
        delegator_id=doc.delegator_id, delegate_id=doc.delegate_id, role=doc.role, unit_id=doc.unit_id,
        book_types=tuple(doc.book_types or ()), starts_at=doc.starts_at, until=doc.until, revoked_at=doc.revoked_at,
    )


class PersonDirectory:
    """What sign-in and token issuance need to know about one person, by indexed keys only."""

    def find_by_login(self, login: str) -> IdentityPersonDoc | None:
        """The account for a typed username or e-mail address (one indexed lookup)."""
        text = normalise_login(login)
        if not text:
            return None
        if "@" in text:
            return IdentityPersonDoc.objects(email=text).first()
        return IdentityPersonDoc.objects(id=text).first()

    def get(self, person_id: str) -> IdentityPersonDoc | None:
        return IdentityPersonDoc.objects(id=person_id).first()

    def memberships_of(self, person_id: str) -> list[Membership]:
        """Every active role of the person: school roles and district/province roles (two indexed queries)."""
        school = [membership_from_doc(d) for d in IdentityMembershipDoc.objects(person_id=person_id, active=True)
                  .only("person_id", "role", "tenant_id", "unit_id", "district_id", "province_id")]
        staff = [Membership(d.person_id, d.role, None, None, d.district_id, d.province_id)
                 for d in IdentityStaffRoleDoc.objects(person_id=person_id, active=True)
                 .only("person_id", "role", "district_id", "province_id")]
        return school + staff

    def delegations_held(self, person_id: str, now: datetime) -> list[Delegation]:
        """Delegations the person holds that have not ended (one indexed query)."""
        return [delegation_from_doc(d) for d in IdentityDelegationDoc.objects(delegate_id=person_id, until__gt=now, revoked_at=None)]

    def campaigns_held(self, person_id: str, now: datetime) -> list[Campaign]:
        """Campaigns running at ``now`` whose team the person is on (one indexed query)."""
        found = IdentityCampaignDoc.objects(team=person_id, until__gt=now, starts_at__lte=now, closed_at=None).exclude("outbox")
        return [campaign_from_doc(d) for d in found]


class PersonPasskeys:
    """One person's passkeys: every query names the person, so a credential or record id of
    somebody else's passkey is simply not found (a person's passkeys are theirs only)."""

    def __init__(self, person_id: str) -> None:
        self.person_id = person_id

    def all(self) -> list[IdentityPasskeyDoc]:
        """The person's passkeys, oldest first (one indexed query)."""
        return list(IdentityPasskeyDoc.objects(person_id=self.person_id).order_by("created_at"))

    def by_credential(self, credential_id: str) -> IdentityPasskeyDoc | None:
        return IdentityPasskeyDoc.objects(person_id=self.person_id, credential_id=credential_id).first()

    def get(self, passkey_id: str) -> IdentityPasskeyDoc | None:
        return IdentityPasskeyDoc.objects(person_id=self.person_id, id=passkey_id).first()

    def advance_counter(self, passkey: IdentityPasskeyDoc, new_count: int, used_at: datetime) -> bool:
        """Store a higher signature counter, only if nobody stored one meanwhile (compare-and-set)."""
        return IdentityPasskeyDoc.objects(person_id=self.person_id, id=passkey.id, sign_count=passkey.sign_count).update_one(
            set__sign_count=new_count, set__last_used_at=used_at) == 1

    def remove_all(self) -> int:
        """Remove every passkey of the person (an administrator's second-factor reset); how many."""
        removed = IdentityPasskeyDoc.objects(person_id=self.person_id).delete()
        IdentityPersonDoc.objects(id=self.person_id).update_one(set__passkey_count=0)
        return int(removed or 0)

    def count_changed(self, delta: int) -> None:
        """Keep the person's passkey count (read by every sign-in step) in step with the records."""
        IdentityPersonDoc.objects(id=self.person_id).update_one(inc__passkey_count=delta)


def passkey_by_credential(credential_id: str) -> IdentityPasskeyDoc | None:
    """The passkey a credential id names, whoever holds it: the passkey-only sign-in learns the
    person from it (the signature then proves the person holds it)."""
    return IdentityPasskeyDoc.objects(credential_id=credential_id).first() if credential_id else None


def credential_registered(credential_id: str) -> bool:
    """Whether any person already registered this credential id (registration refuses a second one)."""
    return IdentityPasskeyDoc.objects(credential_id=credential_id).only("id").first() is not None


class PersonFederatedIdentities:
    """One person's links to outside accounts: every query names the person, so another person's
    link id is simply not found."""

    def __init__(self, person_id: str) -> None:
        self.person_id = person_id

    def all(self) -> list[IdentityFederatedIdentityDoc]:
        """The person's links, oldest first (one indexed query)."""
        return list(IdentityFederatedIdentityDoc.objects(person_id=self.person_id).order_by("created_at"))

    def remove(self, link_id: str) -> IdentityFederatedIdentityDoc | None:
        """Remove one of the person's links; the removed link, or None when it is not theirs."""
        doc = IdentityFederatedIdentityDoc.objects(person_id=self.person_id, id=link_id).first()
        if doc is not None:
            doc.delete()
        return doc


def federated_identity(issuer: str, subject: str) -> IdentityFederatedIdentityDoc | None:
    """The link of an outside account, whoever holds it (the sign-in learns the person from it)."""
    return IdentityFederatedIdentityDoc.objects(issuer=issuer, subject=subject).first()
