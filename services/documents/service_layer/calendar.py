"""Documents' projection of approvals' school calendar: the weeks each district's frame has.

Approvals owns the calendar and publishes every frame it stores (``approvals.calendar.published``);
documents keeps the weeks per district and school year and gives the folders of that year the
frame's teaching weeks, so a tree generated before the frame existed gets its weeks when it arrives,
and a changed frame (tuần 1 moved, closing day changed) changes the folders' weeks.
"""
from __future__ import annotations

from services.approvals.events import CALENDAR_PUBLISHED, CalendarPublished
from services.documents.adapters.records import SchoolRecord
from services.documents.adapters.repositories import CalendarRepository, Repositories
from services.documents.domain.periods import SchoolWeeks, listed_periods
from services.documents.service_layer.templates import effective_catalog
from services.kernel.audit import AuditLog
from services.kernel.events import Event
from services.kernel.messaging import reads
from services.kernel.tenancy import TenantScope

CALENDAR_FIELDS = ("district_id", "school_year", "first_teaching_day", "last_teaching_day", "weeks")


class CalendarProjection:
    """Keeps the district's weeks and the weeks of its schools' folders in step with approvals' frame."""

    def __init__(self, *, audit: AuditLog) -> None:
        self._audit = audit

    @reads(CALENDAR_PUBLISHED, *CALENDAR_FIELDS)
    def calendar_published(self, event: Event, data: CalendarPublished) -> None:
        """Store the frame's weeks (unless a newer frame is stored) and refresh the year's folders."""
        calendars = CalendarRepository(data.district_id)
        stored = calendars.put(data.school_year, first_teaching_day=data.first_teaching_day,
                               last_teaching_day=data.last_teaching_day,
                               weeks=[w.model_dump() for w in data.weeks], published_at=event.occurred_at)
        if not stored:
            return
        weeks = calendars.get(data.school_year)
        assert weeks is not None
        changed = 0
        for school in SchoolRecord.objects(district_id=data.district_id).order_by("id"):
            changed += refresh_folders(Repositories(TenantScope.school(school.tenant_id, school.district_id,
                                                                       school.province_id)), school, weeks)
        self._audit.append(action="documents.calendar.projected", actor=event.actor, tenant=None,
                           district=data.district_id, target=f"{data.district_id}/{data.school_year}",
                           data={"school_year": data.school_year, "weeks": len(weeks.teaching()),
                                 "folders_changed": changed, "event_id": event.id})


def refresh_folders(repos: Repositories, school: SchoolRecord, weeks: SchoolWeeks) -> int:
    """Give the school's folders of ``weeks.school_year`` the periods the frame lists; how many changed."""
    catalog = effective_catalog(school)
    changed = 0
    for folder in repos.folders.query(school_year=weeks.school_year):
        if not catalog.has(folder.book):  # a book a template has since removed keeps its folder as it was
            continue
        periods = [p.key for p in listed_periods(catalog.get(folder.book), weeks.school_year, weeks)]
        if list(folder.periods) != periods:
            folder.periods = periods
            folder.save()
            changed += 1
    return changed
