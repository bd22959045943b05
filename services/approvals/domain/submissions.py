"""The submission aggregate: one obligation's document going through review, signing and issue.

States::

    draft → submitted → in_review → approved ─┬→ (no signatures) done
                 ↑           │                 └→ signing → signed → issued → recalled
                 │           └→ returned ─(new version)┘
    submitted → withdrawn (before the first decision of the round)

``submitted`` waits for the first decision of a round; ``in_review`` is a review where some
stage has been passed. Every transition checks the actor against the resolved chain,
appends a domain event to ``pending_events`` (the service layer writes them to the
outbox in the same save) and returns what the audit log records.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.approvals.domain.calendar import TIMEZONE
from services.approvals.domain.chains import ResolvedSigning, ResolvedStep
from services.approvals.domain.errors import InvalidTransition, NotPermitted
from services.kernel.principal import Principal

DRAFT, SUBMITTED, IN_REVIEW, APPROVED, RETURNED = "draft", "submitted", "in_review", "approved", "returned"
WITHDRAWN, SIGNING, SIGNED, ISSUED, RECALLED = "withdrawn", "signing", "signed", "issued", "recalled"
AWAITING_DECISION = frozenset({SUBMITTED, IN_REVIEW})
STATE_NAMES = {
    DRAFT: "bản nháp", SUBMITTED: "đã nộp", IN_REVIEW: "đang duyệt", APPROVED: "đã duyệt", RETURNED: "bị trả lại",
    WITHDRAWN: "đã rút", SIGNING: "đang ký", SIGNED: "đã ký", ISSUED: "đã phát hành", RECALLED: "đã thu hồi",
}


@dataclass
class Version:
    version_id: str
    sha256: str
    added_at: datetime
    reason: str = "submission"  # "submission" | "resubmission" | "correction"
    superseded_by: str | None = None


@dataclass
class StepState:
    step: ResolvedStep
    decision: str | None = None  # "approved" | "returned" | "checked"
    by: str | None = None
    on_behalf_of: str | None = None
    at: datetime | None = None
    comment: str | None = None


@dataclass
class SignatureState:
    spec: ResolvedSigning
    signed_by: str | None = None
    on_behalf_of: str | None = None
    signed_at: datetime | None = None
    version_id: str | None = None


@dataclass
class Acting:
    """Who did it, and for whom when by delegation: the audit log says “B thay mặt A”."""

    person: str
    on_behalf_of: str | None = None
    role: str | None = None


@dataclass
class Submission:
    id: str
    tenant: str
    district: str
    obligation_id: str
    book_type: str
    item: str
    period_key: str
    school_year: str
    unit: str | None
    submitter: str
    document_id: str
    due_at: datetime
    approval_due_at: datetime | None
    steps: list[StepState]
    signatures: list[SignatureState]
    issue_role: str | None
    created_at: datetime
    state: str = DRAFT
    versions: list[Version] = field(default_factory=list)
    round: int = 0
    submitted_at: datetime | None = None
    on_time: bool | None = None
    approved_version_id: str | None = None
    approved_sha256: str | None = None
    history: list[dict] = field(default_factory=list)
    issued_by: str | None = None
    issued_at: datetime | None = None
    recall_reason: str | None = None
    signing_due_at: datetime | None = None  # every signing order signs by then (học bạ, bảng tổng hợp: 30/5)
    signing_overdue_emitted: bool = False
    #: what people call the document (a học bạ: the student's name) and its class or tổ, as named
    #: when it was submitted: signing and issuing lists name each row by them
    document_title: str | None = None
    unit_name: str | None = None
    pending_events: list[tuple[str, dict, Acting]] = field(default_factory=list)

    # ----- reading -------------------------------------------------------------------------
    @property
    def current_version(self) -> Version:
        return self.versions[-1]

    @property
    def needs_signatures(self) -> bool:
        return bool(self.signatures)

    def current_stage(self) -> int | None:
        """The first stage with an approve step still undecided; None when review is complete."""
        pending = [s.step.stage for s in self.steps if s.step.mode == "approve" and s.decision is None]
        return min(pending) if pending else None

    def next_signing_order(self) -> int | None:
        pending = [s.spec.order for s in self.signatures if s.signed_by is None]
        return min(pending) if pending else None

    def approval_still_possible(self, now: datetime) -> bool:
        return self.approval_due_at is None or now <= self.approval_due_at

    def signing_overdue(self, now: datetime) -> bool:
        """Signatures still missing after their deadline (overdue like any other step)."""
        return self.state == SIGNING and self.signing_due_at is not None and now > self.signing_due_at

    def waiting_signatures(self) -> list[SignatureState]:
        """The signature steps of the current signing order (who must sign now)."""
        order = self.next_signing_order() if self.state == SIGNING else None
        return [s for s in self.signatures if s.spec.order == order and s.signed_by is None]

    def mark_signing_overdue(self, now: datetime, *, book_name: str, period_label: str, signers: list[str],
                             principal: str | None) -> bool:
        """Record once that the signatures are late, with what notifications needs to tell the signers and the principal."""
        if self.signing_overdue_emitted or not self.signing_overdue(now):
            return False
        self.signing_overdue_emitted = True
        waiting = self.waiting_signatures()
        acting = Acting("system")
        self._log("signing_overdue", acting, now, order=waiting[0].spec.order if waiting else None)
        self.pending_events.append(("approvals.signature.overdue", {
            "submission_id": self.id, "obligation_id": self.obligation_id, "book_type": self.book_type,
            "book_name": book_name, "item": self.item, "period_key": self.period_key, "period_label": period_label,
            "school_year": self.school_year, "unit": self.unit, "submitter": self.submitter,
            "order": waiting[0].spec.order if waiting else None, "roles": sorted({w.spec.role for w in waiting}),
            "signers": signers, "principal": principal, "due_at": self.due_at.isoformat(),
            "signing_due_at": self.signing_due_at.astimezone(TIMEZONE).isoformat() if self.signing_due_at else None,
        }, acting))
        return True

    def waiting_steps(self) -> list[StepState]:
        stage = self.current_stage()
        if self.state not in AWAITING_DECISION or stage is None:
            return []
        return [s for s in self.steps if s.step.stage == stage and s.step.mode == "approve" and s.decision is None]

    def checking_steps(self) -> list[StepState]:
        """Check steps not yet checked while the review is open (their holders may read and comment)."""
        if self.state not in AWAITING_DECISION or self.current_stage() is None:
            return []
        return [s for s in self.steps if s.step.mode == "check" and s.decision is None]

    # ----- transitions -----------------------------------------------------------------------
    def _emit(self, name: str, acting: Acting, **data: object) -> None:
        payload = {"submission_id": self.id, "obligation_id": self.obligation_id, "book_type": self.book_type,
                   "item": self.item, "period_key": self.period_key, "unit": self.unit, "submitter": self.submitter,
                   "document_id": self.document_id, "state": self.state, "school_year": self.school_year,
                   "due_at": self.due_at.isoformat(), "on_time": self.on_time, **data}
        self.pending_events.append((f"approvals.submission.{name}", payload, acting))

    def _log(self, action: str, acting: Acting, at: datetime, **data: object) -> None:
        self.history.append({"action": action, "by": acting.person, "on_behalf_of": acting.on_behalf_of,
                             "role": acting.role, "at": at, "round": self.round, **data})

    def _require(self, *states: str, action: str) -> None:
        if self.state not in states:
            raise InvalidTransition(
                f"Không thể {action} khi hồ sơ đang ở trạng thái “{STATE_NAMES[self.state]}”.", field="state")

    def _require_submitter(self, actor: Principal, action: str) -> Acting:
        if actor.sub != self.submitter:
            raise NotPermitted(f"Chỉ người nộp hồ sơ mới được {action}.")
        return Acting(actor.sub)

    def attach_first_version(self, version_id: str, sha256: str, at: datetime) -> None:
        self._require(DRAFT, action="đính kèm phiên bản")
        self.versions = [Version(version_id, sha256, at)]

    def submit(self, actor: Principal, now: datetime) -> Acting:
        acting = self._require_submitter(actor, "nộp")  # who first: a state is no one else's business
        self._require(DRAFT, action="nộp")
        if not self.versions:
            raise InvalidTransition("Hồ sơ chưa có phiên bản tài liệu để nộp.", field="version_id")
        self.state, self.round, self.submitted_at = SUBMITTED, 1, now
        self.on_time = now <= self.due_at
        self._log("submitted", acting, now, version_id=self.current_version.version_id)
        self._emit("submitted", acting, version_id=self.current_version.version_id, submitted_at=now.isoformat(),
                   resubmission=False)
        self._finish_review_if_done(acting, now)
        return acting

    def resubmit(self, actor: Principal, version_id: str, sha256: str, now: datetime) -> Acting:
        acting = self._require_submitter(actor, "nộp lại")  # who first: a state is no one else's business
        self._require(RETURNED, action="nộp lại")
        if any(v.version_id == version_id for v in self.versions):
            raise InvalidTransition("Nộp lại phải kèm một phiên bản mới của tài liệu.", field="version_id")
        self.versions[-1].superseded_by = version_id
        self.versions.append(Version(version_id, sha256, now, "resubmission"))
        self.state, self.round = SUBMITTED, self.round + 1
        for s in self.steps:
            s.decision = s.by = s.on_behalf_of = s.at = s.comment = None
        self._log("resubmitted", acting, now, version_id=version_id)
        self._emit("submitted", acting, version_id=version_id, submitted_at=now.isoformat(), resubmission=True)
        return acting

    def withdraw(self, actor: Principal, now: datetime) -> Acting:
        acting = self._require_submitter(actor, "rút hồ sơ")  # who first: a state is no one else's business
        self._require(SUBMITTED, action="rút")
        if any(s.decision in ("approved", "returned") for s in self.steps):
            raise InvalidTransition("Không thể rút hồ sơ sau khi đã có người quyết định.", field="state")
        self.state = WITHDRAWN
        self._log("withdrawn", acting, now)
        self._emit("withdrawn", acting)
        return acting

    def _acting_for_step(self, actor: Principal, step: ResolvedStep, now: datetime) -> Acting | None:
        allowed, for_whom = actor.may_act_as(step.role, step.unit, self.book_type, now=int(now.timestamp()))
        return Acting(actor.sub, for_whom, step.role) if allowed else None

    def decide(self, actor: Principal, decision: str, comment: str | None, now: datetime) -> Acting:
        """Approve or return at the current stage, as the step's role holder or their delegate."""
        self._require(SUBMITTED, IN_REVIEW, action="phê duyệt hoặc trả lại")
        if actor.sub == self.submitter:
            raise NotPermitted("Không được tự phê duyệt hồ sơ của chính mình.")
        if decision == "return" and not (comment or "").strip():
            raise InvalidTransition("Trả lại hồ sơ phải kèm nhận xét nêu lý do.", field="comment")
        for state in self.waiting_steps():
            acting = self._acting_for_step(actor, state.step, now)
            if acting is None:
                continue
            state.decision = "approved" if decision == "approve" else "returned"
            state.by, state.on_behalf_of, state.at, state.comment = acting.person, acting.on_behalf_of, now, comment
            self._log(state.decision, acting, now, stage=state.step.stage, comment=comment,
                      version_id=self.current_version.version_id)
            if decision == "return":
                self.state = RETURNED
                self._emit("returned", acting, comment=comment, stage=state.step.stage,
                           version_id=self.current_version.version_id)
            else:
                self.state = IN_REVIEW
                self._finish_review_if_done(acting, now)
                opened = self.current_stage()
                if self.state == IN_REVIEW and opened is not None and opened != state.step.stage:
                    self._emit("advanced", acting, stage=opened, version_id=self.current_version.version_id)
            return acting
        raise NotPermitted("Bạn không phải người duyệt ở bước hiện tại của hồ sơ này.")

    def comment(self, actor: Principal, text: str, now: datetime) -> Acting:
        """A check step (or any step of the chain) reads and comments without blocking."""
        self._require(SUBMITTED, IN_REVIEW, action="góp ý")
        if not text.strip():
            raise InvalidTransition("Nội dung góp ý không được để trống.", field="comment")
        for state in self.steps:
            acting = self._acting_for_step(actor, state.step, now)
            if acting is None or actor.sub == self.submitter:
                continue
            if state.step.mode == "check":
                state.decision, state.by, state.on_behalf_of, state.at, state.comment = (
                    "checked", acting.person, acting.on_behalf_of, now, text)
            self._log("commented", acting, now, stage=state.step.stage, comment=text)
            self._emit("commented", acting, comment=text)
            return acting
        raise NotPermitted("Bạn không có trong quy trình duyệt của hồ sơ này.")

    def _finish_review_if_done(self, acting: Acting, now: datetime) -> None:
        if self.current_stage() is not None:
            return
        self.state = APPROVED
        self.approved_version_id, self.approved_sha256 = self.current_version.version_id, self.current_version.sha256
        self._emit("approved", acting, version_id=self.approved_version_id, approved_at=now.isoformat(),
                   approved_in_time=self.approval_still_possible(now))
        if self.needs_signatures:
            self.state = SIGNING
            self._emit("signing_requested", acting, version_id=self.approved_version_id,
                       sha256=self.approved_sha256, steps=[s.spec.to_data() for s in self.signatures])

    # ----- signing, issue, recall ------------------------------------------------------------
    def signing_turn(self, person: str, holds: frozenset[str]) -> tuple[SignatureState | None, InvalidTransition | None]:
        """The signature step ``person`` may sign now (holding roles ``holds``), or the refusal saying why not
        (its ``code``: not-awaiting-signature, out-of-turn or not-a-signer)."""
        if self.state != SIGNING:
            return None, InvalidTransition(f"Hồ sơ đang ở trạng thái “{STATE_NAMES[self.state]}”, không chờ ký.",
                                           field="state", code="not-awaiting-signature")
        order = self.next_signing_order()
        for s in self.signatures:
            if s.spec.order == order and s.signed_by is None and s.spec.role in holds and s.spec.signer in (None, person):
                return s, None
        mine = [s.spec.order for s in self.signatures if s.signed_by is None and s.spec.role in holds
                and s.spec.signer in (None, person)]
        if mine:
            return None, InvalidTransition(f"Chưa đến lượt ký: đang chờ các chữ ký thứ tự {order}.", field="signer",
                                           code="out-of-turn")
        return None, InvalidTransition("Người này không có lượt ký nào trên hồ sơ.", field="signer", code="not-a-signer")

    def record_signature(self, *, signer: str, on_behalf_of: str | None, role: str, order: int, holds: frozenset[str],
                         version_id: str, sha256: str, signed_at: datetime, service: str) -> Acting:
        step, refusal = self.signing_turn(on_behalf_of or signer, holds)
        if step is None:
            raise refusal or InvalidTransition("", field="signer")
        if step.spec.order != order or step.spec.role != role:
            raise InvalidTransition(f"Lượt ký hiện tại là thứ tự {step.spec.order} với vai trò “{step.spec.role}”.",
                                    field="order", code="wrong-signing-step")
        if version_id != self.approved_version_id or sha256 != self.approved_sha256:
            raise InvalidTransition("Tài liệu đã thay đổi so với phiên bản được phê duyệt; không thể ký.",
                                    field="signed_sha256", code="document-changed")
        acting = Acting(signer, on_behalf_of, role)
        step.signed_by, step.on_behalf_of, step.signed_at, step.version_id = signer, on_behalf_of, signed_at, version_id
        self._log("signed", acting, signed_at, order=order, version_id=version_id, via=service)
        if self.next_signing_order() is None:
            self.state = SIGNED
            self._emit("signed", acting, version_id=version_id, sha256=sha256)
        elif self.next_signing_order() != order:
            self._emit("signing_advanced", acting, signed_order=order)
        return acting

    def issue(self, actor: Principal, now: datetime) -> Acting:
        allowed, for_whom = actor.may_act_as(self.issue_role or "van_thu", None, self.book_type, now=int(now.timestamp()))
        if not allowed:  # who first: a state is no one else's business
            raise NotPermitted("Chỉ văn thư của trường mới được phát hành hồ sơ này.")
        if self.issue_role is None:
            raise InvalidTransition("Loại hồ sơ này không cần phát hành.", field="state")
        self._require(SIGNED, action="phát hành")
        acting = Acting(actor.sub, for_whom, self.issue_role)
        self.state, self.issued_by, self.issued_at = ISSUED, actor.sub, now
        self._log("issued", acting, now, version_id=self.approved_version_id)
        self._emit("issued", acting, version_id=self.approved_version_id, sha256=self.approved_sha256)
        return acting

    def recall(self, actor: Principal, reason: str, now: datetime) -> Acting:
        role = self.issue_role or "van_thu"
        allowed, for_whom = actor.may_act_as(role, None, self.book_type, now=int(now.timestamp()))
        if not allowed:  # who first: a state is no one else's business
            raise NotPermitted("Chỉ văn thư của trường mới được thu hồi hồ sơ này.")
        self._require(ISSUED, action="thu hồi")
        if not reason.strip():
            raise InvalidTransition("Thu hồi phải nêu lý do.", field="reason")
        acting = Acting(actor.sub, for_whom, role)
        self.state, self.recall_reason = RECALLED, reason
        self._log("recalled", acting, now, reason=reason)
        self._emit("recalled", acting, reason=reason, version_ids=[v.version_id for v in self.versions],
                   approved_version_id=self.approved_version_id)
        return acting

    def apply_correction(self, correction_id: str, version_id: str, sha256: str, acting: Acting, now: datetime) -> None:
        """A witnessed correction: the new version supersedes the approved one, which stays readable."""
        self._require(APPROVED, SIGNED, ISSUED, SIGNING, action="áp dụng biên bản sửa dữ liệu")
        previous = self.current_version.version_id
        self.versions[-1].superseded_by = version_id
        self.versions.append(Version(version_id, sha256, now, "correction"))
        self.approved_version_id, self.approved_sha256 = version_id, sha256
        self._log("corrected", acting, now, correction_id=correction_id, version_id=version_id, previous=previous)
        self._emit("corrected", acting, correction_id=correction_id, version_id=version_id,
                   superseded_version_id=previous)
        if self.needs_signatures:
            for s in self.signatures:
                s.signed_by = s.on_behalf_of = s.signed_at = s.version_id = None
            self.state = SIGNING
            self._emit("signing_requested", acting, version_id=version_id, sha256=sha256,
                       steps=[s.spec.to_data() for s in self.signatures])
