"""Use cases of the notifications service: each event it consumes becomes notices for the dispatcher."""
from __future__ import annotations

from dataclasses import dataclass

from services.approvals import events as approvals
from services.identity import events as identity
from services.kernel.events import Event
from services.kernel.messaging import reads

from ..domain import model
from .dispatcher import Dispatcher

SUBMISSION = ("title", "submission_id")


@dataclass
class NotificationHandlers:
    dispatcher: Dispatcher

    @reads(identity.SIGNIN_NEW_DEVICE, "person", "device", "email")
    def new_device(self, event: Event, data: identity.NewDevice) -> int:
        return self.dispatcher.dispatch(model.new_device(event.id, data))

    @reads(approvals.SUBMITTED, *SUBMISSION, "approvers")
    def submitted(self, event: Event, data: approvals.Submitted) -> int:
        return self.dispatcher.dispatch(model.awaiting_decision(event.id, data))

    @reads(approvals.ADVANCED, *SUBMISSION, "approvers")
    def advanced(self, event: Event, data: approvals.Advanced) -> int:
        return self.dispatcher.dispatch(model.awaiting_decision(event.id, data))

    @reads(approvals.RETURNED, *SUBMISSION, "submitter", "comment")
    def returned(self, event: Event, data: approvals.Returned) -> int:
        return self.dispatcher.dispatch(model.returned(event.id, data))

    @reads(approvals.APPROVED, *SUBMISSION, "submitter")
    def approved(self, event: Event, data: approvals.Approved) -> int:
        return self.dispatcher.dispatch(model.approved(event.id, data))

    @reads(approvals.SIGNING_REQUESTED, *SUBMISSION, "signers")
    def signing_requested(self, event: Event, data: approvals.SigningRequested) -> int:
        return self.dispatcher.dispatch(model.awaiting_signature(event.id, data))

    @reads(approvals.SIGNING_ADVANCED, *SUBMISSION, "signers")
    def signing_advanced(self, event: Event, data: approvals.SigningAdvanced) -> int:
        return self.dispatcher.dispatch(model.awaiting_signature(event.id, data))

    @reads(approvals.RECALLED, *SUBMISSION, "submitter", "reason")
    def recalled(self, event: Event, data: approvals.Recalled) -> int:
        return self.dispatcher.dispatch(model.recalled(event.id, data))

    @reads(approvals.OVERDUE, "title", "owner")
    def overdue(self, event: Event, data: approvals.Overdue) -> int:
        return self.dispatcher.dispatch(model.overdue(event.id, data))

    @reads(approvals.SIGNATURE_OVERDUE, "title", "book_name", "period_label", "submission_id", "signers", "principal")
    def signature_overdue(self, event: Event, data: approvals.SignatureOverdue) -> int:
        return self.dispatcher.dispatch(model.signature_overdue(event.id, data))
