"""Obligations: recomputation when something they depend on changes, and the overdue scan.

A recomputation compares what is owed now with what is stored: new obligations are
added, those no longer owed (a teacher left, a rule moved a period out) are deactivated
unless already submitted, and changed due times are updated unless already submitted
(a submission keeps the due time in force when it was made); an obligation whose due
time moves may become overdue again. The ``owed`` (and ``missing``) deltas per tổ and
month travel in one ``approvals.obligations.recomputed`` event to the progress projection.
"""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime

from services.approvals.adapters.documents import ObligationDoc, RecomputeRunDoc
from services.approvals.adapters.repositories import (
    FrameRepository, SchoolDirectory, SchoolEventsRepository, aware, keyset_page, school_calendar,
)
from services.approvals.domain.obligations import Obligation, compute_obligations
from services.approvals.service_layer.common import audit, make_event, progress_period, record
from services.approvals.service_layer.published import labels
from services.approvals.service_layer.setup import SetupService
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.ids import new_id
from services.kernel.outbox import OUTBOX_WRITTEN
from services.kernel.errors import BadGateway, NotFound
from services.kernel.tenancy import TenantScope

log = logging.getLogger(__name__)
RECOMPUTED = "approvals.obligations.recomputed"
OVERDUE = "approvals.submission.overdue"


def _new_doc(o: Obligation, district: str) -> dict:
    return {"_id": o.id, "tenant_id": o.tenant, "district_id": district, "year": o.year, "book_type": o.book_type,
            "item": o.item, "period_key": o.period_key, "period_label": o.period_label, "subject": o.subject,
            "owner": o.owner, "unit": o.unit, "due_at": o.due_at, "approval_due_at": o.approval_due_at,
            "active": True, "satisfied": False, "submission_id": None, "overdue_emitted": False,
            "outbox": [], "outbox_pending": False}


def _moving(o: Obligation) -> dict:
    """What a recomputation may change on an obligation not yet submitted."""
    return {"due_at": o.due_at, "approval_due_at": o.approval_due_at, "owner": o.owner, "unit": o.unit,
            "period_label": o.period_label}


class ObligationService:
    def __init__(self, *, clock: Clock, audit_log: AuditLog, setup: SetupService) -> None:
        self.clock = clock
        self.audit = audit_log
        self.setup = setup
        self.directory = SchoolDirectory()
        self.frames = FrameRepository()

    def recompute(self, school_id: str, reason: str, *, person: str | None = None) -> dict[str, int]:
        """Bring the stored obligations of one school in line with its rules, people and calendar.

        With ``person`` (a membership changed) only what that person owes or owed is compared:
        their own obligations and those of the tổ and classes they now hold (taken over from a
        predecessor), so a school's onboarding does not rescan the school once per person.
        """
        school = self.directory.school(school_id)
        if school is None:
            return {"added": 0, "removed": 0, "changed": 0}
        info = self.directory.info(school)
        try:
            catalog = self.setup.catalog(school_id)
        except NotFound:
            # documents has not onboarded the school yet; its documents.catalog.changed brings us back
            log.info("catalog of %s not available yet; recompute deferred (%s)", school_id, reason)
            return {"added": 0, "removed": 0, "changed": 0}
        members = self.directory.memberships(school_id)
        rules = self.setup.rules_in_force(school_id, school.district_id, catalog)
        approvals = self.setup.approval_rules(catalog, info.levels)
        floors = self.setup.floors(school.district_id, info.levels, catalog)
        events = SchoolEventsRepository(scope=TenantScope.school(school_id, school.district_id))
        coll = ObligationDoc._get_collection()
        deltas: dict[tuple[str | None, str | None, str | None, str, str], Counter[str]] = defaultdict(Counter)
        added = removed = changed = 0
        for year in self.setup.open_years(school.district_id):
            cal = school_calendar(self.frames, events, school.district_id, year)
            if cal is None:
                continue
            year_rules = self.setup.bounded_by_floor(rules, floors, cal)
            desired = {o.id: o for o in compute_obligations(info, catalog, members, cal, year_rules, approvals,
                                                            only_person=person)}
            scope: dict = {"tenant_id": school_id, "year": year}
            if person is not None:
                scope["$or"] = [{"owner": person}, {"subject": {"$in": sorted({o.subject for o in desired.values()})}}]
            stored = {d["_id"]: d for d in coll.find(
                scope,
                {"due_at": 1, "active": 1, "satisfied": 1, "unit": 1, "owner": 1, "book_type": 1, "approval_due_at": 1,
                 "overdue_emitted": 1})}
            inserts = []
            for oid, o in desired.items():
                d = stored.get(oid)
                if d is None:
                    inserts.append(_new_doc(o, school.district_id))
                    deltas[(o.unit, o.owner, o.book_type, progress_period(o.due_at), year)]["owed"] += 1
                    added += 1
                elif d.get("satisfied"):
                    continue
                elif not d.get("active"):
                    coll.update_one({"_id": oid}, {"$set": {"active": True, "overdue_emitted": False, **_moving(o)}})
                    deltas[(o.unit, o.owner, o.book_type, progress_period(o.due_at), year)]["owed"] += 1
                    added += 1
                elif (aware(d["due_at"]), aware(d.get("approval_due_at")), d.get("owner"), d.get("unit")) != (
                        o.due_at, o.approval_due_at, o.owner, o.unit):
                    # a moved due time, or a new tổ trưởng / GVCN taking over the tổ's or class's book
                    coll.update_one({"_id": oid}, {"$set": {"overdue_emitted": False, **_moving(o)}})
                    old = deltas[(d.get("unit"), d.get("owner"), d.get("book_type"), progress_period(aware(d["due_at"])), year)]
                    old["owed"] -= 1
                    old["missing"] -= 1 if d.get("overdue_emitted") else 0
                    deltas[(o.unit, o.owner, o.book_type, progress_period(o.due_at), year)]["owed"] += 1
                    changed += 1
            if inserts:
                coll.insert_many(inserts, ordered=False)
            gone = [oid for oid, d in stored.items() if oid not in desired and d.get("active") and not d.get("satisfied")
                    and person in (None, d.get("owner"))]  # a scoped pass drops only the person's own
            if gone:
                coll.update_many({"_id": {"$in": gone}}, {"$set": {"active": False}})
                for oid in gone:
                    d = stored[oid]
                    old = deltas[(d.get("unit"), d.get("owner"), d.get("book_type"), progress_period(aware(d["due_at"])), year)]
                    old["owed"] -= 1
                    old["missing"] -= 1 if d.get("overdue_emitted") else 0
                removed += len(gone)
        counts = {"added": added, "removed": removed, "changed": changed}
        if any(counts.values()):
            now = self.clock.now()
            run = RecomputeRunDoc(id=new_id(), tenant_id=school_id, district_id=school.district_id, reason=reason,
                                  at=now, **counts)
            record(run, make_event(RECOMPUTED, {
                "school": school_id, "reason": reason, **counts,
                "deltas": [{"unit": u, "owner": who, "book": b, "period": p, "year": y, **{k: v for k, v in n.items() if v}}
                           for (u, who, b, p, y), n in deltas.items() if any(n.values())],
            }, tenant=school_id, district=school.district_id, acting=None, now=now))
            run.save(force_insert=True)
        return counts

    def scan_overdue(self, now: datetime | None = None, *, limit: int = 5000) -> int:
        """Emit ``approvals.submission.overdue`` once for every unsatisfied obligation past due."""
        now = now or self.clock.now()
        coll = ObligationDoc._get_collection()
        emitted = 0
        names: dict[tuple[str, str], str | None] = {}  # (school, book) → catalog name, one catalog read per school
        for d in coll.find({"active": True, "overdue_emitted": False, "satisfied": False, "due_at": {"$lt": now}},
                           {"outbox": 0}).limit(limit):
            event = make_event(OVERDUE, {
                "obligation_id": d["_id"], "book_type": d["book_type"], "item": d["item"],
                "period_key": d["period_key"], **labels(self._book_name(names, d["tenant_id"], d["book_type"]), d["period_key"], d.get("period_label")), "owner": d["owner"],
                "unit": d.get("unit"),
                "school_year": d["year"], "due_at": aware(d["due_at"]).isoformat(), "progress": {"missing": 1},
            }, tenant=d["tenant_id"], district=d["district_id"], acting=None, now=now)
            res = coll.update_one({"_id": d["_id"], "overdue_emitted": False, "satisfied": False},
                                  {"$set": {"overdue_emitted": True, "outbox_pending": True},
                                   "$push": {"outbox": event.to_dict()}})
            if res.modified_count:
                emitted += 1
                audit(self.audit, OVERDUE, None, tenant=d["tenant_id"], district=d["district_id"], target=d["_id"],
                      data={"due_at": aware(d["due_at"]).isoformat()})
        if emitted:
            OUTBOX_WRITTEN.notify()  # written past OutboxMixin.save: wake this process's relay
        return emitted

    def _book_name(self, names: dict[tuple[str, str], str | None], school: str, book: str) -> str | None:
        if (school, book) not in names:
            try:
                names[(school, book)] = self.setup.known_book_name(school, book)
            except (NotFound, BadGateway):  # documents unreachable: the event still names the period
                names[(school, book)] = None
        return names[(school, book)]

    def mine(self, person: str, scope: TenantScope, year: str | None, *, cursor: str | None = None,
             limit: int = 200) -> tuple[list[ObligationDoc], str | None]:
        """A person's obligations by due time, one page at a time."""
        q = ObligationDoc.objects(owner=person, active=True, **scope.filter())
        if year:
            q = q.filter(year=year)
        return keyset_page(q, "due_at", cursor=cursor, limit=limit)
