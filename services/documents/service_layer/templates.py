"""Catalog templates of the Sở, the Phòng and the school, and the effective catalog of a school.

Saving a template publishes ``documents.catalog.changed`` (``{tier, owner_id, version}``)
through the template record's outbox, so approvals recomputes the schools concerned.
A template is refused when it would loosen what a level above decided (Vietnamese reason,
422). If a level above tightens later, a school template that now loosens it is left out
of the effective catalog, so the effective catalog is never looser than any level above.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from services.documents.adapters.records import CatalogTemplateRecord, SchoolRecord
from services.documents.domain.catalog import BASE_CATALOGS
from services.documents.domain.catalog_codec import template_from_data
from services.documents.domain.catalog_model import Catalog, CatalogError, CatalogTemplate, layer
from services.documents.domain.catalog_view import catalog_version, merge_levels, school_catalog_view
from services.kernel.events import Event
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.principal import Principal

log = logging.getLogger(__name__)
CATALOG_CHANGED = "documents.catalog.changed"
TIER_ROLES = {"so": frozenset({"chuyen_vien_so"}), "phong": frozenset({"truong_phong", "chuyen_vien"}),
              "truong": frozenset({"hieu_truong", "quan_tri"})}


def _record_template(record: CatalogTemplateRecord) -> CatalogTemplate:
    return template_from_data(record.tier, record.owner_id, list(record.additions), dict(record.overrides))


def _stored(level: str, province: str | None, district: str | None, school: str | None) -> list[CatalogTemplate]:
    owners = [("so", province), ("phong", district), ("truong", school)]
    found = []
    for tier, owner in owners:
        if not owner:
            continue
        record = CatalogTemplateRecord.objects(education_level=level, tier=tier, owner_id=owner).first()
        if record is not None:
            found.append(_record_template(record))
    return found


def effective_level_catalog(level: str, *, province: str | None, district: str | None, school: str | None) -> Catalog:
    """The base catalog of ``level`` with every applicable template layered on top."""
    catalog = BASE_CATALOGS[level]
    for template in _stored(level, province, district, school):
        try:
            catalog = layer(catalog, [template])
        except CatalogError as exc:
            log.warning("catalog template %s/%s left out: %s", template.level, template.owner_id, exc.message)
    return catalog


def effective_catalog(school: SchoolRecord) -> Catalog:
    """The catalog of a school: every level it teaches, templates applied, each slug once with its levels."""
    levels = {level: effective_level_catalog(level, province=school.province_id, district=school.district_id,
                                             school=school.id)
              for level in school.levels if level in BASE_CATALOGS}
    return merge_levels(levels, "+".join(school.levels))


def school_catalog(school: SchoolRecord) -> dict:
    """The school's catalog in the form approvals reads (``schemas.SchoolCatalog``), with its version."""
    return school_catalog_view(school.id, [lv for lv in school.levels if lv in BASE_CATALOGS],
                               effective_catalog(school))


class Templates:
    def __init__(self, *, clock: Clock, audit: AuditLog) -> None:
        self._clock = clock
        self._audit = audit

    @staticmethod
    def owner_of(principal: Principal, tier: str) -> str:
        """The organisation whose template the caller may write at ``tier``; 403 otherwise."""
        if not principal.roles & TIER_ROLES.get(tier, frozenset()):
            raise Forbidden("Bạn không có quyền sửa danh mục hồ sơ ở cấp này.")
        owner = {"so": principal.province, "phong": principal.district, "truong": principal.tenant}[tier]
        if not owner:
            raise Forbidden("Tài khoản không thuộc đơn vị của cấp danh mục này.")
        return owner

    def put(self, principal: Principal, *, level: str, tier: str, additions: list[Mapping[str, Any]],
            overrides: Mapping[str, Mapping[str, Any]]) -> Catalog:
        """Store a template after checking it against the levels above; returns the result."""
        if level not in BASE_CATALOGS:
            raise NotFound("Không có danh mục cho cấp học này.")
        owner = self.owner_of(principal, tier)
        above = {"so": {}, "phong": {"province": principal.province},
                 "truong": {"province": principal.province, "district": principal.district}}[tier]
        try:
            template = template_from_data(tier, owner, list(additions), dict(overrides))
            upper = effective_level_catalog(level, province=above.get("province"), district=above.get("district"),
                                            school=None)
            result = layer(upper, [template])
        except CatalogError as exc:
            raise ValidationFailed(exc.message, field=exc.field_name or "book", code="catalog-loosening") from None
        record_id = f"{level}:{tier}:{owner}"
        record = CatalogTemplateRecord.objects(id=record_id).first() or CatalogTemplateRecord(
            id=record_id, education_level=level, tier=tier, owner_id=owner)
        record.additions, record.overrides = list(additions), {k: dict(v) for k, v in overrides.items()}
        record.updated_by, record.updated_at = principal.sub, self._clock.now()
        version = catalog_version({"level": level, "tier": tier, "owner": owner,
                                   "additions": record.additions, "overrides": record.overrides})
        record.record_event(Event(type=CATALOG_CHANGED, tenant=owner if tier == "truong" else None,
                                  district=principal.district, actor=principal.sub,
                                  data={"tier": tier, "owner_id": owner, "version": version}))
        record.save()
        self._audit.append(action="documents.catalog_template.saved", actor=principal.sub, tenant=principal.tenant,
                           district=principal.district, target=record_id,
                           data={"additions": [a.get("slug") for a in additions], "overrides": sorted(overrides)})
        return result
