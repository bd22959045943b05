"""The Friday-evening peak with locust: the all-in-one platform (the reference) against production mode.

For each target the platform is started in its own processes — (a) ``python -m infra.allinone``,
(b) the whole production deployment (``infra.local_cluster.start_cluster``: every service, the
gateway, relays and consumers under gunicorn, on the wire database, RabbitMQ, S3 over HTTP) —
and prepared through its HTTP API only: teachers added to two schools by their administrators (and
signed in once to choose their own password), a stock of học bạ taken through check, approval
and the GVCN's signature so that principals have something to sign. Then locust runs headless
in its own process (``benchmarks/locustfile_friday.py``) for ``--duration`` seconds: teachers sign
in through the whole code flow, open "Việc của tôi", upload 1–5 MB lesson plans and submit
them; tổ trưởng approve in batches; principals batch-sign. Printed per step: throughput,
p50/p95/p99, errors, then CPU seconds per process (with its children: gunicorn workers), the
cores used, and the ratio of production's throughput to the all-in-one's in the same run.

Queries per request are counted once more in this process: the platform in-process over the wire
database with pymongo's command monitoring, one person walking every step once.

    ./dev bench friday_evening [--duration 60] [--users 24] [--only allinone|production]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests

from benchmarks._friday_steps import LESSON_PLAN, Named, approve_batch, my_work, sign_batch, sign_in, submit, upload
from infra.demo.documents import sample_pdf
from infra.standins.wire_db import ROOT, WireDatabase, free_port
from tests.trust.platform import GATEWAY_LIMITS, NEW_PASSWORD, People

STEPS = ("sign-in", "mywork", "upload", "submit", "approve-batch", "sign-batch")
FAST_GOAL_MS = 300.0  # p95 goal of every step but sign-in and upload
THROUGHPUT_GOAL = 5.0
# The schools whose teachers hand in lesson plans: (school, username prefix, the tổ of the tổ trưởng)
SCHOOLS = (("th-hoa-phong", "thhp", "to-4"), ("thcs-nguyen-hue", "thcsnh", "to-khtn"))


@dataclass
class Target:
    """A running platform: its public URL and the processes whose CPU is measured, by name."""

    name: str
    url: str
    pids: dict[str, int]


@dataclass
class Outcome:
    """One target's locust run: the rows of the statistics by step, and CPU seconds by process."""

    target: str
    seconds: float
    steps: dict[str, dict[str, float]] = field(default_factory=dict)
    requests: dict[str, dict[str, float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    locust_cpu: float = 0.0


def lesson_plans(folder: Path) -> list[str]:
    """Five lesson-plan PDFs of 1 to 5 MB (a page and an incompressible scan), written to ``folder``."""
    from services.signing.testing import scan_pdf

    paths = []
    for mb in range(1, 6):
        path = folder / f"ke-hoach-bai-day-{mb}mb.pdf"
        path.write_bytes(scan_pdf(mb * 1024 * 1024))
        paths.append(str(path))
    return paths


def _api(url: str, token: str, method: str, path: str, **kwargs: Any) -> Any:
    resp = requests.request(method, url + "/api" + path, headers={"Authorization": f"Bearer {token}"}, timeout=120, **kwargs)
    if resp.status_code >= 300:
        raise RuntimeError(f"{method} {path} answered {resp.status_code}: {resp.text[:300]}")
    return resp.json() if resp.content else None


def prepare(url: str, *, teachers: int, stock: int, files: list[str], workdir: Path) -> Path:
    """Teachers, tổ trưởng and principals of ``SCHOOLS`` ready to work, through the API; returns the plan file."""
    people = People(url)
    plan: dict[str, Any] = {"url": url, "teachers": [], "approvers": [], "principals": [], "files": files}
    for school, prefix, team in SCHOOLS:
        admin = people.token(f"{prefix}.quantri")
        created = []
        for i in range(teachers):
            username = f"{prefix}.gv{i:03d}"
            body = _api(url, admin, "POST", f"/identity/v1/schools/{school}/people", json={
                "username": username, "full_name": f"Giáo viên thứ {i + 1}", "email": f"gv{i:03d}@{prefix}.edu.vn",
                "roles": [{"role": "giao_vien", "unit": team}]})
            people.passwords[username] = body["temporary_password"]
            created.append(username)
        with ThreadPoolExecutor(4) as pool:  # first sign-in: each chooses a password
            list(pool.map(people.token, created))
        plan["teachers"] += [{"username": u, "password": NEW_PASSWORD} for u in created]
        plan["approvers"].append({"username": f"{prefix}.totruong", "token": people.token(f"{prefix}.totruong")})
        principal = people.token(f"{prefix}.hieutruong")
        credential = next(c["id"] for c in _api(url, principal, "GET", "/signing/v1/credentials")["items"]
                          if c["owner_kind"] == "person")
        plan["principals"].append({"username": f"{prefix}.hieutruong", "token": principal, "credential_id": credential})
        _hoc_ba_to_sign(url, people, prefix, stock)
    path = workdir / "plan.json"
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return path


def _hoc_ba_to_sign(url: str, people: People, prefix: str, stock: int) -> None:
    """``stock`` học bạ of the school's GVCN checked, approved and signed by the GVCN: the principal's to sign."""
    gvcn, pht, principal = (people.token(f"{prefix}.{who}") for who in ("giaovien", "phohieutruong", "hieutruong"))
    client = Named()
    obligation = next(o for o in _api(url, gvcn, "GET", "/approvals/v1/obligations")["items"]
                      if o["book_type"] == "hoc_ba" and o["per_document"])
    owner = next(a["owner_key"] for a in _api(url, gvcn, "GET", "/documents/v1/me/addresses",
                                              params={"school_year": "2026-2027"})["items"] if a["book"] == "hoc_ba")

    def one(i: int) -> str:
        pdf = sample_pdf([f"HỌC BẠ — Học sinh thứ {i + 1}", "Đánh giá cuối học kỳ I"])
        uploaded = upload(client, url, gvcn, pdf, book="hoc_ba", period=obligation["period_key"], owner_key=owner,
                          title=f"Học sinh thứ {i + 1}", filename=f"hoc-ba-{i + 1}.pdf")
        sid = submit(client, url, gvcn, obligation["id"], uploaded)
        _api(url, pht, "POST", f"/approvals/v1/submissions/{sid}/comments", json={"comment": "Đã kiểm tra."})
        return sid

    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(one, range(stock)))
    results = _api(url, principal, "POST", "/approvals/v1/queue/approve", json={"submission_ids": ids})["results"]
    refused = [r for r in results if not r.get("ok")]
    assert not refused, f"the principal could not approve: {refused[:2]}"
    credential = next(c["id"] for c in _api(url, gvcn, "GET", "/signing/v1/credentials")["items"] if c["owner_kind"] == "person")
    signed = 0
    while signed < stock:
        done = sign_batch(client, url, gvcn, credential, size=1000)
        if not done:
            break
        signed += done


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) of each process and its children, now."""
    out: dict[str, float] = {}
    for name, pid in pids.items():
        try:
            proc = psutil.Process(pid)
            total = sum(proc.cpu_times()[:2])
            for child in proc.children(recursive=True):
                try:
                    total += sum(child.cpu_times()[:2])
                except psutil.NoSuchProcess:
                    continue
        except psutil.NoSuchProcess:
            total = 0.0
        out[name] = total
    return out


def _children_cpu() -> float:
    """CPU seconds of this process's children that have exited (locust, once it is done)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_locust(target: Target, plan: Path, *, users: int, duration: int, workdir: Path) -> Outcome:
    """locust headless in its own process against ``target``; statistics from its CSV files."""
    prefix = workdir / f"locust-{target.name}"
    env = {**os.environ, "FRIDAY_PLAN": str(plan), "PYTHONPATH": str(ROOT)}
    before, children_before = _cpu(target.pids), _children_cpu()
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile_friday.py"),
                             "--headless", "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{duration}s",
                             "--host", target.url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "60",
                             "--loglevel", "WARNING"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = proc.communicate(timeout=duration + 300)
    seconds = time.monotonic() - started
    after = _cpu(target.pids)
    outcome = Outcome(target.name, seconds, cpu={n: after[n] - before[n] for n in target.pids},
                      locust_cpu=_children_cpu() - children_before)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            figures = {"count": float(row["Request Count"]), "failures": float(row["Failure Count"]),
                       "rps": float(row["Requests/s"]), "p50": float(row["50%"] or 0), "p95": float(row["95%"] or 0),
                       "p99": float(row["99%"] or 0)}
            (outcome.steps if row["Type"] == "STEP" else outcome.requests)[row["Name"]] = figures
    failures = Path(f"{prefix}_failures.csv").read_text(encoding="utf-8") if Path(f"{prefix}_failures.csv").exists() else ""
    if len(failures.splitlines()) > 1:
        print(f"[{target.name}] failures:\n{failures[:3000]}")
    if proc.returncode not in (0, 1):
        print(output.decode(errors="replace")[-3000:])
    return outcome


def _wait_for(check: Any, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not ready within {timeout:.0f} s")
        time.sleep(0.5)


@contextmanager
def allinone(workdir: Path) -> Iterator[Target]:
    """``python -m infra.allinone`` in its own process (the gateway's buckets raised, as for the trust suite)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("MONGO_URI", "AMQP_URL")}
    env.update({**GATEWAY_LIMITS, "HOSO_LOG_LEVEL": "ERROR", "PYTHONPATH": str(ROOT)})
    log_path = workdir / "allinone.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "infra.allinone", "--port", str(port)], env=env, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(lambda: "all-in-one mode" in log_path.read_text(encoding="utf-8", errors="replace")
                  or proc.poll() is not None, "the all-in-one platform", 180)
        if proc.poll() is not None:
            raise RuntimeError(f"the all-in-one platform exited; see {log_path}")
        yield Target("all-in-one", f"http://127.0.0.1:{port}", {"all-in-one": proc.pid})
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _listening_pid(port: int) -> int | None:
    for conn in psutil.net_connections("tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            return conn.pid
    return None


@contextmanager
def production(workdir: Path) -> Iterator[Target]:
    """Every production process (``infra.local_cluster``) with the gateway's buckets raised."""
    from infra.local_cluster import start_cluster

    cluster = start_cluster(data_dir=workdir / "cluster", extra_env={"gateway": dict(GATEWAY_LIMITS)}, log_level="ERROR",
                            timeout=900)  # two shared cores: the seeding over the wire can take minutes
    try:
        pids = {name: proc.pid for name, proc in cluster.processes.items()}
        db = _listening_pid(cluster.db.port)
        if db is not None:
            pids["wire-db (stand-in)"] = db
        yield Target("production", cluster.url, pids)
    finally:
        cluster.stop()


def count_queries(files: list[str], workdir: Path) -> dict[str, tuple[int, int, int]]:
    """Database commands of each step walked once, in-process over the wire: {step: (commands, requests, items)}."""
    from benchmarks._commands import install_counter
    from tests.trust.platform import running_platform

    counts: dict[str, tuple[int, int, int]] = {}
    with WireDatabase(storage=workdir / "count-db") as db:
        counter = install_counter()
        platform = running_platform({"MONGO_URI": db.uri, "HOSO_LOG_LEVEL": "ERROR"})
        try:
            plan = json.loads(prepare(platform.url, teachers=1, stock=3, files=files, workdir=workdir).read_text())
            client = Named()
            url, teacher = platform.url, plan["teachers"][0]

            def measured(step: str, fn: Any, items: Any = lambda _: 1) -> Any:
                before, calls = counter.total, client.calls
                result = fn()
                counts[step] = (counter.total - before, client.calls - calls, items(result))
                return result

            token = measured("sign-in", lambda: sign_in(client, url, teacher["username"], teacher["password"]))
            todo = measured("mywork", lambda: my_work(client, url, token))
            data = Path(files[0]).read_bytes()
            uploaded = measured("upload", lambda: upload(client, url, token, data, book=LESSON_PLAN,
                                                         period=todo[0]["period_key"]))
            measured("submit", lambda: submit(client, url, token, todo[0]["id"], uploaded))
            approver = next(a for a in plan["approvers"] if a["username"].split(".")[0] == teacher["username"].split(".")[0])
            measured("approve-batch", lambda: approve_batch(client, url, approver["token"]), items=lambda n: n)
            principal = next(p for p in plan["principals"] if p["username"].split(".")[0] == teacher["username"].split(".")[0])
            measured("sign-batch", lambda: sign_batch(client, url, principal["token"], principal["credential_id"]),
                     items=lambda n: n)
        finally:
            platform.stop()
    return counts


def report(outcomes: list[Outcome], queries: dict[str, tuple[int, int, int]]) -> None:
    """Per step and target: throughput, percentiles, errors; CPU; ratios; queries per request."""
    print("\nper step (STEP = every HTTP call of the step), one run:")
    print(f"{'target':<12} {'step':<14} {'count':>6} {'per s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for o in outcomes:
        for step in STEPS:
            f = o.steps.get(step)
            if f is None:
                print(f"{o.target:<12} {step:<14} {'-':>6}")
                continue
            goal = "" if step in ("sign-in", "upload") else ("  ok < 300" if f["p95"] < FAST_GOAL_MS else "  over 300")
            print(f"{o.target:<12} {step:<14} {f['count']:>6.0f} {f['rps']:>7.2f} {f['p50']:>7.0f} {f['p95']:>7.0f} "
                  f"{f['p99']:>7.0f} {f['failures']:>6.0f}{goal}")
        errors = sum(f["failures"] for f in o.requests.values() if f is not o.requests.get("Aggregated"))
        print(f"{o.target:<12} HTTP requests: {o.requests.get('Aggregated', {}).get('count', 0):.0f}, "
              f"{o.requests.get('Aggregated', {}).get('rps', 0):.1f}/s, errors {errors:.0f}")
    print("\nCPU seconds during the run (process and its children) and cores used:")
    for o in outcomes:
        busy = sum(o.cpu.values())
        print(f"  {o.target}: {busy:.1f} s over {o.seconds:.0f} s = {busy / o.seconds:.2f} cores "
              f"(locust itself {o.locust_cpu:.1f} s = {o.locust_cpu / o.seconds:.2f} cores)")
        for name, spent in sorted(o.cpu.items(), key=lambda kv: -kv[1]):
            if spent >= 0.05:
                print(f"    {name:<28} {spent:7.1f} s  {spent / o.seconds:5.2f} cores")
    if len(outcomes) == 2:
        ref, prod = outcomes
        print(f"\nthroughput, {prod.target} / {ref.target} (goal ≥ {THROUGHPUT_GOAL:.0f}×):")
        for step in STEPS:
            a, b = ref.steps.get(step, {}).get("rps", 0.0), prod.steps.get(step, {}).get("rps", 0.0)
            print(f"  {step:<14} {b:7.2f}/s against {a:7.2f}/s  ratio {b / a if a else float('nan'):.2f}")
        a = sum(ref.steps.get(s, {}).get("count", 0.0) for s in STEPS) / ref.seconds
        b = sum(prod.steps.get(s, {}).get("count", 0.0) for s in STEPS) / prod.seconds
        print(f"  all steps      {b:7.2f}/s against {a:7.2f}/s  ratio {b / a if a else float('nan'):.2f}")
    if queries:
        print("\ndatabase commands per step, counted over the wire (in-process, one person, pymongo command monitoring):")
        for step, (commands, calls, items) in queries.items():
            print(f"  {step:<14} {commands:4d} commands in {calls:2d} HTTP requests = {commands / max(calls, 1):5.1f} per request"
                  + (f" ({items} in the batch)" if step.endswith("batch") else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev bench friday_evening", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load per target (default 60)")
    parser.add_argument("--users", type=int, default=24, help="locust users: 2 tổ trưởng, 2 principals, the rest teachers")
    parser.add_argument("--teachers", type=int, default=15, help="teacher accounts added per school (default 15)")
    parser.add_argument("--stock", type=int, default=40, help="học bạ ready for each principal (default 40)")
    parser.add_argument("--only", choices=("allinone", "production"), help="one target only")
    parser.add_argument("--no-count", action="store_true", help="skip counting queries per step")
    args = parser.parse_args(argv)
    if args.users - 2 * len(SCHOOLS) > args.teachers * len(SCHOOLS):
        parser.error("more teacher users than teacher accounts: raise --teachers")
    workdir = Path(tempfile.mkdtemp(prefix="hoso-friday-"))
    files = lesson_plans(workdir)
    outcomes: list[Outcome] = []
    targets = [("allinone", allinone), ("production", production)]
    for key, start in targets:
        if args.only and args.only != key:
            continue
        started = time.monotonic()
        with start(workdir) as target:
            plan = prepare(target.url, teachers=args.teachers, stock=args.stock, files=files, workdir=workdir)
            print(f"[{target.name}] started and prepared in {time.monotonic() - started:.0f} s; "
                  f"locust: {args.users} users for {args.duration} s", flush=True)
            outcomes.append(run_locust(target, plan, users=args.users, duration=args.duration, workdir=workdir))
    queries = {} if args.no_count else count_queries(files, workdir)
    report(outcomes, queries)
    print(f"\nlocust statistics and logs: {workdir}")
    errors = sum(f["failures"] for o in outcomes for f in o.steps.values())
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
