"""The kernel's shared-state pieces over the MongoDB wire protocol, from several processes at once.

Against the SecantusDB stand-in (``infra/standins/wire_db.py``), each case runs real worker
processes that share one database: audit appends on per-school chains (no entry lost, doubled or
out of place; every chain verifies and one anchor covers every head), and periodic job claims
(every slot run exactly once across two replicas).
"""
from __future__ import annotations

import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest

from infra.standins.wire_db import WireDatabase
from services.kernel.anchors import AuditAnchoring, DevelopmentTimeStamper, LocalAnchorStore
from services.kernel.audit import AuditLog

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]

#: One appending process: argv = uri, database, how many, then the schools it writes for (round robin).
APPEND_WORKER = """
import sys, time
from pathlib import Path
import pymongo
from services.kernel.audit import AuditLog
uri, name, count, go, *schools = sys.argv[1:]
log = AuditLog(db=pymongo.MongoClient(uri, tz_aware=True)[name])
while not Path(go).exists():
    time.sleep(0.01)
for n in range(int(count)):
    log.append(action="submission.approved", actor="thhp.totruong", tenant=schools[n % len(schools)],
               target=f"sub-{n}", data={"n": n, "note": "Đồng ý"})
"""


@pytest.fixture(scope="module")
def wire() -> Iterator[WireDatabase]:
    with WireDatabase() as server:
        yield server


def _start(script: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT, stderr=subprocess.PIPE)


def _finish(workers: list[subprocess.Popen[bytes]]) -> None:
    for w in workers:
        _, err = w.communicate(timeout=300)
        assert w.returncode == 0, err.decode()


def test_appends_from_four_processes_keep_every_school_chain_whole(wire: WireDatabase, tmp_path: Path) -> None:
    name = f"wire_audit_{uuid.uuid4().hex[:8]}"
    go = tmp_path / "go"
    plan = [("40", "th-hoa-phong"), ("40", "th-hoa-phong"),  # two writers on one school's chain
            ("40", "th-hoa-phong", "thcs-hai-chau", "th-son-tra"), ("40", "thcs-hai-chau", "th-son-tra")]
    workers = [_start(APPEND_WORKER, wire.uri, name, *spec[:1], str(go), *spec[1:]) for spec in plan]
    go.touch()
    _finish(workers)

    db = pymongo.MongoClient(wire.uri, tz_aware=True)[name]
    log = AuditLog(db=db)
    assert log.verify() == []
    per_chain = Counter(e["chain"] for e in db["audit_log"].find({}, {"chain": 1}))
    assert sum(per_chain.values()) == 160
    assert per_chain["th-hoa-phong"] == 40 + 40 + 14
    for chain, count in per_chain.items():  # positions 1..count, each once
        assert sorted(e["seq"] for e in db["audit_log"].find({"chain": chain}, {"seq": 1})) == list(range(1, count + 1))
    assert [e["target"] for e in log.entries(tenant="th-son-tra", limit=1)]  # the read side still answers

    anchoring = AuditAnchoring(db=db, service="approvals", store=LocalAnchorStore(tmp_path / "anchors"),
                               timestamper=DevelopmentTimeStamper())
    anchor = anchoring.anchor_once()
    assert anchor is not None and {h["chain"] for h in anchor["heads"]} == set(per_chain)  # one token, every head
    assert anchoring.anchor_once() is None
    assert anchoring.verify() == []
