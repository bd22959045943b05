"""The default folder tree of a school year, and "my submission addresses"."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.documents.adapters.records import FolderRecord, SchoolRecord
from services.documents.adapters.repositories import Repositories
from services.documents.domain.catalog_model import BookType, OwnerKind
from services.documents.domain.obligations import SCHOOL_OWNER, addresses
from services.documents.domain.periods import PeriodError, SchoolWeeks, listed_periods, parse_school_year, takes_weeks
from services.documents.service_layer.access import (
    CallerContext, require_school_staff, units_of, visibility,
)
from services.documents.service_layer.templates import CATALOG_CHANGED, effective_catalog, school_catalog
from services.kernel.audit import AuditLog
from services.kernel.errors import Forbidden, ValidationFailed
from services.kernel.events import Event
from services.kernel.ownership import TEAM_KINDS
from services.kernel.tenancy import TenantScope


def _folder_id(tenant: str, school_year: str, book: str, owner_key: str) -> str:
    return f"{tenant}:{school_year}:{book}:{owner_key}"


class Folders:
    def __init__(self, *, audit: AuditLog) -> None:
        self._audit = audit

    def onboard(self, data: Mapping[str, Any], school_year: str) -> SchoolRecord:
        """Record a school from ``identity.school.onboarded`` and generate its tree for the year.

        Publishes ``documents.catalog.changed`` for the school (its catalog now exists, or its levels
        changed), so approvals computes what the school owes once documents can answer for it.
        """
        scope = TenantScope.school(str(data["school_id"]), str(data["district_id"]), data.get("province_id"))
        repos = Repositories(scope)
        school = repos.schools.query(id=data["school_id"]).first() or SchoolRecord(id=str(data["school_id"]))
        school.slug = str(data.get("slug") or data["school_id"])
        school.name = str(data.get("name") or school.slug)
        school.levels = list(data.get("levels") or [])
        school.principal_id = data.get("principal_id") or school.principal_id
        school.units = [{"id": str(u["id"]), "slug": str(u.get("slug") or u["id"]), "name": str(u.get("name") or ""),
                         "kind": str(u.get("kind") or ""), **({"level": str(u["level"])} if u.get("level") else {})}
                        for u in data.get("units") or []]
        # the school's catalog now exists (or changed with its levels): approvals recomputes from it
        school.district_id, school.province_id = scope.district, scope.province
        school.record_event(Event(type=CATALOG_CHANGED, tenant=school.id, district=str(data["district_id"]),
                                  actor=None, data={"tier": "truong", "owner_id": school.id,
                                                    "version": school_catalog(school)["version"]}))
        if school.tenant_id:
            school.save()
        else:
            repos.schools.add(school)
        self.generate(repos, school, school_year)
        self._audit.append(action="documents.school.onboarded", actor=None, tenant=school.id,
                           district=school.district_id, target=school.id, data={"school_year": school_year})
        return school

    def generate(self, repos: Repositories, school: SchoolRecord, school_year: str) -> int:
        """Create the school-level, tổ and class folders of ``school_year`` that are missing."""
        try:
            parse_school_year(school_year)
        except PeriodError as exc:
            raise ValidationFailed(str(exc), field="school_year") from None
        units = units_of(school)
        weeks = repos.calendars.get(school_year)
        created = 0
        for book in effective_catalog(school).books:
            if book.external_system:
                continue
            owners: list[tuple[str, str | None, str]] = []
            if book.owner_kind is OwnerKind.SCHOOL:
                owners.append((SCHOOL_OWNER, None, school.name))
            elif book.owner_kind is OwnerKind.UNIT:
                owners += [(u.id, u.id, u.name) for u in units.values() if u.kind in TEAM_KINDS]
            elif book.owner_kind is OwnerKind.CLASS:
                owners += [(u.id, u.id, u.name) for u in units.values() if u.kind == "lop"]
            for owner_key, unit_id, owner_name in owners:
                created += self._ensure(repos, school, school_year, book, book.owner_kind.value, owner_key, unit_id,
                                        owner_name, weeks)
        return created

    @staticmethod
    def _ensure(repos: Repositories, school: SchoolRecord, school_year: str, book: BookType, owner_kind: str,
                owner_key: str, unit_id: str | None, owner_name: str, weeks: SchoolWeeks | None) -> int:
        folder_id = _folder_id(school.id, school_year, book.slug, owner_key)
        if repos.folders.query(id=folder_id).first() is not None:
            return 0
        repos.folders.add(FolderRecord(id=folder_id, school_year=school_year, book=book.slug, book_name=book.name,
                                       owner_kind=owner_kind, owner_key=owner_key, owner_name=owner_name,
                                       unit_id=unit_id, periods=[p.key for p in listed_periods(book, school_year, weeks)]))
        return 1

    def ensure_year(self, school_year: str) -> int:
        """Give every known school its tree for ``school_year`` (a periodic job: a new year starts in
        September). Lists schools across tenants as a system task; each tree is written in its school's scope."""
        created = 0
        for school in SchoolRecord.objects.order_by("id"):
            repos = Repositories(TenantScope.school(school.tenant_id, school.district_id, school.province_id))
            created += self.generate(repos, school, school_year)
        return created

    def generate_for_caller(self, ctx: CallerContext, school_year: str) -> int:
        require_school_staff(ctx)
        if "quan_tri" not in ctx.actor.roles and "hieu_truong" not in ctx.actor.roles:
            raise Forbidden("Chỉ quản trị hệ thống hoặc hiệu trưởng được tạo thư mục.")
        created = self.generate(ctx.repos, ctx.school, school_year)  # type: ignore[arg-type]
        self._audit.append(action="documents.folders.generated", actor=ctx.principal.sub, tenant=ctx.principal.tenant,
                           district=ctx.principal.district, target=ctx.principal.tenant,
                           data={"school_year": school_year, "created": created})
        return created

    def my_addresses(self, ctx: CallerContext, school_year: str) -> list[dict]:
        """The books the caller owes this year, with periods; personal folders are created as needed."""
        require_school_staff(ctx)
        try:
            parse_school_year(school_year)
        except PeriodError as exc:
            raise ValidationFailed(str(exc), field="school_year") from None
        weeks = ctx.repos.calendars.get(school_year)
        result = addresses(ctx.actor, ctx.catalog, ctx.units, school_year, weeks)
        school = ctx.school.id  # type: ignore[union-attr]
        personal = {i["book"]: _folder_id(school, school_year, i["book"], i["owner_key"])
                    for i in result if i["owner_kind"] == OwnerKind.PERSON.value}
        # one read for every personal folder (not one per book); only a missing one is created
        existing = {f.id for f in ctx.repos.folders.query(id__in=list(personal.values())).only("id")} if personal else set()
        for item in result:
            if item["owner_kind"] == OwnerKind.PERSON.value and personal[item["book"]] not in existing:
                book = ctx.catalog.get(item["book"])
                self._ensure(ctx.repos, ctx.school, school_year, book, item["owner_kind"], item["owner_key"],  # type: ignore[arg-type]
                             item["unit_id"], ctx.principal.name or ctx.principal.sub, weeks)
            item["folder_id"] = _folder_id(ctx.principal.tenant or "", school_year, item["book"], item["owner_key"])
        return result

    @staticmethod
    def weeks_notice(ctx: CallerContext, school_year: str) -> str | None:
        """Why no week is listed: the district has not published the year's frame (None once it has)."""
        if ctx.repos.calendars.get(school_year) is not None or not any(takes_weeks(b) for b in ctx.catalog.books):
            return None
        return (f"Phòng GD&ĐT chưa công bố khung kế hoạch năm học {school_year}: các tuần học sẽ hiện khi "
                "khung được công bố. Vẫn có thể nộp hồ sơ theo tuần (tuần 1 đến tuần 53).")

    def list(self, ctx: CallerContext, *, school_year: str, book: str | None) -> list[FolderRecord]:
        filters = {"school_year": school_year}
        if book:
            filters["book"] = book
        qs = ctx.repos.folders.query(**filters)
        rule = visibility(ctx)
        if rule is not None:
            qs = qs.filter(rule)
        return list(qs.order_by("book", "owner_key"))

