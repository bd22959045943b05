"""Use cases of the notifications service: each event it consumes becomes inbox entries (and e-mails)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from services.approvals import events as approvals
from services.identity import events as identity
from services.kernel.clock import Clock
from services.kernel.events import Event
from services.kernel.ids import new_id
from services.kernel.messaging import reads

from ..adapters.inbox import InboxRepository, NotificationDoc
from ..adapters.mailer import Mailer
from ..domain import model
from ..domain.model import Message

log = logging.getLogger(__name__)

SUBMISSION = ("title", "submission_id")


@dataclass
class NotificationHandlers:
    clock: Clock
    mailer: Mailer

    @reads(identity.SIGNIN_NEW_DEVICE, "person", "device", "email")
    def new_device(self, event: Event, data: identity.NewDevice) -> int:
        return self.deliver(event, model.new_device(data))

    @reads(approvals.SUBMITTED, *SUBMISSION, "approvers")
    def submitted(self, event: Event, data: approvals.Submitted) -> int:
        return self.deliver(event, model.awaiting_decision(data))

    @reads(approvals.ADVANCED, *SUBMISSION, "approvers")
    def advanced(self, event: Event, data: approvals.Advanced) -> int:
        return self.deliver(event, model.awaiting_decision(data))

    @reads(approvals.RETURNED, *SUBMISSION, "submitter", "comment")
    def returned(self, event: Event, data: approvals.Returned) -> int:
        return self.deliver(event, model.returned(data))

    @reads(approvals.APPROVED, *SUBMISSION, "submitter")
    def approved(self, event: Event, data: approvals.Approved) -> int:
        return self.deliver(event, model.approved(data))

    @reads(approvals.SIGNING_REQUESTED, *SUBMISSION, "signers")
    def signing_requested(self, event: Event, data: approvals.SigningRequested) -> int:
        return self.deliver(event, model.awaiting_signature(data))

    @reads(approvals.SIGNING_ADVANCED, *SUBMISSION, "signers")
    def signing_advanced(self, event: Event, data: approvals.SigningAdvanced) -> int:
        return self.deliver(event, model.awaiting_signature(data))

    @reads(approvals.RECALLED, *SUBMISSION, "submitter", "reason")
    def recalled(self, event: Event, data: approvals.Recalled) -> int:
        return self.deliver(event, model.recalled(data))

    @reads(approvals.OVERDUE, "title", "owner")
    def overdue(self, event: Event, data: approvals.Overdue) -> int:
        return self.deliver(event, model.overdue(data))

    @reads(approvals.SIGNATURE_OVERDUE, "title", "book_name", "period_label", "submission_id", "signers", "principal")
    def signature_overdue(self, event: Event, data: approvals.SignatureOverdue) -> int:
        return self.deliver(event, model.signature_overdue(data))

    def deliver(self, event: Event, messages: list[Message]) -> int:
        """Write each message to its recipient's inbox (once per event) and e-mail it; returns how many were new."""
        created = 0
        for msg in messages:
            doc = NotificationDoc(id=new_id(), recipient=msg.recipient, title=msg.title, body=msg.body, link=msg.link,
                                  source_event=event.id, created_at=self.clock.now())
            if not InboxRepository(recipient=msg.recipient).add(doc):
                continue
            created += 1
            if msg.email:
                self.mailer.send(to=msg.email, subject=f"[HoSo] {msg.title}", body=msg.body)
        return created
