"""Use cases of the notifications service: each event it consumes becomes notices for the dispatcher.

Identity's events about schools, roles and people also feed the projections that say whom to tell
(a school's principals, a unit's staff) and how to reach them (name, e-mail).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from services.approvals import events as approvals
from services.documents import events as documents
from services.identity import events as identity
from services.kernel.events import Event
from services.kernel.messaging import reads
from services.signing import events as signing

from ..adapters.projections import Directory
from ..domain import model
from ..domain.model import Said
from ..domain.notices import Notice
from .dispatcher import Dispatcher

#: what every submission message reads: the book and period as people say them, and where to open it
SUBMISSION = ("book_name", "period_label", "submission_id")
SIGNING_TURN = (*SUBMISSION, "book_type", "period_key", "order", "signers", "signer_role")
FINDING = ("campaign_name", "school", "school_name", "target_label", "severity", "text", "due_on", "inspector_name",
           "notify")
MEMBERSHIP = ("membership", "person", "school", "role", "unit")


def said(event: Event, *, key: str | None = None) -> Said:
    return Said(key=key or event.id, at=event.occurred_at, school=event.tenant)


@dataclass
class NotificationHandlers:
    dispatcher: Dispatcher
    directory: Directory = field(default_factory=Directory)

    def __post_init__(self) -> None:
        self.directory.ensure_indexes()

    def _send(self, notices: Iterable[Notice]) -> int:
        """Hand notices to the dispatcher (which finds each person's addresses in the people directory)."""
        return self.dispatcher.dispatch(notices)

    # ----- identity: projections, security, roles -------------------------------------------------------
    @reads(identity.SCHOOL_ONBOARDED, "school_id", "name", "principal_id", "units")
    def school_onboarded(self, event: Event, data: identity.SchoolOnboarded) -> int:
        self.directory.school_onboarded(school=data.school_id, name=data.name, principal=data.principal_id,
                                        units=[(u.id, u.name) for u in data.units])
        return 0

    @reads(identity.MEMBERSHIP_GRANTED, *MEMBERSHIP, "district", "province")
    def membership_granted(self, event: Event, data: identity.MembershipGranted) -> int:
        self.directory.role_granted(membership=data.membership, person=data.person, role=data.role, school=data.school,
                                    district=data.district, province=data.province)
        return self._send(model.role_changed(said(event), data, granted=True,
                                             where=self.directory.school_name(data.school),
                                             unit=self.directory.unit_name(data.school, data.unit)))

    @reads(identity.MEMBERSHIP_REVOKED, *MEMBERSHIP)
    def membership_revoked(self, event: Event, data: identity.MembershipRevoked) -> int:
        self.directory.role_revoked(membership=data.membership, person=data.person, role=data.role, school=data.school)
        return self._send(model.role_changed(said(event), data, granted=False,
                                             where=self.directory.school_name(data.school),
                                             unit=self.directory.unit_name(data.school, data.unit)))

    @reads(identity.SIGNIN_NEW_DEVICE, "person", "device", "email")
    def new_device(self, event: Event, data: identity.NewDevice) -> int:
        return self._send(model.new_device(said(event), data))

    @reads(identity.CAMPAIGN_OPENED, "name", "unit_name", "schools", "head_name", "starts_at", "until")
    def campaign_opened(self, event: Event, data: identity.Campaign) -> int:
        principals = self.directory.principals(data.schools)
        names = {s: self.directory.school_name(s) for s in principals}
        return self._send(model.campaign_opened(said(event), data, principals, names))

    # ----- approvals: submissions -------------------------------------------------------------------------
    @reads(approvals.SUBMITTED, *SUBMISSION, "approvers", "submitter", "submitter_name", "resubmission")
    def submitted(self, event: Event, data: approvals.Submitted) -> int:
        teacher = data.submitter_name or self.directory.name(data.submitter)
        return self._send(model.awaiting_decision(said(event), data, teacher=teacher))

    @reads(approvals.ADVANCED, *SUBMISSION, "approvers", "submitter", "submitter_name")
    def advanced(self, event: Event, data: approvals.Advanced) -> int:
        teacher = data.submitter_name or self.directory.name(data.submitter)
        return self._send(model.awaiting_decision(said(event), data, teacher=teacher, advanced=True))

    @reads(approvals.RETURNED, *SUBMISSION, "submitter", "comment", "due_at")
    def returned(self, event: Event, data: approvals.Returned) -> int:
        return self._send(model.returned(said(event), data, by=self.directory.name(event.actor)))

    @reads(approvals.APPROVED, *SUBMISSION, "submitter")
    def approved(self, event: Event, data: approvals.Approved) -> int:
        return self._send(model.approved(said(event), data))

    @reads(approvals.SIGNING_REQUESTED, *SIGNING_TURN)
    def signing_requested(self, event: Event, data: approvals.SigningRequested) -> int:
        return self._send(model.awaiting_signature(said(event, key=model.signing_turn_key(event.occurred_at, data)),
                                                   data))

    @reads(approvals.SIGNING_ADVANCED, *SIGNING_TURN)
    def signing_advanced(self, event: Event, data: approvals.SigningAdvanced) -> int:
        return self._send(model.awaiting_signature(said(event, key=model.signing_turn_key(event.occurred_at, data)),
                                                   data))

    @reads(approvals.RECALLED, *SUBMISSION, "submitter", "reason")
    def recalled(self, event: Event, data: approvals.Recalled) -> int:
        return self._send(model.recalled(said(event), data))

    @reads(approvals.SIGNATURE_OVERDUE, "book_name", "period_label", "submission_id", "signers", "principal")
    def signature_overdue(self, event: Event, data: approvals.SignatureOverdue) -> int:
        return self._send(model.signature_overdue(said(event), data))

    # ----- approvals: corrections, reports ------------------------------------------------------------------
    @reads(approvals.CORRECTION_REQUESTED, "submission_id", "reason", "title", "witnesses")
    def correction_requested(self, event: Event, data: approvals.CorrectionRequested) -> int:
        return self._send(model.correction_requested(said(event), data, requester=self.directory.name(event.actor)))

    @reads(approvals.CORRECTION_CONSENTED, "submission_id", "title", "witnesses")
    def correction_consented(self, event: Event, data: approvals.CorrectionDecided) -> int:
        return self._send(model.correction_consented(said(event), data))

    @reads(approvals.MONTHLY_REPORT, "district_id", "province_id", "unit_name", "month_label", "link", "schools",
           "on_time_percent")
    def monthly_report(self, event: Event, data: approvals.MonthlyReport) -> int:
        staff = self.directory.staff(district=data.district_id, province=data.province_id)
        return self._send(model.monthly_report(said(event), data, staff))

    # ----- signing batches ------------------------------------------------------------------------------------
    @reads(signing.BATCH_FINISHED, "signer", "total", "signed", "failed")
    def batch_finished(self, event: Event, data: signing.BatchEnded) -> int:
        return self._send(model.batch_ended(said(event), data, failed=False))

    @reads(signing.BATCH_FAILED, "signer", "total", "reason")
    def batch_failed(self, event: Event, data: signing.BatchEnded) -> int:
        return self._send(model.batch_ended(said(event), data, failed=True))

    # ----- documents: inspection findings ---------------------------------------------------------------------
    @reads(documents.FINDING_OPENED, *FINDING)
    def finding_opened(self, event: Event, data: documents.Finding) -> int:
        return self._send(model.finding(said(event), data, change="opened"))

    @reads(documents.FINDING_ANSWERED, *FINDING)
    def finding_answered(self, event: Event, data: documents.Finding) -> int:
        return self._send(model.finding(said(event), data, change="answered"))

    @reads(documents.FINDING_CLOSED, *FINDING)
    def finding_closed(self, event: Event, data: documents.Finding) -> int:
        return self._send(model.finding(said(event), data, change="closed"))
