"""Every event consumer of HoSo, its queue and the routing-key patterns it is bound with.

This is data: the topology command declares one queue per entry, and the services'
consumers read their queue names (and the queue arguments, so a kombu declaration matches
the pika one exactly) from here. Routing keys are ``<service>.<aggregate>.<event>``;
patterns use AMQP topic syntax (``*`` one word, ``#`` zero or more words).
"""
from __future__ import annotations

from dataclasses import dataclass

EVENTS_EXCHANGE = "hoso.events"
"""Topic exchange every service publishes its domain events to."""

DEAD_LETTER_EXCHANGE = "hoso.dlx"
"""Direct exchange receiving rejected or expired messages, routed by the source queue name."""


@dataclass(frozen=True)
class Consumer:
    """One consumer: the service that runs it, its queue name and what it listens to."""

    service: str
    queue: str
    bindings: tuple[str, ...]
    purpose: str

    @property
    def dead_letter_queue(self) -> str:
        """Queue holding this consumer's dead-lettered messages."""
        return f"{self.queue}.dead"


CONSUMERS: tuple[Consumer, ...] = (
    Consumer(
        service="documents",
        queue="documents.renditions",
        bindings=("documents.version.uploaded",),
        purpose="Render an uploaded office file to PDF.",
    ),
    Consumer(
        service="documents",
        queue="documents.directory",
        bindings=("identity.school.*",),
        purpose="Keep the schools known to documents in step with identity.",
    ),
    Consumer(
        service="approvals",
        queue="approvals.progress",
        bindings=("approvals.submission.*",),
        purpose="Advance submissions through their approval steps.",
    ),
    Consumer(
        service="approvals",
        queue="approvals.directory",
        bindings=("identity.#",),
        purpose="Keep the organisation tree and roles known to approvals in step with identity.",
    ),
    Consumer(
        service="signing",
        queue="signing.recalls",
        bindings=("approvals.submission.recalled",),
        purpose="Revoke signatures of a recalled submission.",
    ),
    Consumer(
        service="notifications",
        queue="notifications.events",
        bindings=("#",),
        purpose="Turn any event into inbox entries, e-mails and webhooks.",
    ),
)


def consumer(queue: str) -> Consumer:
    """The consumer owning ``queue``; raises ``KeyError`` naming it when there is none."""
    for entry in CONSUMERS:
        if entry.queue == queue:
            return entry
    raise KeyError(f"no consumer owns the queue {queue!r}")


def consumers_of(service: str) -> tuple[Consumer, ...]:
    """The consumers a service runs (possibly none)."""
    return tuple(entry for entry in CONSUMERS if entry.service == service)


def queue_arguments(entry: Consumer, *, quorum: bool = True, prefix: str = "") -> dict[str, str]:
    """Arguments of the consumer's queue: its dead-lettering and, in production, the quorum type.

    A queue must be declared with the same arguments everywhere (RabbitMQ refuses a
    redeclaration that differs), so kombu consumers build their ``Queue`` from this too.
    """
    arguments = {
        "x-dead-letter-exchange": prefix + DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": prefix + entry.queue,
    }
    if quorum:
        arguments["x-queue-type"] = "quorum"
    return arguments


def topic_matches(pattern: str, routing_key: str) -> bool:
    """Whether an AMQP topic ``pattern`` matches ``routing_key`` (as RabbitMQ decides it)."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[skip:]) for skip in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])


def consumers_receiving(routing_key: str) -> tuple[Consumer, ...]:
    """The consumers whose queue gets an event published with ``routing_key``."""
    return tuple(
        entry for entry in CONSUMERS if any(topic_matches(p, routing_key) for p in entry.bindings)
    )
