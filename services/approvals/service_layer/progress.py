"""Progress: running totals per teacher, tổ, school, oversight unit and province, per month and school year.

The projection is fed by the service's own events through an idempotent consumer: each
event carries its ``progress`` deltas (or, for a recomputation, ``owed`` deltas per tổ,
owner, book and month) in fields its declaration marks approvals-internal (no other service
reads them) and is applied as ``$inc`` upserts on one counter document per scope (teacher,
tổ, school, unit, province) × period (month, school year) × book (all books ``*`` and the
event's own book). Reading one scope and period is one primary-key lookup, and a dashboard
view one indexed query, whatever the number of submissions.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from services.approvals.adapters.documents import ProgressDoc, SchoolDoc
from services.approvals.events import (
    ADVANCED, APPROVED, COMMENTED, CORRECTED, ISSUED, OVERDUE, RECALLED, RECOMPUTED, RETURNED, SIGNING_ADVANCED,
    SIGNATURE_OVERDUE, SIGNED, SIGNING_REQUESTED, SUBMITTED, WITHDRAWN, Overdue, Recomputed, SignatureOverdue,
    SubmissionEvent,
)
from services.approvals.service_layer.common import progress_period
from services.kernel.audit import AuditLog
from services.kernel.context import current_request_id
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.events import Event
from services.kernel.messaging import reads
from services.kernel.permissions import DISTRICT_ROLES, HIEU_TRUONG, PHO_HIEU_TRUONG, require_principal
from services.kernel.principal import Principal

COUNTERS = ("owed", "on_time", "late", "missing", "awaiting", "signing_overdue", "signed_late",
            "awaiting_signature", "approved", "approval_seconds")
APPLIED_WINDOW = 1000  # event ids each counter remembers, for retries after a partial failure
SCOPES = ("to", "school", "district")
READ_ACTION = "approvals.progress.read"
ALL_BOOKS = "*"


def progress_id(scope_kind: str, scope_id: str, period: str, book: str = ALL_BOOKS) -> str:
    """The counter document's key; all books keep the short form ``kind:id:period``."""
    base = f"{scope_kind}:{scope_id}:{period}"
    return base if book == ALL_BOOKS else f"{base}:{book}"


def teacher_key(tenant: str, person: str) -> str:
    """A teacher's counters are per school (a person may teach in two)."""
    return f"{tenant}/{person}"


def counter_updates(*, tenant: str, district: str, unit: str | None, periods: tuple[str, ...],
                    deltas: dict[str, int], province: str | None = None, person: str | None = None,
                    book: str | None = None) -> list[tuple[dict, dict]]:
    """The (filter, update) pairs one event applies: every scope × period × book it belongs to."""
    inc = {k: int(v) for k, v in deltas.items() if k in COUNTERS and v}
    if not inc:
        return []
    scopes = [("school", tenant), ("district", district)] + ([("to", unit)] if unit else []) \
        + ([("province", province)] if province else []) + ([("teacher", person)] if person else [])
    books = (ALL_BOOKS, book) if book else (ALL_BOOKS,)
    out = []
    for kind, sid in scopes:
        key = teacher_key(tenant, sid) if kind == "teacher" else sid
        for period in periods:
            for b in books:
                out.append(({"_id": progress_id(kind, key, period, b)},
                            {"$inc": inc, "$setOnInsert": {
                                "scope_kind": kind, "scope_id": sid, "period": period, "book": b,
                                "district_id": None if kind == "province" else district, "province_id": province,
                                "tenant_id": None if kind in ("district", "province") else tenant,
                                "unit_id": unit if kind == "teacher" else None}}))
    return out


def merged(updates: list[tuple[dict, dict]]) -> list[tuple[dict, dict]]:
    """One update per counter document (deltas to the same one summed)."""
    out: dict[str, tuple[dict, dict]] = {}
    for flt, update in updates:
        if flt["_id"] in out:
            inc = out[flt["_id"]][1]["$inc"]
            for k, v in update["$inc"].items():
                inc[k] = inc.get(k, 0) + v
        else:
            out[flt["_id"]] = (flt, {**update, "$inc": dict(update["$inc"])})
    return list(out.values())


def province_of(school: str) -> str | None:
    """The province of a school, from the identity projection (events name only the district)."""
    doc = SchoolDoc._get_collection().find_one({"_id": school}, {"province_id": 1})
    return (doc or {}).get("province_id")


def updates_for_event(event: Event, data: SubmissionEvent | Overdue | SignatureOverdue | Recomputed,
                      province: str | None = None) -> list[tuple[dict, dict]]:
    """The counter updates of one approvals event, from the typed view of its data."""
    if event.type == RECOMPUTED.type:
        return recomputed_updates(event, data, province)  # type: ignore[arg-type]
    return submission_updates(event, data, province)  # type: ignore[arg-type]


def submission_updates(event: Event, data: SubmissionEvent | Overdue | SignatureOverdue,
                       province: str | None = None) -> list[tuple[dict, dict]]:
    """The counter updates of a submission (or overdue) event: its approvals-internal ``progress``."""
    if not data.progress:
        return []
    month = progress_period(datetime.fromisoformat(data.due_at))
    person = getattr(data, "owner", None) or getattr(data, "submitter", None)
    return merged(counter_updates(tenant=event.tenant or "", district=event.district or "", unit=data.unit,
                                  periods=tuple(p for p in (month, data.school_year) if p),
                                  deltas=data.progress, province=province, person=person, book=data.book_type))


def recomputed_updates(event: Event, data: Recomputed, province: str | None = None) -> list[tuple[dict, dict]]:
    """The owed/missing deltas of a recomputation, per tổ, owner, book, month and school year."""
    out: list[tuple[dict, dict]] = []
    for d in data.deltas:
        out += counter_updates(tenant=event.tenant or "", district=event.district or "",
                               unit=str(d["unit"]) if d.get("unit") else None,
                               periods=(str(d["period"]), str(d["year"])),
                               deltas={k: int(d.get(k) or 0) for k in COUNTERS}, province=province,
                               person=str(d["owner"]) if d.get("owner") else None,
                               book=str(d["book"]) if d.get("book") else None)
    return merged(out)


class ProgressProjection:
    """The consumer side (apply events) and the read side (one lookup) of progress."""

    def __init__(self, *, audit_log: AuditLog) -> None:
        self.audit = audit_log

    @reads(OVERDUE, "progress", "due_at", "unit", "school_year", "owner", "book_type")
    @reads(SIGNATURE_OVERDUE, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(SUBMITTED, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(ADVANCED, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(WITHDRAWN, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(RETURNED, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(COMMENTED, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(APPROVED, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(SIGNING_REQUESTED, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(SIGNING_ADVANCED, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(SIGNED, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(ISSUED, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(RECALLED, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(CORRECTED, "progress", "due_at", "unit", "school_year", "submitter", "book_type")
    @reads(RECOMPUTED, "deltas")
    def apply(self, event: Event, data: SubmissionEvent | Overdue | SignatureOverdue | Recomputed) -> None:
        """Apply an event's counters (a submission's ``progress``, a recomputation's ``deltas``)."""
        self._apply(event.id, updates_for_event(event, data, province_of(event.tenant or "")))

    @staticmethod
    def _apply(event_id: str, updates: list[tuple[dict, dict]]) -> None:
        """Apply an event's updates; each counter document remembers the last events it applied.

        The consumer marks an event processed only after this returns, so a failure half-way is
        retried: counters that already took the event skip it (the filter excludes them and the
        upsert then collides on ``_id``), the others take it. Exactly once per counter document.
        """
        coll = ProgressDoc._get_collection()
        for flt, update in updates:
            guarded = {**flt, "applied": {"$ne": event_id}}
            update = {**update, "$push": {"applied": {"$each": [event_id], "$slice": -APPLIED_WINDOW}}}
            try:
                coll.update_one(guarded, update, upsert=True)
            except DuplicateKeyError:
                continue  # this counter already applied the event

    def read(self, actor: Principal, scope_kind: str, scope_id: str | None, period: str) -> dict[str, Any]:
        """Totals of one scope and period; a school reads its own, district staff their district's."""
        p = require_principal(actor)
        if scope_kind not in SCOPES:
            raise ValidationFailed("Phạm vi phải là “to”, “school” hoặc “district”.", field="scope")
        if scope_kind == "district":
            if not (p.roles & DISTRICT_ROLES) or (scope_id and scope_id != p.district):
                raise Forbidden("Chỉ Phòng GD&ĐT mới xem được tiến độ toàn huyện.")
            scope_id = p.district
        elif scope_kind == "school":
            if p.roles & DISTRICT_ROLES:
                scope_id = scope_id or ""
            else:
                if scope_id and scope_id != p.tenant:
                    raise NotFound()
                scope_id = p.tenant
        else:
            if not scope_id:
                raise ValidationFailed("Cần nêu tổ (id).", field="id")
            school = scope_id.split("/", 1)[0]
            if not (p.roles & DISTRICT_ROLES) and school != p.tenant:
                raise NotFound()
            if not (p.roles & DISTRICT_ROLES) and not (
                    p.has_role(HIEU_TRUONG) or p.has_role(PHO_HIEU_TRUONG) or any(u == scope_id for _, u in p.unit_roles)):
                raise Forbidden("Bạn chỉ xem được tiến độ của tổ mình.")
        doc = ProgressDoc._get_collection().find_one({"_id": progress_id(scope_kind, scope_id or "", period)},
                                                     {"applied": 0})
        if doc is not None and scope_kind != "district" and doc.get("district_id") != p.district:
            raise NotFound()
        counts = {k: int((doc or {}).get(k, 0)) for k in COUNTERS}
        if p.tenant is None:  # oversight staff's standing right to read progress: logged
            self.audit.append(action=READ_ACTION, actor=p.sub, tenant=None if scope_kind == "district" else
                              (scope_id or "").split("/", 1)[0], district=p.district,
                              target=f"{scope_kind}:{scope_id}", data={"period": period},
                              request_id=current_request_id())
        return {"scope": scope_kind, "id": scope_id, "period": period, **counts}
