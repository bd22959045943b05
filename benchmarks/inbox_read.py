"""Reading one's inbox under concurrent load: ``GET /api/v1/inbox`` p95 through HTTP, against the kernel's bare route.

Starts two servers under gunicorn (one gthread worker each, as ``python -m infra.production``
runs a service): the notifications service as ``create_app()`` builds it, its inbox seeded in the
worker with ``--people`` people of ``--per-person`` notifications each; and the kernel shell with
one trivial authenticated JSON route (``benchmarks.gateway_overhead``'s service). A threaded
keep-alive loader sends, in alternating runs, the same person's ``GET /api/v1/inbox`` (first page
of 20 and the unread count) and the bare route, and prints requests/s, p50, p95 and p99 of each
and the median ratio of the pairs' throughputs.

The inbox lives in mongomock inside the worker (as in every test here): it scans every document
per query, so the figures hold for this seed size only; the request makes two queries (the page,
by the ``(recipient, -id)`` index, and the unread count), whatever the inbox's size on MongoDB.

    python -m benchmarks inbox_read [--requests 1500] [--rounds 4] [--concurrency 8]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from benchmarks.gateway_overhead import PATH as BARE_PATH
from benchmarks.gateway_overhead import free_port, load, service_app, wait_ready

ROOT = Path(__file__).resolve().parents[1]
INBOX_PATH = "/api/v1/inbox"
READER = "bench-reader"


def notifications_app(jwks_file: str, issuer: str, people: int, per_person: int) -> Any:
    """The notifications service with a seeded inbox (built inside the gunicorn worker: nothing before the fork)."""
    from services.kernel.ids import new_id
    from services.kernel.tokens import StaticKeySource, TokenVerifier
    from services.notifications.adapters.inbox import NotificationDoc
    from services.notifications.bootstrap import bootstrap
    from services.notifications.entrypoints.app import create_app

    jwks = json.loads(Path(jwks_file).read_text())
    verifier = TokenVerifier(keys=StaticKeySource(jwks=jwks), issuer=issuer, audience="hoso-documents")
    container = bootstrap({"mode": "test", "log_json": False, "mail_outbox_dir": tempfile.mkdtemp()}, environ={},
                          verifier=verifier)
    start = datetime(2025, 9, 8, tzinfo=timezone.utc)
    docs = []
    for p in range(people):
        person = READER if p == 0 else f"bench-{p}"
        for n in range(per_person):
            docs.append({"_id": new_id(), "recipient": person, "kind": "approved", "key": f"k-{n}",
                         "title": "Hồ sơ đã được duyệt: Kế hoạch bài dạy",
                         "body": f"Kế hoạch bài dạy tuần {n % 35 + 1}, từ 08/09 đã được duyệt.",
                         "link": f"/bai-nop/s-{p}-{n}", "created_at": start + timedelta(minutes=n),
                         **({"read_at": start} if n % 3 else {})})
    NotificationDoc._get_collection().insert_many(docs)
    return create_app(container=container)


def serve(kind: str, port: int, jwks_file: str, issuer: str, threads: int, people: int, per_person: int) -> None:
    from infra.production import GUNICORN_DEFAULTS, GunicornApplication

    def build() -> Any:
        if kind == "inbox":
            return notifications_app(jwks_file, issuer, people, per_person)
        return service_app(jwks_file, issuer)

    options = {**GUNICORN_DEFAULTS, "bind": [f"127.0.0.1:{port}"], "workers": 1, "threads": threads,
               "loglevel": "warning"}
    sys.argv = [sys.argv[0]]  # gunicorn must not read the benchmark's arguments
    GunicornApplication(build, options).run()


def percentiles(runs: list[dict[str, Any]]) -> dict[str, float]:
    samples = sorted(x for run in runs for x in run["samples"])

    def at(q: float) -> float:
        return samples[min(len(samples) - 1, int(len(samples) * q))] * 1000

    return {"rps": statistics.median(run["rps"] for run in runs), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99),
            "errors": sum(run["errors"] for run in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1500, help="per measured run (default 1500)")
    parser.add_argument("--concurrency", type=int, default=8, help="loader connections (default 8)")
    parser.add_argument("--seconds", type=float, default=15.0, help="cap per measured run (default 15)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating inbox/bare pairs (default 4)")
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per server (default 4)")
    parser.add_argument("--people", type=int, default=20, help="people with an inbox (default 20)")
    parser.add_argument("--per-person", type=int, default=200, help="notifications each (default 200)")
    parser.add_argument("--serve", choices=["inbox", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--jwks", help=argparse.SUPPRESS)
    parser.add_argument("--issuer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.jwks, args.issuer, args.threads, args.people, args.per_person)
        return

    from services.kernel.testing import TokenFactory

    tokens = TokenFactory()
    token = tokens.issue(READER, tenant="th-hoa-phong", district="pgd-hoa-vang", roles=["giao_vien"], ttl=3600)
    headers = {"Authorization": f"Bearer {token}"}
    ports = {"inbox": free_port(), "bare": free_port()}
    paths = {"inbox": INBOX_PATH, "bare": BARE_PATH}
    runs: dict[str, list[dict[str, Any]]] = {"inbox": [], "bare": []}
    with tempfile.TemporaryDirectory() as tmp:
        jwks_file = os.path.join(tmp, "jwks.json")
        Path(jwks_file).write_text(json.dumps(tokens.jwks()))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HOSO_", "GUNICORN_", "WEB_CONCURRENCY"))}
        children = [subprocess.Popen(
            [sys.executable, "-m", "benchmarks.inbox_read", "--serve", kind, "--port", str(ports[kind]),
             "--jwks", jwks_file, "--issuer", tokens.issuer, "--threads", str(args.threads),
             "--people", str(args.people), "--per-person", str(args.per_person)], cwd=ROOT, env=env)
            for kind in ("inbox", "bare")]
        try:
            for kind in ("inbox", "bare"):
                wait_ready(ports[kind], paths[kind], headers, deadline=60.0)
                load(ports[kind], paths[kind], headers, requests=min(300, args.requests),
                     concurrency=args.concurrency, seconds=5)
            for _ in range(args.rounds):
                for kind in ("inbox", "bare"):
                    runs[kind].append(load(ports[kind], paths[kind], headers, requests=args.requests,
                                           concurrency=args.concurrency, seconds=args.seconds))
        finally:
            stop(children)
    report(args, runs)


def stop(children: list[subprocess.Popen]) -> None:
    """Ask every server to stop, then wait for each (killing one that lingers past gunicorn's grace)."""
    for child in children:
        child.terminate()
    for child in children:
        try:
            child.wait(timeout=45)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def report(args: argparse.Namespace, runs: dict[str, list[dict[str, Any]]]) -> None:
    results = {kind: percentiles(r) for kind, r in runs.items()}
    ratios = [i["rps"] / b["rps"] for i, b in zip(runs["inbox"], runs["bare"])]
    print(f"inbox read: GET {INBOX_PATH} (page of 20 + unread count) of one of {args.people} people with "
          f"{args.per_person} notifications each, {args.concurrency} keep-alive connections, {args.rounds} "
          f"alternating runs of {args.requests} requests; 1 gunicorn worker x {args.threads} threads each")
    print(f"{'':8}{'requests/s':>12}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    print("\n".join(f"{kind:8}{r['rps']:12.0f}{r['p50']:9.2f}{r['p95']:9.2f}{r['p99']:9.2f}{r['errors']:8.0f}"
                    for kind, r in results.items()))
    print(f"ratio inbox/bare throughput: {statistics.median(ratios):.3f} (each pair: "
          f"{', '.join(f'{r:.2f}' for r in ratios)}); p95 inbox {results['inbox']['p95']:.1f} ms")
    print(f"note: {os.cpu_count()} cores shared by the loader and both servers; the inbox is mongomock "
          f"({args.people * args.per_person} documents, scanned per query), 2 queries per request.")


if __name__ == "__main__":
    main()
