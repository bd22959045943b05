"""Tenant isolation at the repository layer.

Every tenant-owned record carries ``tenant_id`` (the school) and ``district_id``
(and ``province_id``). A ``TenantRepository`` refuses to query without a scope; a school
scope sees one school; district and province staff read across schools only through a
``CrossTenantGrant``, which writes an audit entry for the grant and for every read.

A grant rests either on an inspection campaign (đợt kiểm tra) the caller's verified token
carries (``Principal.grants``: schools, book types, school year, until) or on the standing right
of oversight staff (a stated reason). A campaign grant narrows every query to its scope; a
school outside it, and any read after the campaign's end, is simply not found. With the service's
``CampaignStates`` (``services.kernel.campaigns``) a grant also ends at once when identity says the
campaign closed, ended earlier or no longer counts the caller on its team. Every read is an
audit entry with ``action = "cross_tenant.read"`` and ``tenant`` = the school read: the school's
read log ("Ai đã xem hồ sơ của trường") is that slice of each service's audit chain.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import mongoengine
from mongoengine import StringField

from .audit import AuditLog
from .clock import SystemClock
from .errors import Forbidden, NotFound
from .permissions import CHUYEN_VIEN_SO, DISTRICT_ROLES
from .principal import CampaignGrant, Principal

if TYPE_CHECKING:
    from .campaigns import CampaignStates


class MissingTenantScope(RuntimeError):
    """A query was attempted without a tenant scope: a programming error, never a user's."""


class TenantOwned(mongoengine.Document):
    """Abstract base for tenant-owned documents."""

    meta: ClassVar[dict[str, Any]] = {"abstract": True}

    tenant_id = StringField(required=True)
    district_id = StringField(required=True)
    province_id = StringField()


READ_ACTION = "cross_tenant.read"
"""The audit action of one cross-school read: the entries a school's read log lists."""


@dataclass
class CrossTenantGrant:
    """Audited permission to read across the schools of a district (or a province), optionally
    narrowed to the scope of one inspection campaign."""

    principal: Principal
    reason: str
    audit: AuditLog
    district: str | None = None
    province: str | None = None
    campaign: CampaignGrant | None = None
    reads: int = field(default=0, init=False)

    @property
    def basis(self) -> str:
        """``campaign`` or ``standing`` (the oversight staff's standing right)."""
        return "campaign" if self.campaign else "standing"

    def record_read(self, what: str, target: str | None, filters: Mapping[str, Any], *,
                    tenant: str | None = None) -> None:
        """One audit entry per read; ``tenant`` is the school read (None for a read across schools)."""
        self.reads += 1
        self.audit.append(
            action=READ_ACTION,
            actor=self.principal.sub,
            tenant=tenant,
            district=self.district,
            target=target or what,
            data={"what": what, "reason": self.reason, "basis": self.basis,
                  "campaign": self.campaign.campaign if self.campaign else None,
                  "actor_name": self.principal.name, "unit": self.district or self.province,
                  "filters": {k: str(v) for k, v in filters.items()}},
        )


def grant_cross_tenant(principal: Principal, *, reason: str | None, audit: AuditLog, campaign: str | None = None,
                       now: datetime | None = None, campaigns: CampaignStates | None = None) -> CrossTenantGrant:
    """Open a cross-school read for district or province staff; refuses everyone else.

    With ``campaign`` the read rests on that campaign's grant in the caller's verified token and
    is narrowed to its scope; an unknown or ended campaign is not found (404), and so is one
    ``campaigns`` knows to be closed, ended or without the caller on its team. Without it the
    read rests on the standing right and needs a ``reason``.
    """
    held: CampaignGrant | None = None
    if campaign:
        moment = now or SystemClock().now()
        stamp = int(moment.timestamp())
        held = next((g for g in principal.grants if g.campaign == campaign and g.active(stamp)), None)
        if held is not None and campaigns is not None and not campaigns.still_holds(held, principal.sub, moment):
            held = None
        if held is None:
            raise NotFound("Không có đợt kiểm tra này hoặc đợt kiểm tra đã kết thúc.")
        reason = (reason or "").strip() or f"Đợt kiểm tra {campaign}"
    reason = (reason or "").strip()
    if not reason:
        raise Forbidden("Cần nêu lý do (đợt kiểm tra) khi xem hồ sơ của trường khác.", field="reason")
    if principal.roles & DISTRICT_ROLES and principal.district:
        grant = CrossTenantGrant(principal=principal, reason=reason, audit=audit, district=principal.district,
                                 campaign=held)
    elif CHUYEN_VIEN_SO in principal.roles and principal.province:
        grant = CrossTenantGrant(principal=principal, reason=reason, audit=audit, province=principal.province,
                                 campaign=held)
    else:
        raise Forbidden()
    audit.append(
        action="cross_tenant.granted",
        actor=principal.sub,
        tenant=None,
        district=grant.district,
        target=grant.district or grant.province,
        data={"reason": reason, "province": grant.province, "campaign": held.campaign if held else None},
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
        """The schools a grant covers, narrowed to one school when ``tenant`` is given; a school
        outside a campaign's scope is not found."""
        if grant.campaign is not None and tenant is not None and tenant not in grant.campaign.schools:
            raise NotFound()
        return cls(tenant=tenant, district=grant.district, province=grant.province, grant=grant)

    def filter(self) -> dict[str, Any]:
        if self.grant is None and not self.tenant:
            raise MissingTenantScope("query without tenant scope")
        f: dict[str, Any] = {}
        if self.tenant:
            f["tenant_id"] = self.tenant
        elif self.grant is not None and self.grant.campaign is not None:
            f["tenant_id__in"] = list(self.grant.campaign.schools)
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
    #: Fields of ``document`` a campaign's scope narrows: ``{"book": field, "year": field}``.
    campaign_fields: ClassVar[Mapping[str, str]] = {}

    def __init__(self, *, scope: TenantScope | None) -> None:
        self.scope = scope

    def _scope(self) -> TenantScope:
        if self.scope is None:
            raise MissingTenantScope(f"{type(self).__name__} used without tenant scope")
        return self.scope

    def query(self, **filters: Any) -> mongoengine.QuerySet:
        scope = self._scope()
        scoped = {**filters, **scope.filter(), **self._campaign_filter(scope)}
        if scope.grant is not None:
            scope.grant.record_read(self.document.__name__, str(filters.get("id") or filters.get("pk") or "") or None,
                                    filters, tenant=scope.tenant)
        return self.document.objects(**scoped)

    def _campaign_filter(self, scope: TenantScope) -> dict[str, Any]:
        """The book types and school year of a campaign grant, on the fields this document has."""
        held = scope.grant.campaign if scope.grant is not None else None
        if held is None:
            return {}
        f: dict[str, Any] = {}
        if held.books and "book" in self.campaign_fields:
            f[f"{self.campaign_fields['book']}__in"] = list(held.books)
        if held.year and "year" in self.campaign_fields:
            f[f"{self.campaign_fields['year']}__in"] = [held.year]
        return f

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
