"""Tenant isolation at the repository layer.

Every tenant-owned record carries ``tenant_id`` (the school) and ``district_id``
(and ``province_id``). A ``TenantRepository`` refuses to query without a scope; a school
scope sees one school; district and province staff read across schools only through a
``CrossTenantGrant``, which writes an audit entry for the grant and for every read.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import mongoengine
from mongoengine import StringField

from .audit import AuditLog
from .errors import Forbidden, NotFound
from .permissions import CHUYEN_VIEN_SO, DISTRICT_ROLES
from .principal import Principal


class MissingTenantScope(RuntimeError):
    """A query was attempted without a tenant scope: a programming error, never a user's."""


class TenantOwned(mongoengine.Document):
    """Abstract base for tenant-owned documents."""

    meta: ClassVar[dict[str, Any]] = {"abstract": True}

    tenant_id = StringField(required=True)
    district_id = StringField(required=True)
    province_id = StringField()


@dataclass
class CrossTenantGrant:
    """Audited permission to read across the schools of a district (or a province)."""

    principal: Principal
    reason: str
    audit: AuditLog
    district: str | None = None
    province: str | None = None
    reads: int = field(default=0, init=False)

    def record_read(self, what: str, target: str | None, filters: Mapping[str, Any]) -> None:
        self.reads += 1
        self.audit.append(
            action="cross_tenant.read",
            actor=self.principal.sub,
            tenant=None,
            district=self.district,
            target=target or what,
            data={"what": what, "reason": self.reason, "filters": {k: str(v) for k, v in filters.items()}},
        )


def grant_cross_tenant(principal: Principal, *, reason: str, audit: AuditLog) -> CrossTenantGrant:
    """Open a cross-school read for district or province staff; refuses everyone else."""
    reason = (reason or "").strip()
    if not reason:
        raise Forbidden("Cần nêu lý do (đợt kiểm tra) khi xem hồ sơ của trường khác.", field="reason")
    if principal.roles & DISTRICT_ROLES and principal.district:
        grant = CrossTenantGrant(principal=principal, reason=reason, audit=audit, district=principal.district)
    elif CHUYEN_VIEN_SO in principal.roles and principal.province:
        grant = CrossTenantGrant(principal=principal, reason=reason, audit=audit, province=principal.province)
    else:
        raise Forbidden()
    audit.append(
        action="cross_tenant.granted",
        actor=principal.sub,
        tenant=None,
        district=grant.district,
        target=grant.district or grant.province,
        data={"reason": reason, "province": grant.province},
    )
    return grant


@dataclass(frozen=True)
class TenantScope:
    """What a repository may see: one school, or the schools a grant covers."""

    tenant: str | None = None
    district: str | None = None
    province: str | None = None
    grant: CrossTenantGrant | None = None

    @classmethod
    def school(cls, tenant: str, district: str, province: str | None = None) -> "TenantScope":
        return cls(tenant=tenant, district=district, province=province)

    @classmethod
    def for_principal(cls, principal: Principal) -> "TenantScope":
        """The caller's own school; 403 for callers that belong to no school."""
        if not principal.tenant or not principal.district:
            raise Forbidden("Tài khoản này không thuộc trường học nào.")
        return cls.school(principal.tenant, principal.district, principal.province)

    @classmethod
    def across(cls, grant: CrossTenantGrant, *, tenant: str | None = None) -> "TenantScope":
        """The schools a grant covers, narrowed to one school when ``tenant`` is given."""
        return cls(tenant=tenant, district=grant.district, province=grant.province, grant=grant)

    def filter(self) -> dict[str, str]:
        if self.grant is None and not self.tenant:
            raise MissingTenantScope("query without tenant scope")
        f: dict[str, str] = {}
        if self.tenant:
            f["tenant_id"] = self.tenant
        if self.district:
            f["district_id"] = self.district
        if self.province and not self.district:
            f["province_id"] = self.province
        if not f:
            raise MissingTenantScope("grant without district or province")
        return f


D = TypeVar("D", bound=TenantOwned)


class TenantRepository(Generic[D]):
    """Base repository: every query is scoped; other tenants' objects are simply not found."""

    document: ClassVar[type[TenantOwned]]

    def __init__(self, *, scope: TenantScope | None) -> None:
        self.scope = scope

    def _scope(self) -> TenantScope:
        if self.scope is None:
            raise MissingTenantScope(f"{type(self).__name__} used without tenant scope")
        return self.scope

    def query(self, **filters: Any) -> mongoengine.QuerySet:
        scope = self._scope()
        scoped = {**filters, **scope.filter()}
        if scope.grant is not None:
            scope.grant.record_read(self.document.__name__, str(filters.get("id") or filters.get("pk") or "") or None, filters)
        return self.document.objects(**scoped)

    def get(self, id: str, **filters: Any) -> D:
        obj = self.query(id=id, **filters).first()
        if obj is None:
            raise NotFound()
        return obj  # type: ignore[return-value]

    def add(self, obj: D) -> D:
        scope = self._scope()
        if scope.grant is not None or not scope.tenant:
            raise Forbidden("Chỉ trường sở hữu mới được tạo hồ sơ của trường.")
        if obj.tenant_id and obj.tenant_id != scope.tenant:
            raise MissingTenantScope("object belongs to another tenant")
        obj.tenant_id = scope.tenant
        obj.district_id = scope.district
        obj.province_id = scope.province
        obj.save()
        return obj
