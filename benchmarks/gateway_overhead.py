"""Gateway overhead: a small authenticated JSON call straight to a service versus through the gateway.

Starts a minimal service built with the kernel's ``make_service_app`` (request ids, token
verification, metrics, problem+json: the shell every service has) and the gateway, each
under gunicorn with one gthread worker on a loopback port, as ``python -m infra.production``
runs them. A threaded ``http.client`` keep-alive loader then sends the same ``GET`` with a
bearer token to each, in alternating runs (so a change in the machine's load hits both), and
prints requests/s, p50 and p99 for both, the throughput ratio of each pair and their median,
and the CPU time each server process spent per request through the gateway.

    python -m benchmarks.gateway_overhead [--requests 2000] [--rounds 6] [--concurrency 8]

The target is a ratio of at least 0.70. On this 2-core machine the loader, the gateway and
the service share the cores, so the gateway run also pays for a third busy process.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PATH = "/api/v1/ping"


# -- the two servers (run as child processes) -----------------------------------------------


def service_app(jwks_file: str, issuer: str) -> Any:
    from flask import Blueprint
    from pydantic import BaseModel

    from services.kernel.api import Api
    from services.kernel.context import current_principal
    from services.kernel.tokens import StaticKeySource, TokenVerifier
    from services.kernel.web import make_service_app

    class Pong(BaseModel):
        ok: bool
        sub: str
        tenant: str | None

    api = Api(title="bench")
    blueprint = Blueprint("bench", __name__)

    @api.route(blueprint, PATH, response=Pong)
    def ping() -> Pong:
        principal = current_principal()
        return Pong(ok=True, sub=principal.sub, tenant=principal.tenant)

    jwks = json.loads(Path(jwks_file).read_text())
    verifier = TokenVerifier(keys=StaticKeySource(jwks=jwks), issuer=issuer, audience="hoso-documents")
    return make_service_app(name="bench", verifier=verifier, api=api, blueprints=[blueprint])


def gateway_app(jwks_file: str, issuer: str, upstream: str) -> Any:
    from gateway.app import create_app
    from services.kernel.tokens import StaticKeySource, TokenVerifier

    jwks = json.loads(Path(jwks_file).read_text())
    verifier = TokenVerifier(keys=StaticKeySource(jwks=jwks), issuer=issuer, audience="hoso-documents")
    config = {f"{s}_url": upstream for s in ("identity", "documents", "approvals", "signing", "notifications")}
    # limits far above the load: the buckets still run on every request, they just never say no
    config.update(mode="production", jwt_issuer=issuer, user_rate=1e9, user_burst=10**9, ip_rate=1e9, ip_burst=10**9)
    return create_app(config, verifier=verifier)


def serve(kind: str, port: int, jwks_file: str, issuer: str, upstream: str, threads: int) -> None:
    from infra.production import GUNICORN_DEFAULTS, GunicornApplication

    def load() -> Any:
        if kind == "service":
            return service_app(jwks_file, issuer)
        return gateway_app(jwks_file, issuer, upstream)

    options = {**GUNICORN_DEFAULTS, "bind": [f"127.0.0.1:{port}"], "workers": 1, "threads": threads,
               "loglevel": "warning"}
    sys.argv = [sys.argv[0]]  # gunicorn must not read the benchmark's arguments
    GunicornApplication(load, options).run()


# -- the loader -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(port: int, path: str, headers: dict[str, str], deadline: float = 30.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path, headers=headers)
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nothing answers 200 on port {port}{path}")


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its descendants (Linux /proc)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(c) for c in children)
        except (OSError, IndexError, ValueError):
            continue
    return total


def load(port: int, path: str, headers: dict[str, str], *, requests: int, concurrency: int, seconds: float) -> dict[str, float]:
    """Send ``requests`` GETs from ``concurrency`` keep-alive connections, stopping after ``seconds``."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    per_thread = requests // concurrency
    start_gate = threading.Barrier(concurrency + 1)
    deadline_box: list[float] = []

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = latencies[index]
        start_gate.wait()
        deadline = deadline_box[0]
        for _ in range(per_thread):
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            t1 = time.perf_counter()
            mine.append(t1 - t0)
            if t1 > deadline:
                break
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    deadline_box.append(time.perf_counter() + seconds)
    began = time.perf_counter()
    start_gate.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    samples = sorted(x for chunk in latencies for x in chunk)
    return {"requests": len(samples), "errors": sum(errors), "rps": len(samples) / elapsed, "samples": samples}


def summary(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Median throughput of the runs; latency percentiles over every request of every run."""
    samples = sorted(x for run in runs for x in run["samples"])
    return {
        "rps": statistics.median(run["rps"] for run in runs),
        "p50_ms": statistics.median(samples) * 1000,
        "p99_ms": samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000,
        "errors": sum(run["errors"] for run in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="per measured run (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="loader connections (default 8)")
    parser.add_argument("--seconds", type=float, default=15.0, help="cap per measured run (default 15)")
    parser.add_argument("--rounds", type=int, default=6, help="alternating direct/gateway pairs (default 6)")
    parser.add_argument("--service-threads", type=int, default=4)
    parser.add_argument("--gateway-threads", type=int, default=8)
    parser.add_argument("--serve", choices=["service", "gateway"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--jwks", help=argparse.SUPPRESS)
    parser.add_argument("--issuer", help=argparse.SUPPRESS)
    parser.add_argument("--upstream", default="", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.jwks, args.issuer, args.upstream, args.threads)
        return

    from services.kernel.testing import TokenFactory

    tokens = TokenFactory()
    token = tokens.issue("bench-user", tenant="school-a", district="d-1", roles=["giao_vien"], ttl=3600)
    headers = {"Authorization": f"Bearer {token}"}
    service_port, gateway_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        jwks_file = os.path.join(tmp, "jwks.json")
        Path(jwks_file).write_text(json.dumps(tokens.jwks()))
        common = [sys.executable, "-m", "benchmarks.gateway_overhead", "--jwks", jwks_file, "--issuer", tokens.issuer]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HOSO_", "GUNICORN_", "WEB_CONCURRENCY"))}
        children = [
            subprocess.Popen([*common, "--serve", "service", "--port", str(service_port),
                              "--threads", str(args.service_threads)], cwd=ROOT, env=env),
            subprocess.Popen([*common, "--serve", "gateway", "--port", str(gateway_port),
                              "--threads", str(args.gateway_threads),
                              "--upstream", f"http://127.0.0.1:{service_port}"], cwd=ROOT, env=env),
        ]
        try:
            direct_path, gateway_path = PATH, "/api/notifications/v1/ping"
            wait_ready(service_port, direct_path, headers)
            wait_ready(gateway_port, gateway_path, headers)
            warm = dict(requests=min(1000, args.requests), concurrency=args.concurrency, seconds=5)
            load(service_port, direct_path, headers, **warm)
            load(gateway_port, gateway_path, headers, **warm)
            runs: dict[str, list[dict[str, Any]]] = {"direct": [], "gateway": []}
            service_pid, gateway_pid = children[0].pid, children[1].pid
            cpu = {"service": 0.0, "gateway": 0.0}
            through_gateway = 0
            for _ in range(args.rounds):
                measure = dict(requests=args.requests, concurrency=args.concurrency, seconds=args.seconds)
                runs["direct"].append(load(service_port, direct_path, headers, **measure))
                before = process_tree_cpu(service_pid), process_tree_cpu(gateway_pid)
                runs["gateway"].append(load(gateway_port, gateway_path, headers, **measure))
                after = process_tree_cpu(service_pid), process_tree_cpu(gateway_pid)
                cpu["service"] += after[0] - before[0]
                cpu["gateway"] += after[1] - before[1]
                through_gateway += runs["gateway"][-1]["requests"]
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=20)

    results = {mode: summary(mode_runs) for mode, mode_runs in runs.items()}
    ratios = [g["rps"] / d["rps"] for d, g in zip(runs["direct"], runs["gateway"])]
    print(f"gateway overhead: GET {PATH} with a bearer token, {args.concurrency} keep-alive connections, "
          f"{args.rounds} alternating direct/gateway runs of {args.requests} requests (medians)")
    print(f"service: 1 gunicorn gthread worker x {args.service_threads} threads; "
          f"gateway: 1 worker x {args.gateway_threads} threads")
    print(f"{'':10}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for mode in ("direct", "gateway"):
        r = results[mode]
        print(f"{mode:10}{r['rps']:12.0f}{r['p50_ms']:10.2f}{r['p99_ms']:10.2f}{r['errors']:8.0f}")
    ratio = statistics.median(ratios)
    print(f"ratio gateway/direct throughput: {ratio:.3f} (median of the pairs; each pair: "
          f"{', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.70: {'met' if ratio >= 0.70 else 'NOT met'})")
    print(f"CPU per request through the gateway: service {cpu['service'] / through_gateway * 1e6:.0f} us, "
          f"gateway {cpu['gateway'] / through_gateway * 1e6:.0f} us")
    print(f"note: this machine has {os.cpu_count()} cores shared by the loader, the gateway and the service; "
          "through the gateway a third busy process competes for them.")


if __name__ == "__main__":
    main()
