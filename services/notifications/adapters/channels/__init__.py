"""The channel port: every way of reaching a person behind one small protocol.

A channel sends one notice to one address (an e-mail address, a phone, a webhook
subscription id) and either returns or raises :class:`DeliveryFailed`, saying whether trying
again could help. Retries, backoff, quiet hours and idempotency belong to the dispatcher and
the delivery records, never to a channel.
"""
from __future__ import annotations

from typing import Protocol

from ...domain.notices import Notice


class DeliveryFailed(Exception):
    """The channel could not deliver: ``reason`` in Vietnamese for the admin's dead-letter page.

    ``permanent``: trying again cannot help. ``bad_address``: the address itself is unusable
    (malformed, refused by the recipient's server), to be shown to the person.
    """

    def __init__(self, reason: str, *, permanent: bool, bad_address: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent or bad_address
        self.bad_address = bad_address


class Channel(Protocol):
    """One way of reaching people."""

    name: str

    def send(self, notice: Notice, address: str) -> None:
        """Deliver ``notice`` to ``address`` or raise :class:`DeliveryFailed`."""


def absolute(base_url: str, link: str | None) -> str:
    """The web app's address of ``link`` (a path such as ``/bai-nop/s1``), for messages read outside it."""
    base = base_url.rstrip("/")
    if not link:
        return base + "/thong-bao"
    return link if link.startswith(("http://", "https://")) else base + "/" + link.lstrip("/")
