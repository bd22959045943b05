"""Who may see and write what: the caller's scope, the school's catalog, visibility filters."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import datetime

from mongoengine.queryset.visitor import Q

from services.documents.adapters.records import SchoolRecord
from services.documents.adapters.repositories import Repositories
from services.documents.domain.catalog_model import Catalog
from services.documents.domain.obligations import SCHOOL_OWNER, slots_owed
from services.documents.domain.people import Actor, Unit
from services.documents.service_layer.templates import effective_catalog
from services.kernel.audit import AuditLog
from services.kernel.campaigns import CampaignStates
from services.kernel.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope, grant_cross_tenant


def actor_of(principal: Principal) -> Actor:
    """The domain's view of a verified caller."""
    return Actor(sub=principal.sub, tenant=principal.tenant, roles=frozenset(principal.roles),
                 unit_roles=frozenset(principal.unit_roles), district=principal.district,
                 province=principal.province, is_service=principal.is_service, name=principal.name,
                 delegations=tuple((d.on_behalf_of, d.role, d.unit) for d in principal.act))


def current_school_year(now: datetime) -> str:
    """September to August: the school year ``now`` falls in."""
    return f"{now.year}-{now.year + 1}" if now.month >= 9 else f"{now.year - 1}-{now.year}"


def units_of(school: SchoolRecord) -> dict[str, Unit]:
    return {u["id"]: Unit(id=u["id"], slug=u.get("slug", u["id"]), name=u.get("name", u["id"]), kind=u.get("kind", ""),
                         level=u.get("level"))
            for u in school.units or []}


@dataclass(frozen=True)
class CallerContext:
    """Everything a use case needs to know about the caller and their school."""

    principal: Principal
    actor: Actor
    repos: Repositories
    school: SchoolRecord | None
    cross_tenant: bool
    #: the inspection campaign a cross-school read rests on
    campaign: str | None = None

    @cached_property
    def units(self) -> dict[str, Unit]:
        return units_of(self.school) if self.school else {}

    @cached_property
    def catalog(self) -> Catalog:
        return effective_catalog(self.school) if self.school else Catalog("", ())


def school_context(principal: Principal | None) -> CallerContext:
    """The caller's own school; 401/403 for anonymous callers and staff without a school."""
    if principal is None:
        raise Unauthorized()
    scope = TenantScope.for_principal(principal)
    repos = Repositories(scope)
    school = repos.schools.query(id=principal.tenant).first()
    if school is None:
        raise NotFound("Trường chưa được khởi tạo trên hệ thống hồ sơ.")
    return CallerContext(principal, actor_of(principal), repos, school, cross_tenant=False)


def read_context(principal: Principal | None, *, school: str | None, campaign: str | None, reason: str | None,
                 audit: AuditLog, now: datetime, campaigns: CampaignStates | None = None) -> CallerContext:
    """A context for reading: the caller's school, or for oversight staff the audited grant of an
    inspection campaign their token carries, on one school of its scope (the only school when the
    campaign has one). A school, book type or year outside the campaign, and any read after its
    end, is not found (at once when ``campaigns`` knows it closed or dropped the caller); a read without a
    campaign is refused (the standing right covers progress)."""
    if principal is None:
        raise Unauthorized()
    if principal.tenant:
        if school and school != principal.tenant:
            raise NotFound()
        return school_context(principal)
    if not campaign:
        raise Forbidden("Cán bộ Phòng/Sở xem hồ sơ của trường trong một đợt kiểm tra: hãy chọn đợt kiểm tra.",
                        field="campaign")
    grant = grant_cross_tenant(principal, reason=reason, audit=audit, campaign=campaign, now=now, campaigns=campaigns)
    held = grant.campaign
    if not school and held is not None and len(held.schools) == 1:
        school = held.schools[0]
    if not school:
        raise ValidationFailed("Hãy chọn trường cần xem trong đợt kiểm tra.", field="school")
    repos = Repositories(TenantScope.across(grant, tenant=school))
    record = repos.schools.query(id=school).first()
    if record is None:
        raise NotFound()
    return CallerContext(principal, actor_of(principal), repos, record, cross_tenant=True, campaign=campaign)


def visibility(ctx: CallerContext) -> Q | None:
    """A query restricting documents to what the caller may see; None means the whole scope.

    Leadership (hiệu trưởng, phó hiệu trưởng, quản trị) and district staff with a grant see
    everything in scope; tổ trưởng/tổ phó their tổ; GVCN their classes; everyone the slots
    they owe (their own books, school books of their role); the holder of a book's organisation
    signature (the văn thư, who seals and issues học bạ) that book, whose signed copies they print.
    """
    actor = ctx.actor
    if ctx.cross_tenant or actor.is_leadership:
        return None
    units = ctx.units
    owner_keys = {actor.sub} | actor.classes(units)
    school_books = [b.slug for b in ctx.catalog.books
                    if any(s.owner_key == SCHOOL_OWNER for s in slots_owed(actor, b, units))]
    led = actor.units_with({"to_truong", "to_pho"})
    sealed = sorted(b.slug for b in ctx.catalog.books
                    if any(s.kind == "organisation" and s.role in actor.roles for s in b.signers))
    query = Q(owner_key__in=sorted(owner_keys))
    if sealed:
        query |= Q(book__in=sealed)
    if led:
        query |= Q(unit_id__in=sorted(led))
    if school_books:
        query |= Q(owner_key=SCHOOL_OWNER, book__in=school_books)
    return query


def require_school_staff(ctx: CallerContext) -> None:
    if ctx.cross_tenant:
        raise Forbidden("Cán bộ Phòng/Sở chỉ được xem hồ sơ của trường, không được thay đổi.")
