"""Use cases of the notifications service."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from services.kernel.clock import Clock
from services.kernel.events import Event
from services.kernel.ids import new_id

from ..adapters.inbox import InboxRepository, NotificationDoc
from ..adapters.mailer import Mailer
from ..domain.model import messages_for

log = logging.getLogger(__name__)


@dataclass
class NotificationHandlers:
    clock: Clock
    mailer: Mailer

    def on_event(self, event: Event) -> int:
        """Turn one event into inbox entries (and e-mails); returns how many were new."""
        created = 0
        for msg in messages_for(event.type, event.data):
            doc = NotificationDoc(
                id=new_id(),
                recipient=msg.recipient,
                title=msg.title,
                body=msg.body,
                link=msg.link,
                source_event=event.id,
                created_at=self.clock.now(),
            )
            if not InboxRepository(recipient=msg.recipient).add(doc):
                continue
            created += 1
            if msg.email:
                self.mailer.send(to=msg.email, subject=f"[HoSo] {msg.title}", body=msg.body)
        return created
