"""Use cases of inspection campaigns: an oversight unit's inspector opens one, its staff list and read them.

Who may open: the district's ``truong_phong``/``chuyen_vien`` for schools of their unit, the Sở's
``chuyen_vien_so`` for schools of their province. The team are staff of the same unit. The team's
next access tokens carry the campaign (``grants``) while it runs; see ``domain.campaigns``.
"""
from __future__ import annotations

from datetime import datetime

from services.identity.adapters.documents import IdentityCampaignDoc, IdentityStaffRoleDoc
from services.identity.adapters.repositories import SchoolRepository, campaign_from_doc
from services.identity.domain.campaigns import Campaign, open_campaign
from services.identity.domain.errors import IdentityError
from services.identity.domain.roles import DISTRICT_READ_ROLES, PROVINCE_READ_ROLES
from services.identity.service_layer.admin import as_problem
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.ids import new_id
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope, grant_cross_tenant


def _unit_filter(principal: Principal) -> dict[str, str]:
    """The campaigns (and staff) of the caller's oversight unit; 403 for anyone else."""
    if principal.tenant is None and principal.roles & DISTRICT_READ_ROLES and principal.district:
        return {"district_id": principal.district}
    if principal.tenant is None and principal.roles & PROVINCE_READ_ROLES and principal.province:
        return {"province_id": principal.province}
    raise Forbidden("Chỉ cán bộ của đơn vị quản lý (Phòng, xã/phường hoặc Sở) mới mở được đợt kiểm tra.")


class CampaignService:
    def __init__(self, *, audit: AuditLog, clock: Clock) -> None:
        self._audit = audit
        self._clock = clock

    def open(self, principal: Principal, *, name: str, schools: list[str], books: list[str], school_year: str | None,
             team: list[str], starts_at: datetime | None, until: datetime) -> Campaign:
        """Open a campaign on schools of the caller's unit; the caller is on its team."""
        unit = _unit_filter(principal)
        grant = grant_cross_tenant(principal, reason="Mở đợt kiểm tra", audit=self._audit)
        found = {d.id for d in SchoolRepository(scope=TenantScope.across(grant)).query(id__in=sorted(set(schools))).only("id")}
        missing = sorted(set(schools) - found)
        if missing:
            raise NotFound(f"Không tìm thấy trường thuộc đơn vị: {', '.join(missing)}.")
        others = sorted(set(team) - {principal.sub})
        staff = {d.person_id for d in IdentityStaffRoleDoc.objects(person_id__in=others, active=True, **unit).only("person_id")}
        outside = sorted(set(others) - staff)
        if outside:
            raise ValidationFailed(f"Thành viên đoàn phải là cán bộ của đơn vị: {', '.join(outside)}.", field="team")
        now = self._clock.now()
        try:
            campaign = open_campaign(id=new_id(), name=name, district_id=principal.district if "district_id" in unit else None,
                                     province_id=principal.province, schools=schools, books=books,
                                     school_year=school_year, team=others, opened_by=principal.sub,
                                     starts_at=starts_at or now, until=until, now=now)
        except IdentityError as exc:
            raise as_problem(exc) from None
        IdentityCampaignDoc(id=campaign.id, name=campaign.name, district_id=campaign.district_id,
                            province_id=campaign.province_id, schools=list(campaign.schools), books=list(campaign.books),
                            school_year=campaign.school_year, team=list(campaign.team), starts_at=campaign.starts_at,
                            until=campaign.until, opened_by=campaign.opened_by, created_at=now).save(force_insert=True)
        self._audit.append(action="campaign.opened", actor=principal.sub, tenant=None, district=campaign.district_id,
                           target=campaign.id, data={**campaign.grant_claim(), "name": campaign.name,
                                                     "team": list(campaign.team),
                                                     "starts_at": campaign.starts_at.isoformat()})
        return campaign

    def list(self, principal: Principal) -> list[Campaign]:
        """The campaigns of the caller's unit, newest first."""
        return [campaign_from_doc(d) for d in IdentityCampaignDoc.objects(**_unit_filter(principal)).order_by("-created_at")]

    def get(self, principal: Principal, campaign_id: str) -> Campaign:
        """One campaign of the caller's unit; another unit's is not found."""
        doc = IdentityCampaignDoc.objects(id=campaign_id, **_unit_filter(principal)).first()
        if doc is None:
            raise NotFound()
        return campaign_from_doc(doc)
