"""Command line: ``python -m infra.topology {declare,check} --url AMQP_URL``."""
from __future__ import annotations

import argparse
import os
import sys

import pika.exceptions

from infra.topology.broker import BrokerUnavailable, probe_broker
from infra.topology.declare import declare_topology


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.topology", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    declare = commands.add_parser("declare", help="declare exchanges, queues and bindings (idempotent)")
    check = commands.add_parser("check", help="exit 0 when the broker accepts a connection")
    for sub in (declare, check):
        sub.add_argument("--url", default=os.environ.get("AMQP_URL"), help="broker URL (default: $AMQP_URL)")
    declare.add_argument(
        "--classic",
        action="store_true",
        help="classic queues instead of quorum queues (tests and single-node development only)",
    )
    declare.add_argument("--prefix", default="", help="prefix for every name (sharing a vhost in tests)")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("--url or AMQP_URL is required")
    try:
        if args.command == "check":
            probe_broker(args.url)
            print("broker ready")
            return 0
        plan = declare_topology(args.url, quorum=not args.classic, prefix=args.prefix)
    except BrokerUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except pika.exceptions.ChannelClosedByBroker as exc:
        print(f"error: the broker refused a declaration: {exc.reply_text}", file=sys.stderr)
        return 1
    kind = "classic" if args.classic else "quorum"
    print(f"declared exchanges {plan.events_exchange} (topic) and {plan.dead_letter_exchange} (topic)")
    for queue in plan.queues:
        print(f"declared {kind} queue {queue.name} <- {queue.exchange} {', '.join(queue.routing_keys)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
