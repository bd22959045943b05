"""The suite over the MongoDB wire: one switch, ``WIRE_MONGO_URI``, for the test process.

When ``WIRE_MONGO_URI`` names a MongoDB-wire server (``./dev test`` runs a second pass with one
SecantusDB, see ``infra/standins/wire_db.py``), every database connection a test makes — every
``bootstrap()``, every direct ``connect_database`` — goes to that server instead of mongomock, on
a database name unique to the test (a hash of its node id, then the service's own name). The
databases a test touched are dropped after it. Without the variable nothing changes.

The seam is the one place connections are made, ``services.kernel.mongo.connect_database``:
the fixture wraps it (choosing the database, not mocking it) in that module and in every module
that imported it by name.

``python -m tests.wire [pytest args]`` starts a SecantusDB, runs pytest with the variable set
(default selection: the whole non-browser suite), stops the server and prints the wall time.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest
from pymongo import MongoClient
from pymongo.database import Database

import services.kernel.mongo as kernel_mongo

WIRE_ENV = "WIRE_MONGO_URI"
DEFAULT_SELECTION = ("tests", "--ignore=tests/e2e")
_ORIGINAL = kernel_mongo.connect_database


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
    yield connections
    connections.drop(_wire_admin)


def main(argv: list[str]) -> int:
    """Start one SecantusDB, run pytest over it with ``WIRE_MONGO_URI`` set, stop it."""
    from infra.standins.wire_db import WireDatabase

    args = argv or list(DEFAULT_SELECTION)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hoso-wire-pass-") as storage, WireDatabase(storage=storage) as db:
        print(f"[wire] SecantusDB at {db.uri} (storage {db.storage}); pytest {' '.join(args)}", flush=True)
        env = {**os.environ, WIRE_ENV: db.uri}
        code = subprocess.call([sys.executable, "-m", "pytest", *args], env=env)
    print(f"[wire] wire pass finished in {time.monotonic() - started:.0f} s (exit {code})", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
