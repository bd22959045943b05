"""Seed the demo district into a running production deployment, one service at a time.

The all-in-one mode seeds in-process on each service's container; in production every service
runs in its own processes, so the seed is a one-shot process run with that service's production
environment (the same ``MONGO_URI``, ``AMQP_URL``, object store and keys as its web processes):
it validates the settings, bootstraps the service and calls ``services.<svc>.entrypoints.demo.seed_demo``.
Events the seed records wait in the service's outbox until its relay publishes them. Run it for
identity, documents, approvals and signing, in that order, after the web processes answer
``/readyz`` and before the consumers start (a seed never races a consumer over the same records).
Seeding twice changes nothing.

    python -m infra.seed_demo --service identity
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys

from infra.production import SERVICES, settings_class
from services.kernel.settings import SettingsError, load_settings

SEEDED = tuple(s for s in SERVICES if importlib.util.find_spec(f"services.{s}.entrypoints.demo") is not None)
"""Services with a demo seed, in the order they must run (later seeds refer to earlier records)."""


def seed(service: str) -> None:
    """Bootstrap ``service`` from the environment and seed its share of the demo district."""
    container = importlib.import_module(f"services.{service}.bootstrap").bootstrap()
    importlib.import_module(f"services.{service}.entrypoints.demo").seed_demo(container)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.seed_demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", required=True, choices=SEEDED)
    args = parser.parse_args(argv)
    try:
        load_settings(settings_class(args.service), os.environ)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seed(args.service)
    print(f"seeded the demo district into {args.service}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
