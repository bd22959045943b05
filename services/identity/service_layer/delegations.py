"""Use cases of delegation (ủy quyền): grant, revoke and list, inside one school."""
from __future__ import annotations

from datetime import datetime

from services.identity.adapters.documents import IdentityDelegationDoc
from services.identity.adapters.repositories import DelegationRepository, MembershipRepository, SchoolRepository, membership_from_doc
from services.identity.domain.delegation import grant_delegation
from services.identity.domain.errors import IdentityError
from services.identity.service_layer.access import Access
from services.identity.service_layer.admin import as_problem
from services.identity.service_layer.events import make_event
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Forbidden, NotFound
from services.kernel.ids import new_id
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope


def delegation_data(doc: IdentityDelegationDoc) -> dict:
    """Data of ``identity.delegation.granted`` / ``.revoked`` (documented in the README)."""
    return {
        "delegation": doc.id, "school": doc.tenant_id, "delegator": doc.delegator_id, "delegate": doc.delegate_id,
        "role": doc.role, "unit": doc.unit_id, "book_types": list(doc.book_types or ()),
        "starts_at": doc.starts_at.isoformat(), "until": doc.until.isoformat(),
    }


class DelegationService:
    def __init__(self, *, access: Access, audit: AuditLog, clock: Clock) -> None:
        self._access = access
        self._audit = audit
        self._clock = clock

    def _own_school(self, principal: Principal, school_id: str) -> TenantScope:
        if principal.tenant != school_id or not principal.district:
            raise NotFound()
        return TenantScope.school(school_id, principal.district, principal.province)

    def grant(self, principal: Principal, school_id: str, *, delegate_id: str, role: str, unit_slug: str | None,
              book_types: list[str], starts_at: datetime | None, until: datetime) -> IdentityDelegationDoc:
        """The caller delegates one of their own roles to a deputy of the same school."""
        scope = self._own_school(principal, school_id)
        school = SchoolRepository(scope=scope).get(school_id)
        members = MembershipRepository(scope=scope)
        mine = [membership_from_doc(d) for d in members.query(person_id=principal.sub, active=True)]
        theirs = [membership_from_doc(d) for d in members.query(person_id=delegate_id, active=True)]
        if not theirs:
            raise NotFound("Không tìm thấy người nhận ủy quyền trong trường.")
        now = self._clock.now()
        try:
            d = grant_delegation(
                id=new_id(), delegator_id=principal.sub, delegator_memberships=mine, delegate_id=delegate_id,
                delegate_memberships=theirs, role=role, school_id=school.id, district_id=school.district_id,
                province_id=school.province_id or "", unit_id=f"{school.id}/{unit_slug}" if unit_slug else None,
                book_types=book_types, starts_at=starts_at or now, until=until, now=now,
            )
        except IdentityError as exc:
            raise as_problem(exc) from None
        doc = IdentityDelegationDoc(id=d.id, delegator_id=d.delegator_id, delegate_id=d.delegate_id, role=d.role,
                            unit_id=d.unit_id, book_types=list(d.book_types), starts_at=d.starts_at, until=d.until,
                            created_at=now)
        doc.tenant_id, doc.district_id, doc.province_id = school.id, school.district_id, school.province_id
        doc.record_event(make_event("identity.delegation.granted", clock=self._clock, tenant=school.id,
                                    district=school.district_id, actor=principal.sub, data=delegation_data(doc)))
        DelegationRepository(scope=scope).add(doc)
        self._audit.append(action="delegation.granted", actor=principal.sub, tenant=school.id,
                           district=school.district_id, target=doc.id, data=delegation_data(doc))
        return doc

    def revoke(self, principal: Principal, school_id: str, delegation_id: str) -> IdentityDelegationDoc:
        """The delegator, or the school's administrators, end a delegation early."""
        scope = self._own_school(principal, school_id)
        doc = DelegationRepository(scope=scope).get(delegation_id)
        admin = self._access.admin_of(principal, school_id)
        if doc.delegator_id != principal.sub and admin is None:
            raise Forbidden("Chỉ người ủy quyền hoặc quản trị của trường mới thu hồi được ủy quyền.")
        if doc.revoked_at is not None:
            return doc
        doc.revoked_at = self._clock.now()
        doc.record_event(make_event("identity.delegation.revoked", clock=self._clock, tenant=doc.tenant_id,
                                    district=doc.district_id, actor=principal.sub,
                                    on_behalf_of=admin.on_behalf_of if admin else None, data=delegation_data(doc)))
        doc.save()
        self._audit.append(action="delegation.revoked", actor=principal.sub,
                           on_behalf_of=admin.on_behalf_of if admin else None, tenant=doc.tenant_id,
                           district=doc.district_id, target=doc.id, data={"delegator": doc.delegator_id})
        return doc

    def list(self, principal: Principal, school_id: str, *, reason: str | None) -> list[IdentityDelegationDoc]:
        """Administrators and district staff see every delegation of the school; others their own."""
        if self._access.admin_of(principal, school_id) is None and principal.tenant == school_id and principal.district:
            scope = self._own_school(principal, school_id)
            repo = DelegationRepository(scope=scope)
            return sorted([*repo.query(delegator_id=principal.sub), *repo.query(delegate_id=principal.sub)],
                          key=lambda d: d.created_at, reverse=True)
        scope = self._access.read_scope(principal, school_id, reason=reason)
        return list(DelegationRepository(scope=scope).query().order_by("-created_at"))
