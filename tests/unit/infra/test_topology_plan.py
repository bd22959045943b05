"""The topology plan: what each consumer receives and how dead letters are kept apart."""
from __future__ import annotations

from infra.topology.consumers import (
    CONSUMERS,
    consumer,
    consumers_of,
    consumers_receiving,
    queue_arguments,
    topic_matches,
)
from infra.topology.declare import plan_topology
from services.kernel.messaging import consumer_queue


def test_topic_patterns_match_like_rabbitmq() -> None:
    assert topic_matches("#", "identity.user.created")
    assert topic_matches("identity.#", "identity.user.role.granted")
    assert topic_matches("identity.#", "identity")
    assert topic_matches("identity.school.*", "identity.school.renamed")
    assert not topic_matches("identity.school.*", "identity.school.a.b")
    assert not topic_matches("approvals.submission.*", "approvals.decision.made")


def test_each_event_reaches_the_consumers_that_need_it() -> None:
    queues = lambda key: sorted(c.queue for c in consumers_receiving(key))  # noqa: E731
    assert queues("documents.version.uploaded") == ["documents.renditions", "documents.similarity"]
    assert queues("identity.membership.granted") == ["approvals.identity", "notifications.inbox"]
    assert queues("approvals.submission.recalled") == [
        "approvals.progress",
        "notifications.inbox",
        "signing.recalls",
    ]
    assert queues("identity.school.onboarded") == ["approvals.identity", "documents.onboarding", "notifications.inbox",
                                                   "notifications.people"]
    assert queues("identity.person.created") == ["notifications.people"]
    assert queues("identity.campaign.opened") == ["approvals.campaigns", "documents.campaigns", "notifications.inbox"]
    for told in ("documents.finding.opened", "documents.finding.answered",
                 "documents.finding.closed", "approvals.report.monthly", "approvals.correction.requested",
                 "approvals.correction.consented", "signing.batch.finished", "signing.batch.failed"):
        assert queues(told) == ["notifications.inbox"], told


def test_queue_names_are_unique_and_looked_up_by_service() -> None:
    names = [c.queue for c in CONSUMERS]
    assert len(names) == len(set(names))
    assert {c.queue for c in consumers_of("documents")} == {
        "documents.onboarding", "documents.renditions", "documents.similarity", "documents.exports", "documents.approvals",
        "documents.calendar", "documents.campaigns"}
    assert consumer("signing.recalls").service == "signing"


def test_production_queues_are_quorum_and_dead_letter_into_one_queue() -> None:
    plan = plan_topology()
    by_name = {q.name: q for q in plan.queues}
    for entry in CONSUMERS:
        queue = by_name[entry.queue]
        assert queue.arguments == {"x-dead-letter-exchange": "hoso.dlx", "x-queue-type": "quorum"}
        assert queue.exchange == "hoso.events"
        assert queue.routing_keys == entry.bindings
    dead = by_name["hoso.dead"]
    assert (dead.exchange, dead.routing_keys, dead.arguments) == ("hoso.dlx", ("#",), {"x-queue-type": "quorum"})


def test_queue_arguments_are_what_the_kernels_kombu_consumer_declares() -> None:
    for entry in CONSUMERS:
        for quorum in (True, False):
            kombu_queue = consumer_queue(entry.queue, entry.bindings, quorum=quorum)
            assert queue_arguments(entry, quorum=quorum) == kombu_queue.queue_arguments


def test_classic_flag_and_prefix_change_only_type_and_names() -> None:
    plan = plan_topology(quorum=False, prefix="ci.")
    assert plan.events_exchange == "ci.hoso.events"
    assert plan.dead_letter_exchange == "ci.hoso.dlx"
    assert all("x-queue-type" not in q.arguments for q in plan.queues)
    assert all(q.name.startswith("ci.") for q in plan.queues)
    entry = consumer("documents.renditions")
    assert queue_arguments(entry, quorum=False, prefix="ci.") == {"x-dead-letter-exchange": "ci.hoso.dlx"}
