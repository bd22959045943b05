"""Tenant-scoped repositories: every query carries the caller's school (or an audited grant)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.documents.domain.periods import SchoolWeeks, Week
from services.kernel.tenancy import TenantRepository, TenantScope

from .records import (
    CalendarRecord, DocumentRecord, ExportRecord, FolderRecord, LockRecord, PlanSignatureRecord, SchoolRecord,
    VersionRecord,
)


class SchoolRepository(TenantRepository[SchoolRecord]):
    document = SchoolRecord


class FolderRepository(TenantRepository[FolderRecord]):
    document = FolderRecord
    campaign_fields = {"book": "book", "year": "school_year"}


class DocumentRepository(TenantRepository[DocumentRecord]):
    document = DocumentRecord
    campaign_fields = {"book": "book", "year": "school_year"}


class VersionRepository(TenantRepository[VersionRecord]):
    document = VersionRecord


class LockRepository(TenantRepository[LockRecord]):
    document = LockRecord


class ExportRepository(TenantRepository[ExportRecord]):
    document = ExportRecord


class PlanSignatureRepository(TenantRepository[PlanSignatureRecord]):
    document = PlanSignatureRecord


def _weeks(record: CalendarRecord) -> SchoolWeeks:
    return SchoolWeeks(record.school_year, tuple(
        Week(str(w["key"]), int(w["number"]), date.fromisoformat(w["monday"]), bool(w["teaching"]), str(w["label"]))
        for w in record.weeks))


@dataclass(frozen=True)
class CalendarRepository:
    """The district's school-year weeks (approvals' frame); a school sees only its own district's."""

    district: str | None

    def get(self, school_year: str) -> SchoolWeeks | None:
        """The weeks of ``school_year``; ``None`` while the district has published no frame for it."""
        if not self.district:
            return None
        record = CalendarRecord.objects(district_id=self.district, school_year=school_year).first()
        return _weeks(record) if record else None

    def put(self, school_year: str, *, first_teaching_day: str, last_teaching_day: str, weeks: list[dict],
            published_at: str) -> bool:
        """Store the frame's weeks unless a newer frame is stored already; whether it was stored."""
        if not self.district:
            return False
        held = CalendarRecord.objects(district_id=self.district, school_year=school_year).first()
        if held is not None and datetime.fromisoformat(held.published_at) > datetime.fromisoformat(published_at):
            return False
        record = held or CalendarRecord(id=f"{self.district}:{school_year}", district_id=self.district,
                                        school_year=school_year)
        record.first_teaching_day, record.last_teaching_day = first_teaching_day, last_teaching_day
        record.weeks, record.published_at = weeks, published_at
        record.save()
        return True


@dataclass(frozen=True)
class Repositories:
    """All repositories of one scope."""

    scope: TenantScope

    @property
    def calendars(self) -> CalendarRepository:
        return CalendarRepository(self.scope.district)

    @property
    def schools(self) -> SchoolRepository:
        return SchoolRepository(scope=self.scope)

    @property
    def folders(self) -> FolderRepository:
        return FolderRepository(scope=self.scope)

    @property
    def documents(self) -> DocumentRepository:
        return DocumentRepository(scope=self.scope)

    @property
    def versions(self) -> VersionRepository:
        return VersionRepository(scope=self.scope)

    @property
    def locks(self) -> LockRepository:
        return LockRepository(scope=self.scope)

    @property
    def exports(self) -> ExportRepository:
        return ExportRepository(scope=self.scope)

    @property
    def plan_signatures(self) -> PlanSignatureRepository:
        return PlanSignatureRepository(scope=self.scope)
