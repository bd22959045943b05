"""The whole sign-in code flow through the gateway in production mode, per core, beside Keycloak's sizing.

Starts, with ``infra.local_cluster.start_cluster(only=("identity",))``, what production runs for
sign-in: identity (``python -m infra.production --target identity``, gunicorn gthread, ``--workers``
workers), its outbox relay, and the gateway (gunicorn), with docker-compose's settings, on the
wire database (SecantusDB) and the real RabbitMQ, the demo district seeded. Several client processes
(``--users`` browsers, spread over ``--clients`` processes, one thread each) then walk, for
``--seconds``, the flow of ``benchmarks/_identity_flow.py``: authorize → sign-in page → password
(argon2id) → code → token (PKCE) → userinfo → refresh → revoke → logout, every request through the
gateway. Accounts: the demo district's people whose roles need no second factor; each browser keeps
its device cookies (a person's own computer). More phases: ``login`` (authorize to token, no
logout: what Keycloak counts as a login), client-credentials grants and refresh-token grants alone.

For each phase it prints per-step p50/p95/p99, operations per wall second, the CPU seconds the
identity and gateway process trees (``/proc/<pid>/stat``, master and workers) spent per operation,
and operations per second PER CORE (operations / CPU seconds), which other load on the shared
machine neither flatters nor hurts much; the database's and the loaders' CPU are shown beside.

Reference: Keycloak's "Concepts for sizing CPU and memory resources" (``KEYCLOAK_SOURCE``): per
vCPU, 15 password-based logins/s, 120 client-credential grants/s, 120 refresh-token requests/s.
What differs is printed with the figures and written down in docs/identity-benchmark.md.

    ./dev bench identity_tokens [--seconds 45] [--users 8] [--clients 2] [--workers 2]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import requests

from benchmarks._identity_flow import STEPS, FlowError, Timings, client_credentials, refresh, sign_in, whole_flow
from infra.demo.district import DEMO_DISTRICT, DEMO_PASSWORD
from infra.local_cluster import Cluster, start_cluster
from services.identity.adapters.passwords import PasswordHasher
from services.identity.domain.roles import needs_second_factor
from services.identity.entrypoints.cookies import SESSION_COOKIE

KEYCLOAK_SOURCE = ("https://www.keycloak.org/high-availability/single-cluster/concepts-memory-and-cpu-sizing "
                   "(Keycloak 26; the same figures in the Red Hat build of Keycloak 26.4 High Availability Guide, 3.11)")
KEYCLOAK_PER_VCPU = {"flow": 15.0, "login": 15.0, "client_credentials": 120.0, "refresh": 120.0}
"""Keycloak: 15 password-based logins/s, 120 client-credential grants/s, 120 refresh-token requests/s per vCPU."""
KEYCLOAK_SETUP = ("Keycloak's setup: OpenShift 4.17 on AWS c7g.2xlarge (ARM; x86 gave up to 2x for grants and "
                  "refreshes), 3 pods, TLS terminated in the pod, Aurora PostgreSQL multi-AZ (not counted: "
                  "0.35-0.7 vCPU per 100 login/logout/refresh req/s), argon2 5 iterations 7 MiB, 20,000 users, "
                  "sessions in the database, OpenJDK 21")
SERVICE_CLIENT = "approvals"
"""A service client docker-compose enables (``HOSO_IDENTITY_APPROVALS_CLIENT_SECRET``)."""
UNLIMITED = {"HOSO_GATEWAY_USER_RATE": "1000000", "HOSO_GATEWAY_USER_BURST": "1000000",
             "HOSO_GATEWAY_IP_RATE": "1000000", "HOSO_GATEWAY_IP_BURST": "1000000"}
"""Every loader sends from 127.0.0.1: the gateway's buckets still run on every request, they never refuse."""


def accounts() -> list[str]:
    """The demo district's school people who sign in with a password alone (no second factor)."""
    return [p.username for s in DEMO_DISTRICT.schools for p in s.people
            if not needs_second_factor({role for role, _ in p.roles})]


# -- CPU of process trees ---------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of one process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by ``root`` and every living descendant (gunicorn's master and workers)."""
    stats = {int(d): s for d in os.listdir("/proc") if d.isdigit() and (s := _stat(int(d))) is not None}
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
            todo.extend(child for child, (parent, _) in stats.items() if parent == pid)
    return total


def opcounters(uri: str) -> dict[str, int]:
    """The database server's operation counters (``serverStatus``: insert, query, update, delete,
    getmore, command), read over a short-lived connection (none stays open across the loaders' fork)."""
    import pymongo

    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(uri, serverSelectionTimeoutMS=10_000)
    try:
        return {k: int(v) for k, v in client.admin.command("serverStatus")["opcounters"].items()}
    finally:
        client.close()


def database_pid(port: int) -> int:
    """Our child process serving the wire database on ``port``."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            continue
        stat = _stat(int(entry))
        if stat and stat[0] == os.getpid() and b"--port" in argv and str(port).encode() in argv:
            return int(entry)
    raise LookupError(f"no child process serves the wire database on port {port}")


# -- the loaders (child processes, one thread per browser) -------------------------------------------------


@dataclass
class LoadResult:
    """What one loader process did in the measured window."""

    timings: Timings = field(default_factory=Timings)
    done: int = 0
    failures: int = 0
    first_failures: list[str] = field(default_factory=list)

    def merge(self, other: "LoadResult") -> None:
        self.timings.merge(other.timings)
        self.done += other.done
        self.failures += other.failures
        self.first_failures.extend(other.first_failures[: max(0, 5 - len(self.first_failures))])


def _operation(phase: str, url: str, login: str, secret: str) -> Callable[[Timings], None]:
    """One unit of the phase for one browser: a whole flow, a grant, or the next refresh of its family."""
    if phase == "client_credentials":
        return lambda timings: client_credentials(url, SERVICE_CLIENT, secret, timings)
    # A person's own browser: its device cookies stay (a known device, no "new device" e-mail at each
    # sign-in); the session cookie goes at each logout. One kept-alive connection, as a browser's.
    browser = requests.Session()
    if phase == "flow":
        return lambda timings: whole_flow(browser, url, login, DEMO_PASSWORD, timings)
    if phase == "login":
        def login_only(timings: Timings) -> None:
            sign_in(browser, url, login, DEMO_PASSWORD, timings)
            browser.cookies.set(SESSION_COOKIE, None)  # as when the session ends without a logout
        return login_only
    return RefreshFamily(browser, url, sign_in(browser, url, login, DEMO_PASSWORD, Timings()).refresh_token)


@dataclass
class RefreshFamily:
    """An open page of the web app: each call refreshes with the latest token of its family."""

    browser: requests.Session
    url: str
    token: str

    def __call__(self, timings: Timings) -> None:
        self.token = refresh(self.browser, self.url, self.token, timings).refresh_token


def _browser(phase: str, url: str, login: str, secret: str, ready: Any, start: Event, seconds: float,
             out: LoadResult, lock: threading.Lock) -> None:
    try:
        operation = _operation(phase, url, login, secret)
        operation(Timings())  # warm-up, not counted
    except (FlowError, requests.RequestException) as failure:
        with lock:
            out.failures += 1
            out.first_failures.append(f"{login} (warm-up): {failure}")
        ready.put(login)
        return
    ready.put(login)
    start.wait()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        timings = Timings()
        try:
            operation(timings)
        except (FlowError, requests.RequestException) as failure:
            with lock:
                out.failures += 1
                if len(out.first_failures) < 5:
                    out.first_failures.append(f"{login}: {failure}")
            continue
        with lock:
            out.timings.merge(timings)
            out.done += 1


def _loader(phase: str, url: str, logins: Sequence[str], secret: str, ready: Any, start: Event, seconds: float,
            results: Any) -> None:
    out, lock = LoadResult(), threading.Lock()
    threads = [threading.Thread(target=_browser, args=(phase, url, login, secret, ready, start, seconds, out, lock))
               for login in logins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(out)


# -- one phase ----------------------------------------------------------------------------------------------


@dataclass
class Phase:
    """A measured phase: results, wall time and CPU seconds per process tree."""

    name: str
    result: LoadResult
    wall: float
    cpu: dict[str, float]
    load: tuple[float, float]
    database_ops: dict[str, int]


def run_phase(cluster: Cluster, phase: str, *, seconds: float, users: int, clients: int, secret: str,
              pids: dict[str, int]) -> Phase:
    """Start the loaders, wait until every browser has warmed up, then measure ``seconds`` of load."""
    context = multiprocessing.get_context("fork")
    ready, results, start = context.Queue(), context.Queue(), context.Event()
    people = accounts()
    logins = [people[i % len(people)] for i in range(users)]
    loaders = [context.Process(target=_loader, args=(phase, cluster.url, logins[i::clients], secret, ready, start,
                                                     seconds, results)) for i in range(min(clients, users))]
    for loader in loaders:
        loader.start()
    for _ in logins:  # each browser says so once its warm-up operation is done
        ready.get(timeout=300)
    load_before = os.getloadavg()[0]
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0 = {name: tree_cpu(pid) for name, pid in pids.items()}
    ops0 = opcounters(cluster.db.uri)
    began = time.perf_counter()
    start.set()
    merged = LoadResult()
    for _ in loaders:
        merged.merge(results.get(timeout=seconds + 600))
    for loader in loaders:
        loader.join(timeout=60)
    wall = time.perf_counter() - began
    cpu = {name: tree_cpu(pid) - cpu0[name] for name, pid in pids.items()}
    ops = {kind: count - ops0.get(kind, 0) for kind, count in opcounters(cluster.db.uri).items()}
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu["loaders"] = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    return Phase(phase, merged, wall, cpu, (load_before, os.getloadavg()[0]), ops)


# -- printing ------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``values`` by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


def report(phase: Phase, steps: Sequence[str]) -> None:
    result, cpu = phase.result, phase.cpu
    print(f"\n== {phase.name}: {result.done} done, {result.failures} failed in {phase.wall:.1f} s; "
          f"load average {phase.load[0]:.1f} → {phase.load[1]:.1f}")
    for failure in result.first_failures:
        print(f"   failure: {failure}")
    print(f"   {'step':<20} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for step in steps:
        values = result.timings.seconds.get(step, [])
        if values:
            print(f"   {step:<20} {len(values):6d} {percentile(values, 0.50) * 1e3:8.1f} "
                  f"{percentile(values, 0.95) * 1e3:8.1f} {percentile(values, 0.99) * 1e3:8.1f}")
    if not result.done:
        return
    served = cpu["identity"] + cpu["gateway"]
    print(f"   per wall second: {result.done / phase.wall:.1f}")
    print("   CPU seconds per operation: " + ", ".join(
        f"{name} {cpu[name] / result.done * 1e3:.1f} ms" for name in ("identity", "gateway", "relay-identity",
                                                                      "database", "loaders")))
    print("   database operations per operation (every client of the database, the relay's included): " + ", ".join(
        f"{kind} {count / result.done:.1f}" for kind, count in phase.database_ops.items()))
    print(f"   per core (identity + gateway CPU): {result.done / served:.1f}/s; identity alone "
          f"{result.done / cpu['identity']:.1f}/s; with the database and the relay "
          f"{result.done / (served + cpu['database'] + cpu['relay-identity']):.1f}/s")


def ratio_line(phase: Phase) -> str:
    per_core = phase.result.done / (phase.cpu["identity"] + phase.cpu["gateway"]) if phase.result.done else 0.0
    reference = KEYCLOAK_PER_VCPU[phase.name]
    label = {"flow": "whole flows (9 requests)", "login": "logins (authorize to token)",
             "client_credentials": "client-credential grants",
             "refresh": "refresh-token grants"}[phase.name]
    return (f"  {label:<32} {per_core:8.1f}/s per core   Keycloak {reference:5.0f}/s per vCPU   "
            f"ratio {per_core / reference:5.2f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.identity_tokens", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=45.0, help="measured seconds per phase (default 45)")
    parser.add_argument("--users", type=int, default=8, help="concurrent browsers (default 8)")
    parser.add_argument("--clients", type=int, default=2, help="loader processes the browsers are spread over (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of identity and of the gateway (default 2)")
    parser.add_argument("--phases", default="flow,login,client_credentials,refresh",
                        help="comma-separated, among flow, login, client_credentials, refresh")
    args = parser.parse_args(argv)
    phases = [p for p in args.phases.split(",") if p]
    unknown = set(phases) - set(KEYCLOAK_PER_VCPU)
    if unknown:
        parser.error(f"unknown phase(s): {', '.join(sorted(unknown))}")
    print(f"[identity_tokens] starting identity, its relay and the gateway in production mode "
          f"({args.workers} gunicorn workers each) on the wire database; load average {os.getloadavg()[0]:.1f}",
          flush=True)
    began = time.monotonic()
    with start_cluster(only=("identity",), workers=args.workers, extra_env={"gateway": UNLIMITED}) as cluster:
        print(f"[identity_tokens] ready in {time.monotonic() - began:.0f} s at {cluster.url}; {len(accounts())} "
              f"accounts without a second factor; {args.users} browsers over {args.clients} loader processes",
              flush=True)
        pids = {name: cluster.processes[name].pid for name in ("identity", "gateway", "relay-identity")}
        pids["database"] = database_pid(cluster.db.port)
        secret = cluster.env["identity"][f"HOSO_IDENTITY_{SERVICE_CLIENT.upper()}_CLIENT_SECRET"]
        done = []
        for name in phases:
            phase = run_phase(cluster, name, seconds=args.seconds, users=args.users, clients=args.clients,
                              secret=secret, pids=pids)
            report(phase, {"flow": STEPS, "login": STEPS[:5]}.get(name, (name,)))
            done.append(phase)
        errors = cluster.logged_errors()
    hasher = PasswordHasher()
    stored = hasher.hash(DEMO_PASSWORD)
    cpu0 = time.process_time()
    for _ in range(20):
        hasher.verify(stored, DEMO_PASSWORD)
    argon2_ms = (time.process_time() - cpu0) / 20 * 1e3

    print("\nper core beside Keycloak (per core = operations / CPU seconds of the identity and gateway trees)")
    for phase in done:
        print(ratio_line(phase))
    print(f"  reference: {KEYCLOAK_SOURCE}")
    print(f"  {KEYCLOAK_SETUP}")
    print(f"  here: no TLS, one machine (2 cores shared with other work), loaders on the same cores, the gateway "
          f"counted (Keycloak has no second hop), the database (SecantusDB) not counted; argon2id "
          f"{hasher.parameters()} ({argon2_ms:.1f} ms of CPU per verification, measured now in this process); "
          f"a whole flow is {len(STEPS)} requests; a login ({len(STEPS[:5])} requests) is what Keycloak's "
          f"AuthorizationCode scenario counts as one (login page, form post, code exchange)")
    if errors:
        print(f"  logged errors: {errors}")


if __name__ == "__main__":
    main()
