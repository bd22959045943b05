"""Open obligations due in a window, across schools, for the notifications service's reminders.

A service-to-service read (client-credentials token only). Each page costs a constant number of
queries whatever its size: the obligations, then their schools, settings (reminder policy),
chains and memberships, each read once for all the schools on the page; the catalog comes from
the documents adapter's cache. Who approves is resolved as a submission would be routed now:
the holders of the roles of the chain's first stage in the owner's tổ.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from services.approvals.adapters.documents import (
    MembershipDoc, ObligationDoc, SchoolChainDoc, SchoolDoc, SchoolSettingsDoc,
)
from services.approvals.adapters.documents_service import DocumentsPort
from services.approvals.adapters.repositories import aware
from services.approvals.domain.catalog import SchoolCatalog, default_chain
from services.approvals.domain.chains import ChainSpec, parse_chain, resolve_chain
from services.approvals.domain.calendar import TIMEZONE
from services.approvals.domain.errors import InvalidRule
from services.approvals.domain.reminder_policy import stored_policy
from services.approvals.service_layer.published import UNKNOWN_BOOK
from services.kernel.errors import BadGateway, NotFound, ValidationFailed
from services.kernel.pagination import MAX_LIMIT, decode_cursor, encode_cursor
from services.kernel.periods import period_label
from services.kernel.permissions import require_service
from services.kernel.principal import Principal

_FIELDS = {"tenant_id": 1, "district_id": 1, "book_type": 1, "item": 1, "period_key": 1, "period_label": 1,
           "owner": 1, "unit": 1, "due_at": 1}


class DueObligations:
    """``GET /internal/obligations/due``: the page of open obligations due in ``[start, end)``."""

    def __init__(self, *, documents: DocumentsPort) -> None:
        self.documents = documents

    def page(self, caller: Principal | None, *, start: datetime, end: datetime, cursor: str | None, limit: int,
             now: datetime) -> dict[str, Any]:
        require_service(caller)
        if not 1 <= limit <= MAX_LIMIT:
            raise ValidationFailed(f"Số bản ghi mỗi trang phải từ 1 đến {MAX_LIMIT}.", field="limit")
        if end <= start:
            raise ValidationFailed("Thời điểm kết thúc phải sau thời điểm bắt đầu.", field="to")
        query: dict[str, Any] = {"active": True, "satisfied": False, "due_at": {"$gte": start, "$lt": end}}
        if cursor:
            try:
                last_due, last_id = datetime.fromisoformat(decode_cursor(cursor)[0]), str(decode_cursor(cursor)[1])
            except (TypeError, ValueError, IndexError):
                raise ValidationFailed("Con trỏ phân trang không hợp lệ.", field="cursor") from None
            query["$or"] = [{"due_at": {"$gt": last_due}}, {"due_at": last_due, "_id": {"$gt": last_id}}]
        rows = list(ObligationDoc._get_collection().find(query, _FIELDS).sort([("due_at", 1), ("_id", 1)])
                    .limit(limit + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        schools = sorted({r["tenant_id"] for r in rows})
        context = _SchoolsContext(schools, self.documents, now)
        items = [context.item(r) for r in rows]
        nxt = encode_cursor([aware(rows[-1]["due_at"]).isoformat(), rows[-1]["_id"]]) if more else None
        return {"items": items, "next_cursor": nxt}


class _SchoolsContext:
    """What every obligation of one page needs from its school, read once per page."""

    def __init__(self, schools: list[str], documents: DocumentsPort, now: datetime) -> None:
        self.now = now
        self.schools = {d["_id"]: d for d in SchoolDoc._get_collection().find(
            {"_id": {"$in": schools}}, {"units": 1, "principal": 1})}
        self.policies = {d["tenant_id"]: stored_policy(d.get("reminders")).to_data()
                         for d in SchoolSettingsDoc._get_collection().find(
                             {"tenant_id": {"$in": schools}}, {"tenant_id": 1, "reminders": 1})}
        self.chains: dict[tuple[str, str, str], dict] = {
            (d["tenant_id"], d["book_type"], d["unit_kind"]): d["chain"]
            for d in SchoolChainDoc._get_collection().find({"tenant_id": {"$in": schools}},
                                                            {"tenant_id": 1, "book_type": 1, "unit_kind": 1, "chain": 1})}
        self.holders: dict[str, dict[tuple[str, str | None], list[str]]] = defaultdict(lambda: defaultdict(list))
        self.roles_of: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        for m in MembershipDoc._get_collection().find({"tenant_id": {"$in": schools}},
                                                      {"tenant_id": 1, "person": 1, "role": 1, "unit": 1,
                                                       "since": 1, "until": 1}):
            if aware(m["since"]) > now or (m.get("until") is not None and aware(m["until"]) <= now):
                continue
            self.holders[m["tenant_id"]][(m["role"], m.get("unit"))].append(m["person"])
            self.holders[m["tenant_id"]][(m["role"], None)].append(m["person"])
            if m.get("unit"):
                self.roles_of[(m["tenant_id"], m["person"])].add((m["role"], m["unit"]))
        self.catalogs: dict[str, SchoolCatalog | None] = {}
        for school in schools:
            try:
                self.catalogs[school] = documents.catalog(school)
            except (NotFound, BadGateway):  # the reminder still names the period and the people
                self.catalogs[school] = None

    def _chain(self, school: str, book_type: str, unit_kind: str | None) -> ChainSpec | None:
        for kind in ([unit_kind] if unit_kind else []) + ["*"]:
            data = self.chains.get((school, book_type, kind))
            if data is not None:
                try:
                    return parse_chain(data)
                except InvalidRule:
                    return None
        catalog = self.catalogs.get(school)
        book = catalog.get(book_type) if catalog else None
        return default_chain(book, unit_kind) if book else None

    def _approvers(self, r: dict, kinds: dict[str, str]) -> list[str]:
        school, owner, unit = r["tenant_id"], r["owner"], r.get("unit")
        chain = self._chain(school, r["book_type"], kinds.get(unit or ""))
        if chain is None or not chain.stages:
            return []
        steps, _ = resolve_chain(chain, submitter=owner, unit=unit,
                                 submitter_unit_roles=frozenset(self.roles_of[(school, owner)]))
        people: set[str] = set()
        for step in steps:
            if step.stage == 0:
                people.update(self.holders[school].get((step.role, step.unit), []))
        people.discard(owner)
        return sorted(people)

    def item(self, r: dict) -> dict[str, Any]:
        school = r["tenant_id"]
        doc = self.schools.get(school) or {}
        kinds = {u["id"]: u["kind"] for u in doc.get("units") or []}
        catalog = self.catalogs.get(school)
        book = catalog.get(r["book_type"]) if catalog else None
        return {
            "id": r["_id"], "school": school, "district": r.get("district_id"), "owner": r["owner"],
            "owner_name": None,  # approvals keeps no names; notifications addresses the person without one
            "book_type": r["book_type"], "book_name": book.name if book else UNKNOWN_BOOK,
            "period_key": r["period_key"], "period_label": r.get("period_label") or period_label(r["period_key"]),
            "due_at": aware(r["due_at"]).astimezone(TIMEZONE).isoformat(),
            "approvers": self._approvers(r, kinds), "principal": doc.get("principal"),
            "policy": self.policies.get(school) or stored_policy(None).to_data(),
        }
