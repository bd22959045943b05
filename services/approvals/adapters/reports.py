"""The stored monthly reports (mongoengine, alias ``approvals``): one per oversight scope and month.

Not tenant-owned: a report belongs to an oversight unit (``level`` ``unit``, ``scope_id`` the
unit's id) or to the Sở (``level`` ``province``). The unique index on (level, scope_id,
month) is the claim that keeps it to one report per scope and month whichever replica or
run writes first; the report's ``approvals.report.monthly`` event rides in the same insert
(kernel outbox), so it is published exactly when the report exists, once.
"""
from __future__ import annotations

from mongoengine import BinaryField, DateTimeField, FloatField, IntField, StringField
from mongoengine.errors import NotUniqueError

from services.approvals.adapters.documents import ALIAS
from services.kernel.outbox import OutboxMixin

class MonthlyReportDoc(OutboxMixin):
    """One month's compliance report of one oversight scope: the PDF, the XLSX and the headline figures."""

    meta = {"db_alias": ALIAS, "collection": "monthly_reports", "indexes": [
        {"fields": ["level", "scope_id", "month"], "unique": True},  # the claim
        ("level", "scope_id", "-id"),  # a scope's list, newest first
        "month",  # the job's look for what a month already has
        {"fields": ["outbox_pending"], "partialFilterExpression": {"outbox_pending": True}},
    ]}
    id = StringField(primary_key=True)
    level = StringField(required=True, choices=("unit", "province"))
    scope_id = StringField(required=True)
    district_id = StringField(null=True)
    province_id = StringField(null=True)
    unit_name = StringField(required=True)
    month = StringField(required=True)  # YYYY-MM, the month reported on
    school_year = StringField(required=True)
    month_label = StringField(required=True)  # “tháng 11/2026”
    schools = IntField(default=0)
    owed = IntField(default=0)
    on_time = IntField(default=0)
    late = IntField(default=0)
    missing = IntField(default=0)
    on_time_percent = FloatField(default=0.0)
    built_at = DateTimeField(required=True)
    pdf = BinaryField(required=True)
    xlsx = BinaryField(required=True)


#: what a list shows (never the files)
SUMMARY_FIELDS = ("id", "level", "scope_id", "district_id", "province_id", "unit_name", "month", "school_year",
                  "month_label", "schools", "owed", "on_time", "late", "missing", "on_time_percent", "built_at")


def claim(report: MonthlyReportDoc) -> bool:
    """Insert ``report`` with its event; False when the scope's report of that month already exists."""
    try:
        report.save(force_insert=True)
    except NotUniqueError:
        return False
    return True
