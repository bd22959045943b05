"""The topology command against the real RabbitMQ at ``AMQP_URL`` (fails when it is unreachable)."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest

from infra.topology.broker import BrokerUnavailable, open_connection, probe_broker
from infra.topology.consumers import CONSUMERS
from infra.topology.declare import plan_topology

ROOT = Path(__file__).resolve().parents[3]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra.topology", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(params=["classic", "quorum"])
def declared(request: pytest.FixtureRequest, amqp_url: str) -> Iterator[tuple[str, bool, pika.adapters.blocking_connection.BlockingChannel]]:
    """A topology declared twice through the command, under a prefix unique to this test."""
    prefix = f"test-{uuid.uuid4().hex[:8]}."
    quorum = request.param == "quorum"
    flags = [] if quorum else ["--classic"]
    first = run_cli("declare", "--url", amqp_url, "--prefix", prefix, *flags)
    assert first.returncode == 0, first.stderr
    second = run_cli("declare", "--url", amqp_url, "--prefix", prefix, *flags)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    connection = open_connection(amqp_url)
    channel = connection.channel()
    try:
        yield prefix, quorum, channel
    finally:
        plan = plan_topology(quorum=quorum, prefix=prefix)
        cleanup = connection.channel() if not channel.is_open else channel
        for queue in plan.queues:
            cleanup.queue_delete(queue.name)
        cleanup.exchange_delete(plan.events_exchange)
        cleanup.exchange_delete(plan.dead_letter_exchange)
        connection.close()


def get_one(channel, queue: str, attempts: int = 50):  # noqa: ANN001, ANN201
    """The next message of ``queue``, waiting briefly (quorum queues commit asynchronously)."""
    for _ in range(attempts):
        method, properties, body = channel.basic_get(queue)
        if method is not None:
            return method, body
        time.sleep(0.05)
    return None, None


def test_declaring_twice_keeps_every_queue_empty_and_passively_visible(declared) -> None:  # noqa: ANN001
    prefix, _, channel = declared
    for queue in plan_topology(prefix=prefix).queues:
        frame = channel.queue_declare(queue.name, passive=True)
        assert frame.method.message_count == 0


def test_an_event_lands_in_every_bound_queue_and_no_other(declared) -> None:  # noqa: ANN001
    prefix, _, channel = declared
    channel.confirm_delivery()
    channel.basic_publish(prefix + "hoso.events", "approvals.submission.recalled", b'{"id":"e1"}')
    receiving = {"approvals.progress", "signing.recalls", "notifications.inbox"}
    for entry in CONSUMERS:
        method, body = get_one(channel, prefix + entry.queue, attempts=20 if entry.queue in receiving else 4)
        if entry.queue in receiving:
            assert body == b'{"id":"e1"}', entry.queue
            channel.basic_ack(method.delivery_tag)
        else:
            assert method is None, entry.queue


def test_a_rejected_message_lands_in_the_dead_letter_queue_naming_its_source(declared) -> None:  # noqa: ANN001
    prefix, _, channel = declared
    channel.confirm_delivery()
    channel.basic_publish(prefix + "hoso.events", "documents.version.uploaded", b'{"id":"e2"}')
    method, _ = get_one(channel, prefix + "documents.renditions")
    assert method is not None
    channel.basic_reject(method.delivery_tag, requeue=False)
    dead = None
    for _ in range(50):
        dead = channel.basic_get(prefix + "hoso.dead")
        if dead[0] is not None:
            break
        time.sleep(0.05)
    method, properties, body = dead
    assert body == b'{"id":"e2"}'
    assert properties.headers["x-death"][0]["queue"] == prefix + "documents.renditions"
    assert method.routing_key == "documents.version.uploaded"
    channel.basic_ack(method.delivery_tag)
    assert get_one(channel, prefix + "documents.renditions", attempts=4)[0] is None


def test_the_readiness_probe_accepts_the_broker_and_names_an_unreachable_one(amqp_url: str) -> None:
    probe_broker(amqp_url)
    with pytest.raises(BrokerUnavailable, match="127.0.0.1:1"):
        probe_broker("amqp://guest:secret@127.0.0.1:1//", timeout=1.0)
    assert run_cli("check", "--url", amqp_url).returncode == 0
    refused = run_cli("check", "--url", "amqp://guest:secret@127.0.0.1:1//")
    assert refused.returncode == 1
    assert "secret" not in refused.stderr


@pytest.mark.parametrize("quorum", [True, False])
def test_the_kernels_kombu_consumer_redeclares_a_topology_queue_without_conflict(amqp_url: str, quorum: bool) -> None:
    import kombu

    from infra.topology.consumers import Consumer
    from services.kernel.messaging import consumer_queue

    entry = Consumer(service="test", queue=f"test-{uuid.uuid4().hex[:8]}.redeclare",
                     bindings=("test.thing.happened",), purpose="test")
    plan = plan_topology((entry,), quorum=quorum)
    connection = open_connection(amqp_url)
    try:
        channel = connection.channel()
        channel.exchange_declare(plan.events_exchange, exchange_type="topic", durable=True)
        queue = plan.queues[0]
        channel.queue_declare(queue.name, durable=True, arguments=queue.arguments)
        with kombu.Connection(amqp_url) as kombu_connection, kombu_connection.channel() as kombu_channel:
            consumer_queue(entry.queue, entry.bindings, quorum=quorum)(kombu_channel).declare()
        assert channel.queue_declare(queue.name, passive=True).method.message_count == 0
    finally:
        cleanup = connection.channel()
        cleanup.queue_delete(entry.queue)
        connection.close()
