"""The one path from a ``Notice`` to the person: the inbox first, then the push channels.

Every producer of notices (event handlers, reminders, digests, reports) hands them to
``Dispatcher.dispatch``; nothing else writes to the inbox or sends mail. A notice is
delivered once per person and key, however often it is handed over (a redelivered event,
a scheduler run repeated on another replica).
"""
from __future__ import annotations

from collections.abc import Iterable

from services.kernel.clock import Clock
from services.kernel.ids import new_id

from ..adapters.inbox import InboxRepository, NotificationDoc
from ..adapters.mailer import Mailer
from ..domain.notices import Notice


class Dispatcher:
    """Delivers notices to the in-app inbox and, where the notice carries an address, by e-mail."""

    def __init__(self, *, clock: Clock, mailer: Mailer) -> None:
        self._clock = clock
        self._mailer = mailer

    def dispatch(self, notices: Iterable[Notice]) -> int:
        """Deliver each notice that is new for its recipient; returns how many were new."""
        created = 0
        for notice in notices:
            doc = NotificationDoc(id=new_id(), recipient=notice.recipient, kind=notice.kind.value, key=notice.key,
                                  title=notice.title, body=notice.body, link=notice.link, created_at=self._clock.now())
            if not InboxRepository(recipient=notice.recipient).add(doc):
                continue
            created += 1
            email = notice.data.get("email")
            if email:
                self._mailer.send(to=email, subject=f"[HoSo] {notice.title}", body=notice.body)
        return created
