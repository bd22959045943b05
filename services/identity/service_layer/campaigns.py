"""Use cases of inspection campaigns: an oversight unit's inspector opens one, its staff list and read them,
change its team, head (trưởng đoàn) or end, and close it early.

Who may open: the district's ``truong_phong``/``chuyen_vien`` for schools of their unit, the Sở's
``chuyen_vien_so`` for schools of their province. The team are staff of the same unit. The team's
next access tokens carry the campaign (``grants``) while it runs; see ``domain.campaigns``. Every
change is audited and published (``identity.campaign.opened/changed/closed``, the campaign as it
stands, team by name) through the campaign document's outbox, so the services holding the team's
still-valid tokens refuse them at once (``services.kernel.campaigns``).
"""
from __future__ import annotations

from datetime import datetime

from typing import Any

from services.identity.adapters.documents import (
    IdentityCampaignDoc, IdentityDistrictDoc, IdentityPersonDoc, IdentityProvinceDoc, IdentityStaffRoleDoc,
)
from services.identity.adapters.repositories import SchoolRepository, campaign_from_doc
from services.identity.domain.campaigns import Campaign, open_campaign
from services.identity.domain.errors import IdentityError
from services.identity.domain.roles import DISTRICT_READ_ROLES, PROVINCE_READ_ROLES
from services.identity.service_layer.admin import as_problem
from services.identity.service_layer.events import make_event
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


def _campaign_unit(campaign: Campaign) -> dict[str, str]:
    """The staff filter of the unit that opened ``campaign``."""
    if campaign.district_id:
        return {"district_id": campaign.district_id}
    return {"province_id": campaign.province_id or ""}


def _check_staff(people: set[str], unit: dict[str, str]) -> None:
    """422 when one of ``people`` is not active staff of ``unit``."""
    staff = {d.person_id for d in IdentityStaffRoleDoc.objects(person_id__in=sorted(people), active=True, **unit)
             .only("person_id")}
    outside = sorted(people - staff)
    if outside:
        raise ValidationFailed(f"Thành viên đoàn phải là cán bộ của đơn vị: {', '.join(outside)}.", field="team")


def _unit_name(campaign: Campaign) -> str:
    """The opening unit as people call it."""
    if campaign.district_id:
        unit = IdentityDistrictDoc.objects(id=campaign.district_id).only("name").first()
    else:
        unit = IdentityProvinceDoc.objects(id=campaign.province_id).only("name").first()
    return unit.name if unit is not None else (campaign.district_id or campaign.province_id or "")


def team_names(campaigns: list[Campaign]) -> dict[str, str]:
    """Full names of the members of ``campaigns`` by person id (one query)."""
    people = sorted({p for c in campaigns for p in c.team})
    return {d.id: d.full_name for d in IdentityPersonDoc.objects(id__in=people).only("id", "full_name")}


def campaign_data(campaign: Campaign) -> dict[str, Any]:
    """The ``Campaign`` payload of the identity.campaign.* events: the campaign as it stands, by name."""
    names = team_names([campaign])
    return {"campaign": campaign.id, "name": campaign.name, "district_id": campaign.district_id,
            "province_id": campaign.province_id, "unit_name": _unit_name(campaign), "schools": list(campaign.schools),
            "books": list(campaign.books), "school_year": campaign.school_year,
            "team": [{"person": p, "full_name": names.get(p, p)} for p in campaign.team],
            "head": campaign.head, "head_name": names.get(campaign.head, campaign.head),
            "starts_at": campaign.starts_at.isoformat(), "until": campaign.until.isoformat(),
            "closed_at": campaign.closed_at.isoformat() if campaign.closed_at else None}


class CampaignService:
    def __init__(self, *, audit: AuditLog, clock: Clock) -> None:
        self._audit = audit
        self._clock = clock

    def open(self, principal: Principal, *, name: str, schools: list[str], books: list[str], school_year: str | None,
             team: list[str], starts_at: datetime | None, until: datetime, head: str | None = None) -> Campaign:
        """Open a campaign on schools of the caller's unit; the caller is on its team and, unless
        another member is named, its head."""
        unit = _unit_filter(principal)
        grant = grant_cross_tenant(principal, reason="Mở đợt kiểm tra", audit=self._audit)
        found = {d.id for d in SchoolRepository(scope=TenantScope.across(grant)).query(id__in=sorted(set(schools))).only("id")}
        missing = sorted(set(schools) - found)
        if missing:
            raise NotFound(f"Không tìm thấy trường thuộc đơn vị: {', '.join(missing)}.")
        others = sorted(set(team) - {principal.sub})
        _check_staff(set(others), unit)
        now = self._clock.now()
        try:
            campaign = open_campaign(id=new_id(), name=name, district_id=principal.district if "district_id" in unit else None,
                                     province_id=principal.province, schools=schools, books=books,
                                     school_year=school_year, team=others, opened_by=principal.sub,
                                     starts_at=starts_at or now, until=until, now=now, head=head)
        except IdentityError as exc:
            raise as_problem(exc) from None
        doc = IdentityCampaignDoc(id=campaign.id, name=campaign.name, district_id=campaign.district_id,
                                  province_id=campaign.province_id, schools=list(campaign.schools),
                                  books=list(campaign.books), school_year=campaign.school_year, team=list(campaign.team),
                                  head=campaign.head, starts_at=campaign.starts_at, until=campaign.until,
                                  opened_by=campaign.opened_by, created_at=now)
        self._record(doc, "identity.campaign.opened", campaign, principal)
        doc.save(force_insert=True)
        self._audit.append(action="campaign.opened", actor=principal.sub, tenant=None, district=campaign.district_id,
                           target=campaign.id, data={**campaign.grant_claim(), "name": campaign.name,
                                                     "team": list(campaign.team), "head": campaign.head,
                                                     "starts_at": campaign.starts_at.isoformat()})
        return campaign

    def change(self, principal: Principal, campaign_id: str, *, team: list[str] | None, head: str | None,
               until: datetime | None) -> Campaign:
        """Change the team, its head or the end of a running campaign of the caller's unit (or the Sở above)."""
        doc = self._doc(principal, campaign_id)
        before = campaign_from_doc(doc)
        try:
            campaign = before.change(team=team, head=head, until=until, now=self._clock.now())
        except IdentityError as exc:
            raise as_problem(exc) from None
        _check_staff(set(campaign.team) - set(before.team), _campaign_unit(before))
        doc.team, doc.head, doc.until = list(campaign.team), campaign.head, campaign.until
        self._record(doc, "identity.campaign.changed", campaign, principal)
        doc.save()
        self._audit.append(action="campaign.changed", actor=principal.sub, tenant=None, district=campaign.district_id,
                           target=campaign.id, data={"team": list(campaign.team), "head": campaign.head,
                                                     "until": campaign.until.isoformat(),
                                                     "removed": sorted(set(before.team) - set(campaign.team)),
                                                     "added": sorted(set(campaign.team) - set(before.team)),
                                                     "until_before": before.until.isoformat()})
        return campaign

    def close(self, principal: Principal, campaign_id: str) -> Campaign:
        """Close a running campaign of the caller's unit (or the Sở above) before its end."""
        doc = self._doc(principal, campaign_id)
        try:
            campaign = campaign_from_doc(doc).close(self._clock.now())
        except IdentityError as exc:
            raise as_problem(exc) from None
        doc.closed_at = campaign.closed_at
        self._record(doc, "identity.campaign.closed", campaign, principal)
        doc.save()
        self._audit.append(action="campaign.closed", actor=principal.sub, tenant=None, district=campaign.district_id,
                           target=campaign.id, data={"closed_at": doc.closed_at.isoformat()})
        return campaign

    def _doc(self, principal: Principal, campaign_id: str) -> IdentityCampaignDoc:
        doc = IdentityCampaignDoc.objects(id=campaign_id, **_unit_filter(principal)).exclude("outbox").first()
        if doc is None:
            raise NotFound()
        return doc

    def _record(self, doc: IdentityCampaignDoc, type_: str, campaign: Campaign, principal: Principal) -> None:
        doc.record_event(make_event(type_, clock=self._clock, district=campaign.district_id, actor=principal.sub,
                                    data=campaign_data(campaign)))

    def list(self, principal: Principal) -> list[Campaign]:
        """The campaigns of the caller's unit, newest first."""
        return [campaign_from_doc(d) for d in IdentityCampaignDoc.objects(**_unit_filter(principal)).exclude("outbox")
                .order_by("-created_at")]

    def get(self, principal: Principal, campaign_id: str) -> Campaign:
        """One campaign of the caller's unit; another unit's is not found."""
        return campaign_from_doc(self._doc(principal, campaign_id))
