"""The suite over the MongoDB wire: one switch, ``WIRE_MONGO_URI``, for the test process.

When ``WIRE_MONGO_URI`` names a MongoDB-wire server (``./dev test`` runs a second pass with one
SecantusDB, see ``infra/standins/wire_db.py``), every database connection a test makes — every
``bootstrap()``, every direct ``connect_database`` — goes to that server instead of mongomock, on
a database name unique to the test (a hash of its node id, then the service's own name). The
databases a test touched are dropped after it. Without the variable nothing changes.

The seam is the one place connections are made, ``services.kernel.mongo.connect_database``:
the fixture wraps it (choosing the database, not mocking it) in that module and in every module
that imported it by name.

``python -m tests.wire [--shards N] [pytest args]`` starts a SecantusDB, runs pytest with the
variable set (default selection: the whole non-browser suite), stops the server and prints the
wall time. With ``--shards N`` it starts N servers and N pytest processes side by side, each
keeping its share of the selected test files (``WIRE_SHARD=i/N``, files balanced by their number
of tests): one pass is a ping-pong between pytest and the server, about one core, so two shards
use both. Its trust figures go to ``test-artifacts/trust/figures-wire.json``, apart from the
first pass's.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import pytest
from pymongo import MongoClient, monitoring
from pymongo.database import Database

import services.kernel.mongo as kernel_mongo
from services.kernel.db_commands import COMMANDS

WIRE_ENV = "WIRE_MONGO_URI"
SHARD_ENV = "WIRE_SHARD"  # "i/N": this pytest process runs shard i (from 0) of N
DEFAULT_SELECTION = ("tests", "--ignore=tests/e2e")
WIRE_TIMEOUT = 900  # seconds per test (pyproject's 300 is the mongomock pass's)
#: the wire pass keeps its own trust figures (the first pass's report stays the one ``./dev trust-report`` prints)
WIRE_TRUST_FIGURES = Path(__file__).resolve().parents[1] / "test-artifacts" / "trust" / "figures-wire.json"
_ORIGINAL = kernel_mongo.connect_database


ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "wire"


def shard() -> tuple[int, int] | None:
    """``(i, N)`` when this process runs shard i of N of a sharded wire pass, else None."""
    value = os.environ.get(SHARD_ENV)
    if not value:
        return None
    index, count = (int(part) for part in value.split("/"))
    return index, count


REPORT = ARTIFACTS / (f"report-shard{shard()[0]}.json" if shard() else "report.json")
_TEST_PREFIX = re.compile(r"^t[0-9a-f]{12}_")
_QUERY_COMMANDS = {"find": "filter", "count": "query", "distinct": "query", "findAndModify": "query",
                   "update": "updates", "delete": "deletes", "aggregate": "pipeline"}


def wire_uri() -> str | None:
    """The wire server this test run uses, or None (mongomock)."""
    return os.environ.get(WIRE_ENV) or None


def db_name_for(node_id: str, db_name: str) -> str:
    """A database name of this test's own: a hash of its node id and the service's name (under 64 bytes)."""
    digest = hashlib.sha1(f"{node_id}\0{db_name}".encode()).hexdigest()[:12]
    return f"t{digest}_{db_name}"[:63]


def _holders() -> list[ModuleType]:
    """The modules holding ``connect_database`` under that name (the kernel's and those that imported it)."""
    return [m for m in list(sys.modules.values())
            if isinstance(m, ModuleType) and m.__dict__.get("connect_database") is _ORIGINAL]


def _shape(filter_: dict) -> tuple:
    """The shape of a query filter: its fields and operators, not its values (``$and``/``$or`` recursed)."""
    parts = []
    for key, value in filter_.items():
        if key in ("$and", "$or", "$nor") and isinstance(value, list):
            parts.append((key, tuple(sorted(_shape(v) for v in value if isinstance(v, dict)))))
        elif isinstance(value, dict) and value and all(str(k).startswith("$") for k in value):
            parts.append((key, tuple(sorted(value))))
        else:
            parts.append((key, "$eq"))
    return tuple(sorted(parts, key=repr))


def _filters(command_name: str, command: dict) -> list[dict]:
    """The filters a query command runs (an aggregate's leading ``$match``, each update's and delete's ``q``)."""
    field = _QUERY_COMMANDS[command_name]
    if command_name in ("update", "delete"):
        return [op.get("q") or {} for op in command.get(field) or []]
    if command_name == "aggregate":
        pipeline = command.get(field) or []
        return [pipeline[0]["$match"]] if pipeline and "$match" in pipeline[0] else [{}]
    return [command.get(field) or {}]


_UNSELECTIVE = {"$ne", "$nin", "$not", "$exists"}


def _constrained(filter_: dict) -> list[set[str]]:
    """The field sets an index could serve ``filter_`` from; one set per ``$or`` branch (all must be served)."""
    fields: set[str] = set()
    branches: list[set[str]] | None = None
    for key, value in filter_.items():
        if key == "$and" and isinstance(value, list):
            for part in value:
                parts = _constrained(part) if isinstance(part, dict) else []
                if len(parts) == 1:
                    fields |= parts[0]
        elif key == "$or" and isinstance(value, list):
            branches = [set().union(*_constrained(v)) for v in value if isinstance(v, dict)]
        elif key.startswith("$"):
            continue
        elif isinstance(value, dict) and value and all(str(k).startswith("$") for k in value):
            if "$elemMatch" in value and isinstance(value["$elemMatch"], dict):
                fields |= {f"{key}.{sub}" for sub in value["$elemMatch"] if not sub.startswith("$")} | {key}
            if set(value) - _UNSELECTIVE:
                fields.add(key)
        else:
            fields.add(key)
    if branches is None:
        return [fields]
    # MongoDB serves {a, $or: [{b}, {c}]} from an index on a, or from one per branch ({a, b} and {a, c})
    return [fields | branch for branch in branches]


def _served(filter_: dict, leading_keys: set[str]) -> bool:
    """Whether real MongoDB can serve ``filter_`` from an index: an index's first key is constrained
    (in every ``$or`` branch). Judged from the declared indexes, not from SecantusDB's planner, which
    scans as soon as a filter names a field beyond its index."""
    return all(branch & leading_keys for branch in _constrained(filter_))


class QueryPlans(monitoring.CommandListener):
    """Every query shape the suite sends, judged once against its collection's indexes.

    Registered on every client of the wire pass. A test's new shapes are judged at its end, before
    its databases are dropped. A filter no index's first key serves is a product bug on real
    MongoDB (a collection scan); an empty filter is a whole-collection read, listed apart.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple, tuple[str, str, dict]] = {}
        self.explained: set[tuple] = set()
        self.scans: dict[tuple, dict[str, str]] = {}
        self.whole: dict[tuple, dict[str, str]] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in _QUERY_COMMANDS:
            return
        collection = event.command.get(event.command_name)
        if not isinstance(collection, str):
            return
        service_db = _TEST_PREFIX.sub("", event.database_name)
        for filter_ in _filters(event.command_name, event.command):
            key = (service_db, collection, _shape(filter_))
            with self._lock:
                if key not in self.explained and key not in self._pending:
                    self._pending[key] = (event.database_name, collection, filter_)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Only started commands carry the query."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Only started commands carry the query."""

    def explain_pending(self, client: MongoClient, node_id: str) -> None:
        """Judge the shapes first seen in this test (a collection that does not exist yet waits for a later test)."""
        with self._lock:
            pending, self._pending = self._pending, {}
        for key, (database, collection, filter_) in pending.items():
            if collection not in client[database].list_collection_names(filter={"name": collection}):
                continue
            self.explained.add(key)
            entry = {"database": key[0], "collection": collection, "filter": repr(filter_)[:300], "first_test": node_id}
            if not filter_:
                self.whole[key] = entry
                continue
            leading = {next(iter(info["key"]))[0] for info in client[database][collection].index_information().values()}
            if not _served(filter_, leading):
                self.scans[key] = entry


PLANS = QueryPlans()
if wire_uri() is not None:
    monitoring.register(PLANS)  # every client of the wire pass (made after this import) reports its queries


class WireConnections:
    """The test's connections: every ``connect_database`` call goes to ``uri`` on a name of the test's own."""

    def __init__(self, *, uri: str, node_id: str) -> None:
        self.uri = uri
        self.node_id = node_id
        self.names: set[str] = set()

    def connect(self, *, alias: str, db_name: str, uri: str | None) -> Database:
        """``connect_database`` over the wire (``uri`` is replaced by the wire server's)."""
        name = db_name_for(self.node_id, db_name)
        self.names.add(name)
        return _ORIGINAL(alias=alias, db_name=name, uri=self.uri)

    def drop(self, client: MongoClient) -> None:
        for name in sorted(self.names):
            client.drop_database(name)


@pytest.fixture(scope="session")
def wire_server() -> Iterator[str]:
    """A wire server's URI for tests that need one in either pass: the pass's own, or one started here."""
    uri = wire_uri()
    if uri is not None:
        yield uri
        return
    from infra.standins.wire_db import WireDatabase

    with tempfile.TemporaryDirectory(prefix="hoso-wire-tests-") as storage, WireDatabase(storage=storage) as db:
        yield db.uri


@pytest.fixture(scope="session")
def _wire_admin() -> Iterator[MongoClient | None]:
    """One client of the session to drop each test's databases (None without a wire server)."""
    uri = wire_uri()
    if uri is None:
        yield None
        return
    client: MongoClient = MongoClient(uri, tz_aware=True, uuidRepresentation="standard")
    yield client
    client.close()
    _write_report()


@pytest.fixture(autouse=True)
def _wire_database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                   _wire_admin: MongoClient | None) -> Iterator[WireConnections | None]:
    """Send this test's database connections over the wire when ``WIRE_MONGO_URI`` is set."""
    uri = wire_uri()
    if uri is None or _wire_admin is None:
        yield None
        return
    connections = WireConnections(uri=uri, node_id=request.node.nodeid)
    connect: Callable[..., Database] = connections.connect
    for module in _holders():
        monkeypatch.setattr(module, "connect_database", connect)
    with COMMANDS.counting() as scope:
        yield connections
    TOTALS["commands"] += scope.total
    TOTALS["tests"] += 1
    BY_NAME.update(scope.by_name)
    BUSIEST.append((scope.total, request.node.nodeid))
    PLANS.explain_pending(_wire_admin, request.node.nodeid)
    connections.drop(_wire_admin)


TOTALS: dict[str, int] = {"commands": 0, "tests": 0}
BUSIEST: list[tuple[int, str]] = []
BY_NAME: Counter[str] = Counter()


OUTCOMES = ARTIFACTS / "outcomes.txt"


def keep_shard(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep only this shard's test files (``WIRE_SHARD``); the others run in the sibling shards.

    Every shard collects the same items, so each computes the same split: files by decreasing
    number of tests, each to the shard with the fewest tests so far (a file stays whole, so its
    module fixtures run once).
    """
    mine = shard()
    if mine is None:
        return
    index, count = mine
    by_file = Counter(item.nodeid.split("::", 1)[0] for item in items)
    load = [0] * count
    owner: dict[str, int] = {}
    for path, n in sorted(by_file.items(), key=lambda kv: (-kv[1], kv[0])):
        owner[path] = min(range(count), key=lambda i: (load[i], i))
        load[owner[path]] += n
    kept = [item for item in items if owner[item.nodeid.split("::", 1)[0]] == index]
    config.hook.pytest_deselected(items=[item for item in items if owner[item.nodeid.split("::", 1)[0]] != index])
    items[:] = kept


def record_outcome(report: pytest.TestReport) -> None:
    """Append a failed (or erroring) test of the wire pass to ``outcomes.txt`` as it happens."""
    if wire_uri() is None or report.passed or (report.when != "call" and not report.failed):
        return
    OUTCOMES.parent.mkdir(parents=True, exist_ok=True)
    with open(OUTCOMES, "a", encoding="utf-8") as out:
        out.write(f"{report.outcome.upper()} {report.when} {report.nodeid} ({report.duration:.1f} s)\n")


def _by_place(entry: dict[str, str]) -> tuple[str, str]:
    return entry["database"], entry["collection"]


def _write_report() -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({**TOTALS, "by_name": dict(BY_NAME.most_common()), "query_shapes": len(PLANS.explained),
                                  "busiest_tests": sorted(BUSIEST, reverse=True)[:20],
                                  "unindexed_queries": sorted(PLANS.scans.values(), key=_by_place),
                                  "whole_collection_reads": sorted(PLANS.whole.values(), key=_by_place)},
                                 indent=2, ensure_ascii=False), encoding="utf-8")


def summary() -> list[str]:
    """The wire pass's lines for the terminal summary (empty outside it)."""
    if wire_uri() is None or not TOTALS["tests"]:
        return []
    lines = [f"Wire pass: {TOTALS['tests']} tests sent {TOTALS['commands']} database commands; "
             f"{len(PLANS.explained)} query shapes judged: {len(PLANS.scans)} served by no index, "
             f"{len(PLANS.whole)} whole-collection reads "
             f"(report: {REPORT.relative_to(REPORT.parents[2])})",
             "  commands by name: " + ", ".join(f"{name} {n}" for name, n in BY_NAME.most_common(8))]
    lines += [f"  no index: {s['database']}.{s['collection']} {s['filter']} (first in {s['first_test']})"
              for s in sorted(PLANS.scans.values(), key=_by_place)]
    return lines


def _shards(argv: list[str]) -> tuple[int, list[str]]:
    """``--shards N`` (only as the first arguments) and the pytest arguments that follow."""
    if argv[:1] == ["--shards"] and len(argv) > 1:
        return max(1, int(argv[1])), argv[2:]
    return 1, argv


def main(argv: list[str]) -> int:
    """Start one SecantusDB per shard, run pytest over each with ``WIRE_MONGO_URI`` set, stop them."""
    from infra.standins.wire_db import WireDatabase

    count, args = _shards(argv)
    args = args or list(DEFAULT_SELECTION)
    started = time.monotonic()
    # each command is a round trip to another process: a heavy test takes several times its mongomock time
    pytest_cmd = [sys.executable, "-m", "pytest", "-o", f"timeout={WIRE_TIMEOUT}", *args]
    base_env = {"TRUST_FIGURES_FILE": str(WIRE_TRUST_FIGURES), **os.environ}
    with tempfile.TemporaryDirectory(prefix="hoso-wire-pass-") as storage:
        if count == 1:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            with WireDatabase(storage=Path(storage) / "db", log_path=ARTIFACTS / "server.log") as db:
                print(f"[wire] SecantusDB at {db.uri} (storage {db.storage}); pytest {' '.join(args)}", flush=True)
                code = subprocess.call(pytest_cmd, env={**base_env, WIRE_ENV: db.uri})
        else:
            code = _sharded(count, pytest_cmd, base_env, Path(storage))
    print(f"[wire] wire pass finished in {time.monotonic() - started:.0f} s (exit {code})", flush=True)
    return code


def _sharded(count: int, pytest_cmd: list[str], base_env: dict[str, str], storage: Path) -> int:
    """Run ``count`` shards side by side, each on its own server; print each one's output when all end."""
    from infra.standins.wire_db import WireDatabase

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if not base_env.get("TRUST_REPORT_APPEND"):
        Path(base_env["TRUST_FIGURES_FILE"]).unlink(missing_ok=True)  # the shards add to one fresh report
    servers = [WireDatabase(storage=storage / f"db{i}", log_path=ARTIFACTS / f"server{i}.log") for i in range(count)]
    children: list[tuple[subprocess.Popen[bytes], Path]] = []
    try:
        with ThreadPoolExecutor(max_workers=count) as pool:  # the servers start side by side too
            list(pool.map(WireDatabase.start, servers))
        for i, server in enumerate(servers):
            log = ARTIFACTS / f"shard{i}.log"
            print(f"[wire] shard {i + 1}/{count}: SecantusDB at {server.uri}; output in {log}", flush=True)
            with open(log, "wb") as out:
                env = {**base_env, WIRE_ENV: server.uri, SHARD_ENV: f"{i}/{count}", "TRUST_REPORT_APPEND": "1"}
                children.append((subprocess.Popen(pytest_cmd, env=env, stdout=out, stderr=subprocess.STDOUT), log))
        codes = [child.wait() for child, _log in children]
    finally:
        for child, _log in children:
            if child.poll() is None:
                child.kill()
                child.wait()
        for server in servers:
            server.stop()
    for i, ((_child, log), code) in enumerate(zip(children, codes)):
        print(f"================ wire shard {i + 1}/{count} (exit {code}) ================", flush=True)
        sys.stdout.write(log.read_text(encoding="utf-8", errors="replace"))
    return next((code for code in codes if code != 0), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
