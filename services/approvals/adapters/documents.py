"""MongoDB documents of the approvals service (mongoengine, alias ``approvals``).

Every query a request makes has an index declared here. Aggregates that emit events
(submissions, corrections, obligations, recompute runs) carry their pending events in
their own document (kernel ``OutboxMixin``), written in the same save as the change.
"""
from __future__ import annotations

from mongoengine import (
    BooleanField, DateTimeField, DictField, Document, IntField, ListField, StringField,
)

from services.kernel.outbox import OutboxMixin
from services.kernel.tenancy import TenantOwned

ALIAS = "approvals"


class SchoolDoc(Document):
    """Projection of ``identity.school.onboarded``: the school, its units and levels."""

    meta = {"db_alias": ALIAS, "collection": "schools", "indexes": ["district_id"]}
    id = StringField(primary_key=True)
    slug = StringField(required=True)
    name = StringField(required=True)
    levels = ListField(StringField())
    district_id = StringField(required=True)
    province_id = StringField()
    units = ListField(DictField())  # {id, slug, name, kind}
    principal = StringField()


class UnitDoc(Document):
    """Projection of identity's oversight units (``identity.district.onboarded``, and the unit named
    by ``identity.school.onboarded``): what dashboards call each unit."""

    meta = {"db_alias": ALIAS, "collection": "oversight_units", "indexes": ["province_id"]}
    id = StringField(primary_key=True)
    province_id = StringField()
    name = StringField(required=True)
    #: phong_gddt (a legacy Phòng GD&ĐT), ubnd_xa or ubnd_phuong
    kind = StringField()


class MembershipDoc(Document):
    """Projection of identity memberships: who holds which role in which unit, since when."""

    meta = {"db_alias": ALIAS, "collection": "memberships", "indexes": [
        {"fields": ["tenant_id", "person", "role", "unit"], "unique": True},
        ("tenant_id", "role", "unit"),
    ]}
    tenant_id = StringField(required=True)
    person = StringField(required=True)
    role = StringField(required=True)
    unit = StringField(null=True)
    since = DateTimeField(required=True)
    until = DateTimeField(null=True)


class CalendarFrameDoc(OutboxMixin):
    """A district's school-year frame (khung kế hoạch thời gian năm học); its outbox carries ``approvals.calendar.published``."""

    meta = {"db_alias": ALIAS, "collection": "calendar_frames",
            "indexes": [{"fields": ["district_id", "year"], "unique": True},
                        {"fields": ["outbox_pending"], "partialFilterExpression": {"outbox_pending": True}}]}
    district_id = StringField(required=True)
    year = StringField(required=True)
    opening_day = StringField(required=True)
    semester_1_end = StringField(required=True)
    closing_day = StringField(required=True)
    holidays = ListField(DictField())
    points = DictField()
    first_teaching_week = StringField(null=True)  # ISO Monday of tuần 1; None: the calendar's default
    published_by = StringField()
    published_at = DateTimeField()


class SchoolEventsDoc(TenantOwned):
    """A school's own calendar events for one school year (Đại hội Liên đội, lễ tổng kết)."""

    meta = {"db_alias": ALIAS, "collection": "school_events",
            "indexes": [{"fields": ["tenant_id", "year"], "unique": True}]}
    year = StringField(required=True)
    events = DictField()  # slug → ISO date


class SchoolSettingsDoc(TenantOwned):
    """A school's own calendar settings (whether a due day in a holiday moves before it)."""

    meta = {"db_alias": ALIAS, "collection": "school_settings", "indexes": [{"fields": ["tenant_id"], "unique": True}]}
    shift_holidays = BooleanField(default=True)
    #: the school's reminder policy (``domain.reminder_policy``); empty: the default
    reminders = DictField()
    set_by = StringField()
    set_at = DateTimeField()


class DistrictRuleDoc(Document):
    """A district's floor for one book item (all levels, or one level), replacing the catalog's."""

    meta = {"db_alias": ALIAS, "collection": "district_rules",
            "indexes": [{"fields": ["district_id", "book_type", "item", "level"], "unique": True}]}
    district_id = StringField(required=True)
    book_type = StringField(required=True)
    item = StringField(required=True)
    level = StringField(required=True, default="*")
    rule = DictField(required=True)
    set_by = StringField()
    set_at = DateTimeField()


class SchoolRuleDoc(TenantOwned):
    """A school's own deadline for one book item (quy chế), within the district floor."""

    meta = {"db_alias": ALIAS, "collection": "school_rules",
            "indexes": [{"fields": ["tenant_id", "book_type", "item"], "unique": True}]}
    book_type = StringField(required=True)
    item = StringField(required=True)
    rule = DictField(required=True)
    set_by = StringField()
    set_at = DateTimeField()


class SchoolChainDoc(TenantOwned):
    """A school's approval chain for one book type (and unit kind, or ``*``)."""

    meta = {"db_alias": ALIAS, "collection": "school_chains",
            "indexes": [{"fields": ["tenant_id", "book_type", "unit_kind"], "unique": True}]}
    book_type = StringField(required=True)
    unit_kind = StringField(required=True, default="*")
    chain = DictField(required=True)
    set_by = StringField()
    set_at = DateTimeField()


class ObligationDoc(TenantOwned, OutboxMixin):
    """What one person (or tổ) owes for one book item and period, and by when."""

    meta = {"db_alias": ALIAS, "collection": "obligations", "indexes": [
        ("tenant_id", "owner", "due_at"),
        ("tenant_id", "year", "active"),
        ("tenant_id", "year", "subject"),
        {"fields": ["active", "overdue_emitted", "satisfied", "due_at"],
         "partialFilterExpression": {"overdue_emitted": False}},
        ("active", "satisfied", "due_at", "_id"),  # the open obligations due in a window (reminders)
    ]}
    id = StringField(primary_key=True)  # tenant|book|item|period|subject
    year = StringField(required=True)
    book_type = StringField(required=True)
    item = StringField(required=True)
    period_key = StringField(required=True)
    period_label = StringField()
    subject = StringField(required=True)  # a person id, or a unit id for tổ books
    owner = StringField(required=True)  # the person who submits
    unit = StringField(null=True)  # the tổ the work belongs to (progress per tổ)
    due_at = DateTimeField(required=True)
    approval_due_at = DateTimeField(null=True)
    active = BooleanField(default=True)
    satisfied = BooleanField(default=False)
    submission_id = StringField(null=True)
    overdue_emitted = BooleanField(default=False)


class RecomputeRunDoc(TenantOwned, OutboxMixin):
    """One recomputation of a school's obligations, carrying its ``owed`` deltas as an event."""

    meta = {"db_alias": ALIAS, "collection": "recompute_runs", "indexes": [("tenant_id", "at")]}
    id = StringField(primary_key=True)
    reason = StringField()
    at = DateTimeField()
    added = IntField(default=0)
    removed = IntField(default=0)
    changed = IntField(default=0)


class SubmissionDoc(TenantOwned, OutboxMixin):
    """The submission aggregate, stored whole; ``rev`` guards concurrent decisions."""

    meta = {"db_alias": ALIAS, "collection": "submissions", "indexes": [
        ("tenant_id", "obligation_id"),
        ("obligation_id", "document_id"),  # live submissions of an obligation (by document), without a tenant
        ("tenant_id", "submitter", "created_at"),
        ("tenant_id", "waiting", "waiting_since"),
        ("tenant_id", "state", "issued_at"),
        {"fields": ["state", "signing_overdue_emitted", "signing_due_at"],
         "partialFilterExpression": {"signing_overdue_emitted": False}},
    ]}
    id = StringField(primary_key=True)
    rev = IntField(default=0)
    obligation_id = StringField(required=True)
    book_type = StringField(required=True)
    item = StringField(required=True)
    period_key = StringField(required=True)
    school_year = StringField(required=True)
    unit = StringField(null=True)
    submitter = StringField(required=True)
    document_id = StringField(required=True)
    due_at = DateTimeField(required=True)
    approval_due_at = DateTimeField(null=True)
    steps = ListField(DictField())
    signatures = ListField(DictField())
    issue_role = StringField(null=True)
    created_at = DateTimeField(required=True)
    state = StringField(required=True)
    versions = ListField(DictField())
    round = IntField(default=0)
    submitted_at = DateTimeField(null=True)
    on_time = BooleanField(null=True)
    approved_version_id = StringField(null=True)
    approved_sha256 = StringField(null=True)
    history = ListField(DictField())
    issued_by = StringField(null=True)
    issued_at = DateTimeField(null=True)
    recall_reason = StringField(null=True)
    signing_due_at = DateTimeField(null=True)
    signing_overdue_emitted = BooleanField(default=False)
    waiting = ListField(StringField())  # "role@unit" keys of who must decide now (queue index)
    waiting_since = DateTimeField(null=True)
    document_title = StringField(null=True)
    unit_name = StringField(null=True)


class CorrectionDoc(TenantOwned, OutboxMixin):
    """A biên bản sửa dữ liệu and its whole trail."""

    meta = {"db_alias": ALIAS, "collection": "corrections",
            "indexes": [("tenant_id", "submission_id"), ("tenant_id", "state")]}
    id = StringField(primary_key=True)
    rev = IntField(default=0)
    submission_id = StringField(required=True)
    requester = StringField(required=True)
    reason = StringField(required=True)
    new_version_id = StringField(required=True)
    new_sha256 = StringField(required=True)
    state = StringField(required=True)
    witnesses = ListField(DictField())
    trail = ListField(DictField())
    created_at = DateTimeField(required=True)


class ProgressDoc(Document):
    """Running totals for one scope (teacher, tổ, school, unit, province), period (month or school year) and book.

    A dashboard view reads every child of one scope in one query: the unit's schools by
    ``district_id``, the province's units by ``province_id``, a school's tổ and teachers by
    ``tenant_id`` (each with ``scope_kind``, ``period`` and ``book``).
    """

    meta = {"db_alias": ALIAS, "collection": "progress", "indexes": [
        ("scope_kind", "district_id", "period", "book"),
        ("scope_kind", "province_id", "period", "book"),
        ("scope_kind", "tenant_id", "period", "book"),
    ]}
    id = StringField(primary_key=True)  # scope_kind:scope_id:period[:book]
    scope_kind = StringField()
    scope_id = StringField()
    period = StringField()
    book = StringField(default="*")  # a book type, or "*" for all books
    district_id = StringField(null=True)
    province_id = StringField(null=True)
    tenant_id = StringField(null=True)
    unit_id = StringField(null=True)  # a teacher's tổ
    owed = IntField(default=0)
    on_time = IntField(default=0)
    late = IntField(default=0)
    missing = IntField(default=0)
    awaiting = IntField(default=0)
    signing_overdue = IntField(default=0)
    signed_late = IntField(default=0)
    awaiting_signature = IntField(default=0)
    approved = IntField(default=0)
    approval_seconds = IntField(default=0)  # summed submission → approval delays (average = / approved)
    applied = ListField(StringField())  # the last event ids applied (bounded), for exactly-once retries


ALL_DOCUMENTS = (SchoolDoc, UnitDoc, MembershipDoc, CalendarFrameDoc, SchoolEventsDoc, DistrictRuleDoc, SchoolRuleDoc,
                 SchoolChainDoc, ObligationDoc, RecomputeRunDoc, SubmissionDoc, CorrectionDoc, ProgressDoc)
OUTBOX_DOCUMENTS = (CalendarFrameDoc, SubmissionDoc, CorrectionDoc, ObligationDoc, RecomputeRunDoc)
