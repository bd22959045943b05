"""Declare the topology idempotently: the same command run twice leaves the broker unchanged.

RabbitMQ treats a declaration identical to the existing entity as a no-op and refuses one
that differs (``PRECONDITION_FAILED``), so every name and argument comes from one plan
built from :mod:`infra.topology.consumers`.
"""
from __future__ import annotations

from dataclasses import dataclass

from pika.adapters.blocking_connection import BlockingChannel

from infra.topology.broker import open_connection
from infra.topology.consumers import (
    CONSUMERS,
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    EVENTS_EXCHANGE,
    Consumer,
    queue_arguments,
)


@dataclass(frozen=True)
class QueueSpec:
    """A queue to declare and the exchange bindings it gets."""

    name: str
    arguments: dict[str, str]
    exchange: str
    routing_keys: tuple[str, ...]


@dataclass(frozen=True)
class TopologyPlan:
    """Everything the command declares, in order."""

    events_exchange: str
    dead_letter_exchange: str
    queues: tuple[QueueSpec, ...]


def plan_topology(
    consumers: tuple[Consumer, ...] = CONSUMERS, *, quorum: bool = True, prefix: str = ""
) -> TopologyPlan:
    """The declarations for ``consumers``.

    Each consumer gets its queue bound to the events exchange by its patterns and
    dead-lettering to the dead-letter exchange (topic), where one queue bound by ``#``
    collects every dead letter; RabbitMQ's ``x-death`` header tells which queue it left.
    ``prefix`` namespaces every name, for sharing one virtual host between test runs.
    """
    queues = [
        QueueSpec(
            name=prefix + entry.queue,
            arguments=queue_arguments(entry, quorum=quorum, prefix=prefix),
            exchange=prefix + EVENTS_EXCHANGE,
            routing_keys=entry.bindings,
        )
        for entry in consumers
    ]
    queues.append(
        QueueSpec(
            name=prefix + DEAD_LETTER_QUEUE,
            arguments={"x-queue-type": "quorum"} if quorum else {},
            exchange=prefix + DEAD_LETTER_EXCHANGE,
            routing_keys=("#",),
        )
    )
    return TopologyPlan(
        events_exchange=prefix + EVENTS_EXCHANGE,
        dead_letter_exchange=prefix + DEAD_LETTER_EXCHANGE,
        queues=tuple(queues),
    )


def apply_plan(channel: BlockingChannel, plan: TopologyPlan) -> None:
    """Declare the exchanges, queues and bindings of ``plan`` on ``channel`` (all durable)."""
    channel.exchange_declare(plan.events_exchange, exchange_type="topic", durable=True)
    channel.exchange_declare(plan.dead_letter_exchange, exchange_type="topic", durable=True)
    for queue in plan.queues:
        channel.queue_declare(queue.name, durable=True, arguments=queue.arguments)
        for routing_key in queue.routing_keys:
            channel.queue_bind(queue.name, queue.exchange, routing_key=routing_key)


def declare_topology(url: str, *, quorum: bool = True, prefix: str = "") -> TopologyPlan:
    """Connect to ``url``, declare the whole topology and return what was declared."""
    plan = plan_topology(quorum=quorum, prefix=prefix)
    connection = open_connection(url)
    try:
        apply_plan(connection.channel(), plan)
    finally:
        if connection.is_open:
            connection.close()
    return plan
