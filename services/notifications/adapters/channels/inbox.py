"""The in-app inbox as a channel: always on, written synchronously when a notice is dispatched."""
from __future__ import annotations

from services.kernel.clock import Clock
from services.kernel.ids import new_id

from ...domain.notices import Notice
from ..inbox import InboxRepository, NotificationDoc


class InboxChannel:
    """Stores the notice in the person's inbox; storing it again is a no-op (unique per person and key)."""

    name = "inbox"

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def send(self, notice: Notice, address: str) -> None:
        doc = NotificationDoc(id=new_id(), recipient=address, kind=notice.kind.value, key=notice.key, school=notice.school,
                              title=notice.title, body=notice.body, link=notice.link, created_at=self._clock.now())
        InboxRepository(recipient=address).add(doc)
