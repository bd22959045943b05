"""What the notifications service hands to its channels: one notice for one person, of one kind.

Every path that tells someone something (an event's handler, a reminder or escalation, a digest,
a monthly report) builds ``Notice`` values and gives them to the dispatcher, which applies the
person's channel choices, quiet hours and idempotency. ``key`` makes a notice happen once: the
same key for the same person is delivered once per channel, however often it is handed over.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Kind(str, enum.Enum):
    """Kinds of message a person may route to channels on their settings page."""

    SUBMISSION_WAITING = "submission_waiting"
    RETURNED = "returned"
    APPROVED = "approved"
    SIGNING_TURN = "signing_turn"
    BATCH_DONE = "batch_done"
    CORRECTION_WITNESS = "correction_witness"
    RECALLED = "recalled"
    INSPECTION = "inspection"
    FINDING = "finding"
    REMINDER = "reminder"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    DIGEST = "digest"
    REPORT = "report"
    SECURITY = "security"
    ROLE = "role"

    @property
    def mutable(self) -> bool:
        """Security and overdue messages cannot be muted: they always reach the inbox and e-mail."""
        return self not in {Kind.SECURITY, Kind.OVERDUE, Kind.ESCALATION}


@dataclass(frozen=True)
class Notice:
    """One message for one person: Vietnamese title and body, a link into the web app."""

    key: str
    recipient: str
    kind: Kind
    title: str
    body: str
    link: str | None = None
    #: when it may go out at the earliest (None: now); quiet hours may hold it further
    not_before: datetime | None = None
    school: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
