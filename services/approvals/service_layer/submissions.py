"""Submission use cases: submit, decide, comment, withdraw, resubmit, sign, issue, recall, queue.

Each use case loads the aggregate through a tenant-scoped repository (another school's
submission is 404), lets the domain check the actor and the state (403 / 409), saves the
new state with its events in the same document (outbox), then appends one audit entry
per transition (“B thay mặt A” when acting by delegation).

A document version named by a person (submit, resubmit) is checked with documents before
anything is saved: the person's own document (or one they co-own), of their school, with
that version and digest. An approval freezes exactly the approved version in documents
right after it is saved (the ``approved`` event is the backstop if that call fails).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import logging

from services.approvals.adapters.documents import ObligationDoc, SubmissionDoc
from services.approvals.adapters.documents_service import DocumentsPort, Reference, Referenced
from services.approvals.adapters.repositories import (
    ObligationRepository, SchoolDirectory, SubmissionRepository, aware, find_submission_for_service, keyset_page,
    save_with_revision, submission_from_doc, submission_to_doc,
)
from services.approvals.domain.calendar import TIMEZONE
from services.approvals.domain.catalog import Book
from services.approvals.service_layer.published import submission_event
from services.approvals.domain.chains import resolve_chain
from services.kernel.ownership import UnitInfo, is_gvcn_holding
from services.approvals.domain.submissions import (
    AWAITING_DECISION, Acting, SignatureState, StepState, Submission,
)
from services.approvals.service_layer.common import audit, domain_errors, make_event, record
from services.approvals.service_layer.setup import SetupService
from services.kernel.audit import AuditLog
from services.kernel.campaigns import CampaignStates
from services.kernel.clock import Clock
from services.kernel.errors import BadGateway, Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.ids import new_id
from services.kernel.periods import period_label
from services.kernel.permissions import (
    HIEU_TRUONG, PHO_HIEU_TRUONG, VAN_THU, is_district_staff, require_principal, require_service,
)
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope, grant_cross_tenant

log = logging.getLogger(__name__)

SIGNATURE_OVERDUE = "approvals.signature.overdue"
#: who reads the school's list of issued documents
ISSUED_READERS = frozenset({VAN_THU, HIEU_TRUONG, PHO_HIEU_TRUONG})

PROGRESS = {
    "returned": {"awaiting": -1},
    "approved": {"awaiting": -1},
}


def _fmt(dt: datetime | None) -> str | None:
    """Instants are shown in Vietnam time (the due cut-off reads 23:59:59+07:00)."""
    return dt.astimezone(TIMEZONE).isoformat() if dt else None


class SubmissionService:
    def __init__(self, *, clock: Clock, audit_log: AuditLog, setup: SetupService, documents: DocumentsPort,
                 campaigns: CampaignStates) -> None:
        self.clock = clock
        self.audit = audit_log
        self.campaigns = campaigns
        self.setup = setup
        self.documents = documents
        self.directory = SchoolDirectory()

    def _verify_reference(self, p: Principal, document_id: str, version_id: str, sha256: str) -> Referenced:
        """Documents confirms the person's document, school, version and digest (problem naming the field)
        and says what the document is (its title, its owner: a học bạ's class)."""
        return self.documents.verify_reference(Reference(
            tenant=p.tenant or "", document_id=document_id, version_id=version_id, sha256=sha256, person=p.sub,
            roles=frozenset(p.roles), unit_roles=frozenset(p.unit_roles)))

    def _freeze_if_approved(self, sub: Submission, approved: bool) -> None:
        """Freeze the approved version in documents now; the ``approved`` event retries it if this fails."""
        if not approved or not sub.approved_version_id:
            return
        try:
            self.documents.freeze(sub.tenant, sub.document_id, sub.approved_version_id, decision_id=sub.id)
        except (BadGateway, Conflict, ValidationFailed, NotFound) as exc:
            log.warning("freeze of %s (submission %s) left to the approved event: %s", sub.approved_version_id,
                        sub.id, getattr(exc, "detail", exc))

    # ----- helpers -----------------------------------------------------------------------------
    def _repo(self, actor: Principal) -> SubmissionRepository:
        return SubmissionRepository(scope=TenantScope.for_principal(require_principal(actor)))

    def load(self, actor: Principal, submission_id: str) -> tuple[SubmissionDoc, Submission]:
        doc = self._repo(actor).get(submission_id)
        return doc, submission_from_doc(doc)

    def _holds(self, tenant: str, person: str, at: datetime) -> frozenset[str]:
        """Roles a person holds now in the school, with ``gvcn`` for a teacher of a class."""
        school = self.directory.school(tenant)
        units = {u["id"]: UnitInfo(u["id"], u["kind"], u.get("level")) for u in (school.units if school else [])}
        out: set[str] = set()
        for role, unit in self.directory.roles_of(tenant, person, at):
            out.add(role)
            if is_gvcn_holding(role, unit, units):  # the shared GVCN rule
                out.add("gvcn")
        return frozenset(out)

    def save(self, doc: SubmissionDoc, sub: Submission, *, overdue: bool = False, counted: bool = True) -> None:
        """Save the aggregate with its events (progress deltas attached) and audit each transition.

        ``counted=False`` is a further document for an obligation already submitted (another
        student's học bạ): it adds to what awaits approval, not to on time / late / missing.
        """
        now = self.clock.now()
        was_signing = doc.state == "signing"  # the stored state, before this save
        pending, sub.pending_events = sub.pending_events, []
        for type_, data, acting in pending:
            name = type_.rsplit(".", 1)[1]
            data = dict(data)
            if name in ("submitted", "withdrawn") and not counted and not data.get("resubmission"):
                data["progress"] = {"awaiting": 1 if name == "submitted" else -1}
            elif name == "submitted" and not data.get("resubmission"):
                data["progress"] = {"on_time" if sub.on_time else "late": 1, "awaiting": 1,
                                    **({"missing": -1} if overdue else {})}
            elif name == "submitted":
                data["progress"] = {"awaiting": 1}
            elif name == "withdrawn":
                data["progress"] = {"on_time" if sub.on_time else "late": -1, "awaiting": -1,
                                    **({"missing": 1} if overdue else {})}
            elif name == "signed" and sub.signing_overdue_emitted:
                data["progress"] = {"signing_overdue": -1, "signed_late": 1, "awaiting_signature": -1}
            elif name == "signed":
                data["progress"] = {"awaiting_signature": -1}
            elif name == "signing_requested":  # a correction while signing asks again: still one awaiting
                data["progress"] = {"awaiting_signature": 0 if was_signing else 1}
            elif type_ == SIGNATURE_OVERDUE:
                data["progress"] = {"signing_overdue": 1}
            elif name == "approved":
                delay = (now - sub.submitted_at).total_seconds() if sub.submitted_at else 0
                data["progress"] = {**PROGRESS[name], "approved": 1, "approval_seconds": max(0, int(delay))}
            elif name in PROGRESS:
                data["progress"] = PROGRESS[name]
            record(doc, submission_event(type_, data, sub, book_name=self.setup.known_book_name(sub.tenant, sub.book_type),
                                         directory=self.directory, acting=acting, now=now))
        submission_to_doc(sub, doc)
        save_with_revision(doc)
        for type_, data, acting in pending:
            audit(self.audit, type_, acting, tenant=sub.tenant, district=sub.district, target=sub.id,
                  data={k: data[k] for k in ("state", "version_id", "comment", "reason", "stage") if k in data})

    # ----- reading -------------------------------------------------------------------------------
    def book(self, school_id: str, slug: str) -> Book:
        """The catalog's book of a submission (its name, whether it is per document)."""
        return self.setup.book(school_id, slug)

    def view(self, sub: Submission) -> dict[str, Any]:
        now = self.clock.now()
        possible = sub.approval_still_possible(now)
        notice = None
        if sub.approval_due_at and not possible and sub.state in (AWAITING_DECISION | {"draft", "returned"}):
            notice = f"Không còn kịp phê duyệt trước hạn {sub.approval_due_at.astimezone(TIMEZONE):%H:%M:%S %d/%m/%Y}."
        current = sub.current_version if sub.versions else None
        return {
            "id": sub.id, "tenant": sub.tenant, "district": sub.district, "book_type": sub.book_type,
            "book_name": self.book(sub.tenant, sub.book_type).name, "item": sub.item, "period_key": sub.period_key,
            "school_year": sub.school_year, "obligation_id": sub.obligation_id, "unit": sub.unit,
            "submitter": sub.submitter, "state": sub.state, "document_id": sub.document_id,
            "current_version_id": current.version_id if current else None,
            "current_version_sha256": current.sha256 if current else None,
            "approved_version_id": sub.approved_version_id, "approved_sha256": sub.approved_sha256,
            "due_at": _fmt(sub.due_at), "submitted_at": _fmt(sub.submitted_at), "on_time": sub.on_time,
            "approval_due_at": _fmt(sub.approval_due_at), "approval_possible": possible, "approval_notice": notice,
            "round": sub.round, "period_label": period_label(sub.period_key),
            "steps": [{**s.step.to_data(), "decision": s.decision, "by": s.by, "on_behalf_of": s.on_behalf_of,
                       "at": _fmt(s.at), "comment": s.comment} for s in sub.steps],
            "waiting_for": [{"role": s.step.role, "unit": s.step.unit} for s in sub.waiting_steps()],
            "versions": [{"version_id": v.version_id, "sha256": v.sha256, "added_at": _fmt(v.added_at),
                          "reason": v.reason, "superseded_by": v.superseded_by} for v in sub.versions],
            "signing": {"steps": [{**s.spec.to_data(), "signed_by": s.signed_by, "on_behalf_of": s.on_behalf_of,
                                   "signed_at": _fmt(s.signed_at), "version_id": s.version_id} for s in sub.signatures],
                        "next_order": sub.next_signing_order() if sub.state == "signing" else None,
                        "due_at": _fmt(sub.signing_due_at), "overdue": sub.signing_overdue(now)},
            "issue_role": sub.issue_role, "issued_by": sub.issued_by, "issued_at": _fmt(sub.issued_at),
            "recall_reason": sub.recall_reason,
            "document_title": sub.document_title, "unit_name": sub.unit_name,
            "per_document": self.book(sub.tenant, sub.book_type).per_document,
            "history": [{**h, "at": _fmt(h.get("at"))} for h in sub.history],
        }

    def may_read(self, p: Principal, sub: Submission) -> bool:
        """Least access to children's records: the submitter, the school's leaders, and whoever has a step."""
        if p.sub == sub.submitter or p.has_role(HIEU_TRUONG) or p.has_role(PHO_HIEU_TRUONG):
            return True
        now = int(self.clock.now().timestamp())
        holders = [(s.step.role, s.step.unit) for s in sub.steps] + [(s.spec.role, None) for s in sub.signatures
                                                                     if s.spec.signer is None]
        holders += [(sub.issue_role, None)] if sub.issue_role else []
        return any(p.may_act_as(role, unit, sub.book_type, now=now)[0] for role, unit in holders)

    def get(self, actor: Principal, submission_id: str, *, campaign: str | None = None, school: str | None = None,
            reason: str | None = None) -> dict[str, Any]:
        """A submission for its participants; services by id; oversight staff inside the scope of an
        inspection campaign their token carries, on one school of it (404 outside the scope or after its end)."""
        p = require_principal(actor)
        if p.is_service:
            doc = find_submission_for_service(submission_id)
            if doc is None:
                raise NotFound()
            return self.view(submission_from_doc(doc))
        if is_district_staff(p) and not p.tenant:
            if not campaign:
                raise Forbidden("Cán bộ Phòng/Sở xem hồ sơ của trường trong một đợt kiểm tra: hãy chọn đợt kiểm tra.",
                                field="campaign")
            grant = grant_cross_tenant(p, reason=reason, audit=self.audit, campaign=campaign, now=self.clock.now(),
                                       campaigns=self.campaigns)
            held = grant.campaign
            school = school or (held.schools[0] if held is not None and len(held.schools) == 1 else None)
            if not school:
                raise ValidationFailed("Hãy chọn trường cần xem trong đợt kiểm tra.", field="school")
            scope = TenantScope.across(grant, tenant=school)
            return self.view(submission_from_doc(SubmissionRepository(scope=scope).get(submission_id)))
        sub = self.load(p, submission_id)[1]
        if not self.may_read(p, sub):
            raise Forbidden("Bạn không tham gia hồ sơ này nên không được xem.")
        return self.view(sub)

    def mine(self, actor: Principal, *, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """My submissions, newest first."""
        p = require_principal(actor)
        docs, nxt = keyset_page(self._repo(p).query(submitter=p.sub), "created_at", cursor=cursor, limit=limit,
                                descending=True)
        return [self.view(submission_from_doc(d)) for d in docs], nxt

    def issued(self, actor: Principal, *, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """The school's issued (and recalled) documents, last issued first: the văn thư's and leaders' "Đã phát hành"."""
        p = require_principal(actor)
        if not set(p.roles) & ISSUED_READERS:
            raise Forbidden("Chỉ văn thư và lãnh đạo nhà trường xem được danh sách hồ sơ đã phát hành.")
        qs = self._repo(p).query(state__in=["issued", "recalled"], issued_at__ne=None)
        if not (p.has_role(HIEU_TRUONG) or p.has_role(PHO_HIEU_TRUONG)):
            qs = qs.filter(issue_role__in=sorted(p.roles))  # the văn thư: what their role issues
        docs, nxt = keyset_page(qs, "issued_at", cursor=cursor, limit=limit, descending=True)
        return [self.view(submission_from_doc(d)) for d in docs], nxt

    # ----- submitting ------------------------------------------------------------------------------
    def create(self, actor: Principal, *, obligation_id: str, document_id: str, version_id: str, sha256: str,
               submit: bool = True) -> dict[str, Any]:
        p = require_principal(actor)
        scope = TenantScope.for_principal(p)
        obligation = ObligationRepository(scope=scope).get(obligation_id)
        if obligation.owner != p.sub:
            raise Forbidden("Chỉ người phải nộp hồ sơ này mới được nộp.")
        if not obligation.active:
            raise Conflict("Nghĩa vụ này không còn hiệu lực.", field="obligation_id")
        per_document = self.book(p.tenant or "", obligation.book_type).per_document
        if obligation.satisfied and not per_document:
            raise Conflict("Đã có hồ sơ nộp cho nghĩa vụ này.", field="obligation_id")
        if per_document and self._live_for_document(obligation.id, document_id):
            raise Conflict("Hồ sơ (tài liệu) này đã được nộp cho nghĩa vụ này.", field="document_id")
        facts = self._verify_reference(p, document_id, version_id, sha256)
        now = self.clock.now()
        school = self.directory.school(p.tenant or "")
        kinds = {u["id"]: u["kind"] for u in (school.units if school else [])}
        unit = obligation.unit
        names = {u["id"]: u.get("name") for u in (school.units if school else [])}
        unit_name = names.get(facts.owner_key or "") or names.get(unit or "")  # a học bạ's class, else the tổ
        chain = self.setup.chain_for(p.tenant or "", p.district or "", obligation.book_type, kinds.get(unit or ""))
        steps, signing = resolve_chain(chain, submitter=p.sub, unit=unit, submitter_unit_roles=frozenset(
            (r, u) for r, u in self.directory.roles_of(p.tenant or "", p.sub, now) if u))
        sub = Submission(
            id=new_id(), tenant=p.tenant or "", district=p.district or "", obligation_id=obligation.id,
            book_type=obligation.book_type, item=obligation.item, period_key=obligation.period_key,
            school_year=obligation.year, unit=unit, submitter=p.sub, document_id=document_id,
            due_at=aware(obligation.due_at), approval_due_at=aware(obligation.approval_due_at),
            steps=[StepState(s) for s in steps], signatures=[SignatureState(s) for s in signing],
            issue_role=chain.issue_role, created_at=now, document_title=facts.title, unit_name=unit_name,
            signing_due_at=self.setup.signing_due(p.tenant or "", p.district or "", obligation.book_type,
                                                  obligation.item, obligation.year, obligation.period_key)
            if signing else None)
        sub.attach_first_version(version_id, sha256, now)
        doc = SubmissionDoc(id=sub.id)
        counted = True
        if submit:
            with domain_errors():
                sub.submit(p, now)
            counted = self._claim_obligation(obligation.id, sub.id, per_document=per_document)
        else:
            audit(self.audit, "approvals.submission.drafted", Acting(p.sub), tenant=sub.tenant, district=sub.district,
                  target=sub.id, data={"version_id": version_id})
        approved = any(t.endswith(".approved") for t, _, _ in sub.pending_events)
        self.save(doc, sub, overdue=bool(obligation.overdue_emitted) and counted, counted=counted)
        self._freeze_if_approved(sub, approved)
        return self.view(sub)

    @staticmethod
    def _live_for_document(obligation_id: str, document_id: str, *, other_than: str | None = None) -> bool:
        """Whether a submission of this obligation (other than ``other_than``) holds this document."""
        query = SubmissionDoc.objects(obligation_id=obligation_id, document_id=document_id,
                                      state__nin=["draft", "withdrawn"])
        return (query.filter(id__ne=other_than) if other_than else query).first() is not None

    @staticmethod
    def _others_live(obligation_id: str, submission_id: str) -> bool:
        """Whether another submission still answers this obligation (another student's học bạ)."""
        return SubmissionDoc.objects(obligation_id=obligation_id, id__ne=submission_id,
                                     state__nin=["draft", "withdrawn"]).first() is not None

    def _claim_obligation(self, obligation_id: str, submission_id: str, *, per_document: bool = False) -> bool:
        """Mark the obligation as submitted; True when this submission is the one that satisfied it.

        Once only: a second submission is a 409, except for a per-document book, where each
        further document is accepted (and not counted again in progress).
        """
        claimed = ObligationDoc.objects(id=obligation_id, satisfied=False).update_one(
            set__satisfied=True, set__submission_id=submission_id)
        if not claimed and not per_document:
            raise Conflict("Đã có hồ sơ nộp cho nghĩa vụ này.", field="obligation_id")
        return bool(claimed)

    def submit(self, actor: Principal, submission_id: str) -> dict[str, Any]:
        doc, sub = self.load(actor, submission_id)
        now = self.clock.now()
        per_document = self.book(sub.tenant, sub.book_type).per_document
        if per_document and self._live_for_document(sub.obligation_id, sub.document_id, other_than=sub.id):
            raise Conflict("Hồ sơ (tài liệu) này đã được nộp cho nghĩa vụ này.", field="document_id")
        with domain_errors():
            sub.submit(actor, now)
        counted = self._claim_obligation(sub.obligation_id, sub.id, per_document=per_document)
        overdue = ObligationDoc.objects(id=sub.obligation_id).only("overdue_emitted").first()
        approved = any(t.endswith(".approved") for t, _, _ in sub.pending_events)
        self.save(doc, sub, overdue=bool(overdue and overdue.overdue_emitted) and counted, counted=counted)
        self._freeze_if_approved(sub, approved)
        return self.view(sub)

    def resubmit(self, actor: Principal, submission_id: str, *, version_id: str, sha256: str) -> dict[str, Any]:
        doc, sub = self.load(actor, submission_id)
        if actor.sub == sub.submitter and sub.state == "returned":  # the domain refuses anyone else first
            sub.document_title = self._verify_reference(actor, sub.document_id, version_id, sha256).title or sub.document_title
        with domain_errors():
            sub.resubmit(actor, version_id, sha256, self.clock.now())
        self.save(doc, sub)
        return self.view(sub)

    def withdraw(self, actor: Principal, submission_id: str) -> dict[str, Any]:
        doc, sub = self.load(actor, submission_id)
        with domain_errors():
            sub.withdraw(actor, self.clock.now())
        obligation = ObligationDoc.objects(id=sub.obligation_id).only("overdue_emitted", "submission_id").first()
        if self.book(sub.tenant, sub.book_type).per_document and self._others_live(sub.obligation_id, sub.id):
            # other students' học bạ still answer the obligation: it stays submitted
            counted = False
            if obligation and obligation.submission_id == sub.id:
                other = SubmissionDoc.objects(obligation_id=sub.obligation_id, id__ne=sub.id,
                                              state__nin=["draft", "withdrawn"]).only("id").first()
                ObligationDoc.objects(id=sub.obligation_id).update_one(set__submission_id=other.id)
        else:
            counted = True
            ObligationDoc.objects(id=sub.obligation_id, submission_id=sub.id).update_one(
                set__satisfied=False, set__submission_id=None)
        self.save(doc, sub, overdue=bool(obligation and obligation.overdue_emitted) and counted, counted=counted)
        return self.view(sub)

    # ----- deciding ----------------------------------------------------------------------------------
    def decide(self, actor: Principal, submission_id: str, *, decision: str, comment: str | None) -> dict[str, Any]:
        doc, sub = self.load(actor, submission_id)
        with domain_errors():
            sub.decide(actor, decision, comment, self.clock.now())
        approved = any(t.endswith(".approved") for t, _, _ in sub.pending_events)
        self.save(doc, sub)  # a lost race (another decision saved first) is a 409 here, before any freeze
        self._freeze_if_approved(sub, approved)
        return self.view(sub)

    def comment(self, actor: Principal, submission_id: str, text: str) -> dict[str, Any]:
        doc, sub = self.load(actor, submission_id)
        with domain_errors():
            sub.comment(actor, text, self.clock.now())
        self.save(doc, sub)
        return self.view(sub)

    def queue_keys(self, actor: Principal) -> list[str]:
        """Queue keys the caller answers for: own roles (school-wide and per unit) and live delegations."""
        now = int(self.clock.now().timestamp())
        keys = {f"{r}@*" for r in actor.roles}
        keys |= {f"{r}@{u}" for r, u in actor.unit_roles}
        for d in actor.act:
            if d.until > now:
                keys.add(f"{d.role}@{d.unit or '*'}")
                if d.unit is None:
                    keys |= {f"{d.role}@{u}" for r, u in actor.unit_roles}
        return sorted(keys)

    def queue(self, actor: Principal, *, cursor: str | None = None, limit: int = 50) -> tuple[list[dict[str, Any]], str | None]:
        """Submissions waiting for the caller's decision, oldest first, one page at a time."""
        p = require_principal(actor)
        items = []
        docs, next_cursor = self._repo(p).waiting_for(self.queue_keys(p), cursor=cursor, limit=limit)
        for doc in docs:
            sub = submission_from_doc(doc)
            if sub.submitter == p.sub:
                continue
            if any(p.may_act_as(s.step.role, s.step.unit, sub.book_type, now=int(self.clock.now().timestamp()))[0]
                   for s in sub.waiting_steps()):
                v = self.view(sub)
                v["waiting_since"] = _fmt(aware(doc.waiting_since))
                items.append(v)
        return items, next_cursor

    def check_queue(self, actor: Principal, *, cursor: str | None = None,
                    limit: int = 50) -> tuple[list[dict[str, Any]], str | None]:
        """Submissions with a check step of mine not yet checked (kiểm tra: read and comment), oldest first."""
        p = require_principal(actor)
        now = int(self.clock.now().timestamp())
        keys = [f"check:{k}" for k in self.queue_keys(p)]
        docs, next_cursor = self._repo(p).waiting_for(keys, cursor=cursor, limit=limit)
        items = []
        for doc in docs:
            sub = submission_from_doc(doc)
            if sub.submitter != p.sub and any(p.may_act_as(s.step.role, s.step.unit, sub.book_type, now=now)[0]
                                              for s in sub.checking_steps()):
                items.append({**self.view(sub), "waiting_since": _fmt(aware(doc.waiting_since))})
        return items, next_cursor

    def signing_queue(self, actor: Principal, *, cursor: str | None = None,
                      limit: int = 50) -> tuple[list[dict[str, Any]], str | None]:
        """Submissions waiting for my signature now, or (văn thư) for issue, oldest first."""
        p = require_principal(actor)
        holds = self._holds(p.tenant or "", p.sub, self.clock.now())
        keys = [f"sign:person:{p.sub}"] + [f"sign:role:{r}" for r in holds] + [f"issue:{r}" for r in holds]
        docs, next_cursor = self._repo(p).waiting_for(sorted(keys), cursor=cursor, limit=limit)
        items = []
        for doc in docs:
            sub = submission_from_doc(doc)
            step, _ = sub.signing_turn(p.sub, holds)
            action = "sign" if step else ("issue" if sub.state == "signed" and sub.issue_role in holds else None)
            if action:
                items.append({**self.view(sub), "action": action, "waiting_since": _fmt(aware(doc.waiting_since)),
                              "my_order": step.spec.order if step else None})
        return items, next_cursor

    def bulk_approve(self, actor: Principal, ids: list[str], comment: str | None) -> list[dict[str, Any]]:
        """Approve several submissions; each succeeds or fails on its own (a result per id)."""
        if len(ids) > 200:
            raise ValidationFailed("Mỗi lần duyệt tối đa 200 hồ sơ.", field="submission_ids")
        results = []
        for sid in ids:
            try:
                v = self.decide(actor, sid, decision="approve", comment=comment)
                results.append({"id": sid, "ok": True, "state": v["state"], "status": 200})
            except (Forbidden, Conflict, NotFound) as exc:
                results.append({"id": sid, "ok": False, "status": exc.status, "detail": exc.detail or exc.title})
        return results

    # ----- signing, issue, recall ---------------------------------------------------------------------
    def scan_signing_overdue(self, now: datetime | None = None, *, limit: int = 5000) -> int:
        """Emit ``approvals.signature.overdue`` once for every submission still unsigned past its signing deadline.

        It tells the signers of the current order and the school's principal; progress counts it
        (``signing_overdue``) until the last signature, which then counts as ``signed_late``.
        """
        now = now or self.clock.now()
        emitted = 0
        for doc in SubmissionDoc.objects(state="signing", signing_overdue_emitted=False,
                                         signing_due_at__lt=now).limit(limit):
            sub = submission_from_doc(doc)
            school = self.directory.school(sub.tenant)
            signers = sorted({person for w in sub.waiting_signatures()
                              for person in ([w.spec.signer] if w.spec.signer else
                                             self.directory.holders(sub.tenant, w.spec.role, None, now))})
            label = ObligationDoc.objects(id=sub.obligation_id).only("period_label").first()
            heads = sorted(self.directory.holders(sub.tenant, HIEU_TRUONG, None, now))
            if not sub.mark_signing_overdue(now, book_name=self.book(sub.tenant, sub.book_type).name,
                                            period_label=(label.period_label if label else None) or period_label(sub.period_key),
                                            signers=signers,
                                            principal=heads[0] if heads else (school.principal if school else None)):
                continue
            try:
                self.save(doc, sub)
            except Conflict:
                continue  # someone signed meanwhile: the next scan looks again
            emitted += 1
        return emitted

    def _service_load(self, actor: Principal, submission_id: str) -> tuple[SubmissionDoc, Submission]:
        require_service(actor)
        doc = find_submission_for_service(submission_id)
        if doc is None:
            raise NotFound()
        return doc, submission_from_doc(doc)

    def signing_turn(self, actor: Principal, submission_id: str, signer: str) -> dict[str, Any]:
        p = require_principal(actor)
        if p.is_service:
            _, sub = self._service_load(p, submission_id)
        else:
            _, sub = self.load(p, submission_id)
            if signer != p.sub:
                raise Forbidden("Chỉ được hỏi lượt ký của chính mình.")
        step, refusal = sub.signing_turn(signer, self._holds(sub.tenant, signer, self.clock.now()))
        return {"submission_id": sub.id, "signer": signer, "may_sign": step is not None,
                "reason": refusal.message if refusal else None, "reason_code": refusal.code if refusal else None,
                "order": step.spec.order if step else sub.next_signing_order(),
                "role": step.spec.role if step else None, "organisation": step.spec.organisation if step else None,
                "version_id": sub.approved_version_id, "sha256": sub.approved_sha256}

    def record_signature(self, actor: Principal, submission_id: str, body: dict[str, Any]) -> dict[str, Any]:
        doc, sub = self._service_load(actor, submission_id)
        whose = body.get("on_behalf_of") or body["signer"]
        with domain_errors():
            sub.record_signature(
                signer=body["signer"], on_behalf_of=body.get("on_behalf_of"), role=body["role"], order=body["order"],
                holds=self._holds(sub.tenant, whose, self.clock.now()), version_id=body["signed_version_id"],
                sha256=body["signed_sha256"], signed_at=body["signed_at"], service=actor.client_id or actor.sub)
        last = sub.history[-1]
        audit(self.audit, "approvals.submission.signature_recorded",
              Acting(body["signer"], body.get("on_behalf_of"), body["role"]), tenant=sub.tenant, district=sub.district, target=sub.id,
              data={"order": last["order"], "version_id": last["version_id"], "via": last["via"]})
        self.save(doc, sub)
        return self.view(sub)

    def _as_person(self, actor: Principal, acting_person: str | None, sub: Submission) -> Principal:
        """A user acts as themself; a service acts for the named person with that person's roles."""
        if not actor.is_service:
            return actor
        if not acting_person:
            raise ValidationFailed("Dịch vụ phải nêu người thực hiện (actor).", field="actor")
        roles = self._holds(sub.tenant, acting_person, self.clock.now())
        return Principal(sub=acting_person, tenant=sub.tenant, district=sub.district, roles=roles)

    def issue(self, actor: Principal, submission_id: str, acting_person: str | None = None) -> dict[str, Any]:
        p = require_principal(actor)
        doc, sub = self._service_load(p, submission_id) if p.is_service else self.load(p, submission_id)
        with domain_errors():
            sub.issue(self._as_person(p, acting_person, sub), self.clock.now())
        self.save(doc, sub)
        return self.view(sub)

    def recall(self, actor: Principal, submission_id: str, reason: str, acting_person: str | None = None) -> dict[str, Any]:
        p = require_principal(actor)
        doc, sub = self._service_load(p, submission_id) if p.is_service else self.load(p, submission_id)
        with domain_errors():
            sub.recall(self._as_person(p, acting_person, sub), reason, self.clock.now())
        self.save(doc, sub)
        return self.view(sub)
