"""The reminder job: from approvals' open obligations to reminders, overdue notices and escalations.

``ReminderJob.remind_due()`` runs every ``reminder_interval_seconds``: it pulls the obligations
due in the window around now (every page of approvals' due feed), takes the stages whose time
has come (``domain.reminder_stages.come``), skips those already told (one read per page),
groups a person's many into one message (``digests.group``), dispatches, and records the stages.
Running twice, or on two replicas at once, tells nobody twice: the stage keys are recorded, and
the dispatcher keeps one message per (person, key).

This job is the one owner of the overdue message to the obligation's owner (stage ``due`` at
the deadline, ``overdue`` a day later); approvals' ``approvals.submission.overdue`` event still
feeds progress.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from services.kernel.clock import Clock

from ..adapters.approvals_client import ApprovalsPort
from ..adapters.reminder_records import SentRow, SentStages
from ..domain import reminder_stages as stages
from ..domain.notices import Notice
from .digests import group
from .dispatcher import Dispatcher


class ReminderJob:
    """Reminders, overdue notices and escalations of every school, on each school's policy."""

    def __init__(self, *, clock: Clock, approvals: ApprovalsPort, dispatcher: Dispatcher, sent: SentStages,
                 window_days: int = 15, threshold: int = 5) -> None:
        self.clock = clock
        self.approvals = approvals
        self.dispatcher = dispatcher
        self.sent = sent
        self.window = timedelta(days=window_days)
        self.threshold = threshold

    def remind_due(self, now: datetime | None = None) -> dict[str, int]:
        """One run; how many stages came, and how many messages were new for their recipients."""
        now = now or self.clock.now()
        notices: list[Notice] = []
        rows: list[SentRow] = []
        for page in self.approvals.due(now - self.window, now + self.window):
            obligations = [stages.DueObligation.from_data(d) for d in page]
            told = self.sent.latest(o.id for o in obligations)
            for o in obligations:
                for s in stages.come(o, now):
                    last = told.get((o.id, o.due_at, s.audience))
                    if last is not None and s.at <= last:
                        continue  # told already (this stage, or a later one before a renumbering)
                    notices += stages.notices(o, s, now)
                    rows.append(SentRow(stages.key(o, s.stage), o.id, s.stage, o.due_at, s.audience, s.at))
        dispatched = self.dispatcher.dispatch(group(notices, threshold=self.threshold, now=now))
        self.sent.record(rows, now)
        self.sent.forget_before(now - 4 * self.window)  # long after the feed stops listing their due time
        return {"stages": len(rows), "dispatched": dispatched}
