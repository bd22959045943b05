"""Every event consumer of HoSo, its queue and the routing-key patterns it is bound with.

This is data: the topology command declares one queue per entry. Each service's consumer
declares the same queue through kombu (``services.kernel.messaging.consumer_queue``), so the
queue arguments are taken from there: RabbitMQ refuses a redeclaration that differs. A unit
test checks that every worker a service runs is listed here with the same name and bindings.
Routing keys are ``<service>.<aggregate>.<event>``; each binding names one declared event type
exactly (the handler tables of the services; no wildcards), though the matcher below still
understands AMQP topic syntax (``*`` one word, ``#`` zero or more words).
"""
from __future__ import annotations

from dataclasses import dataclass

from services.kernel.events import DEAD_LETTER_EXCHANGE, EXCHANGE as EVENTS_EXCHANGE
from services.kernel.messaging import consumer_queue

DEAD_LETTER_QUEUE = "hoso.dead"
"""The one queue holding every dead-lettered message; its ``x-death`` header names the source queue."""


@dataclass(frozen=True)
class Consumer:
    """One consumer: the service that runs it, its queue name and what it listens to."""

    service: str
    queue: str
    bindings: tuple[str, ...]
    purpose: str


CONSUMERS: tuple[Consumer, ...] = (
    Consumer(
        service="documents",
        queue="documents.onboarding",
        bindings=("identity.school.onboarded",),
        purpose="Create a newly onboarded school's book catalog and folders.",
    ),
    Consumer(
        service="documents",
        queue="documents.renditions",
        bindings=("documents.version.uploaded",),
        purpose="Render an uploaded office file to PDF.",
    ),
    Consumer(
        service="documents",
        queue="documents.similarity",
        bindings=("documents.version.uploaded",),
        purpose="Keep the MinHash signature of a stored lesson plan for the near-duplicate finding list.",
    ),
    Consumer(
        service="documents",
        queue="documents.exports",
        bindings=("documents.export.requested",),
        purpose="Build a requested export archive in the background.",
    ),
    Consumer(
        service="documents",
        queue="documents.approvals",
        bindings=("approvals.submission.approved",),
        purpose="Make the approved version of a document write-once.",
    ),
    Consumer(
        service="documents",
        queue="documents.calendar",
        bindings=("approvals.calendar.published",),
        purpose="Keep each district's teaching weeks (approvals' frame) for folders, addresses and exports.",
    ),
    Consumer(
        service="documents",
        queue="documents.campaigns",
        bindings=("identity.campaign.opened", "identity.campaign.changed", "identity.campaign.closed"),
        purpose="Know each inspection campaign's team and end, so a closed campaign or a removed member reads nothing at once.",
    ),
    Consumer(
        service="approvals",
        queue="approvals.identity",
        bindings=("identity.school.onboarded", "identity.district.onboarded", "identity.membership.granted",
                  "identity.membership.revoked"),
        purpose="Keep schools, oversight units (their names for dashboards) and role holders known to approvals in step "
                "with identity.",
    ),
    Consumer(
        service="approvals",
        queue="approvals.campaigns",
        bindings=("identity.campaign.opened", "identity.campaign.changed", "identity.campaign.closed"),
        purpose="Know each inspection campaign's team and end, so a closed campaign or a removed member reads nothing at once.",
    ),
    Consumer(
        service="approvals",
        queue="approvals.catalog",
        bindings=("documents.catalog.changed",),
        purpose="Recompute the obligations of the schools a changed catalog template applies to.",
    ),
    Consumer(
        service="approvals",
        queue="approvals.progress",
        bindings=("approvals.submission.submitted", "approvals.submission.advanced", "approvals.submission.withdrawn",
                  "approvals.submission.returned", "approvals.submission.commented", "approvals.submission.approved",
                  "approvals.submission.signing_requested", "approvals.submission.signing_advanced",
                  "approvals.submission.signed", "approvals.submission.issued", "approvals.submission.recalled",
                  "approvals.submission.corrected", "approvals.submission.overdue", "approvals.signature.overdue",
                  "approvals.obligations.recomputed"),
        purpose="Advance submissions and obligations through their steps.",
    ),
    Consumer(
        service="signing",
        queue="signing.recalls",
        bindings=("approvals.submission.recalled",),
        purpose="Mark the signed documents of a recalled submission as recalled.",
    ),
    Consumer(
        service="notifications",
        queue="notifications.inbox",
        bindings=("identity.school.onboarded", "identity.membership.granted",
                  "identity.membership.revoked", "identity.signin.new_device", "identity.campaign.opened",
                  "approvals.submission.submitted", "approvals.submission.advanced",
                  "approvals.submission.returned", "approvals.submission.approved",
                  "approvals.submission.signing_requested", "approvals.submission.signing_advanced",
                  "approvals.submission.recalled", "approvals.signature.overdue",
                  "approvals.correction.requested", "approvals.correction.consented", "approvals.report.monthly",
                  "signing.batch.finished", "signing.batch.failed", "documents.finding.opened",
                  "documents.finding.answered", "documents.finding.closed"),
        purpose="Turn events people must know about into inbox entries and e-mails.",
    ),
    Consumer(
        service="notifications",
        queue="notifications.people",
        bindings=("identity.person.created", "identity.person.deactivated", "identity.person.reactivated",
                  "identity.school.onboarded"),
        purpose="Keep who is who for notifications: names, e-mail addresses, schools and their districts.",
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
    """Arguments of the consumer's queue, exactly as the kernel's kombu consumer declares them.

    ``prefix`` renames the dead-letter exchange along with every other name (tests).
    """
    arguments = dict(consumer_queue(entry.queue, entry.bindings, quorum=quorum).queue_arguments or {})
    arguments["x-dead-letter-exchange"] = prefix + arguments["x-dead-letter-exchange"]
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
