"""Every service's runtime anchors its audit chain head at the configured cadence (issue 10, defect 14).

Through a real bootstrap (approvals): the periodic job the relay target and all-in-one run writes an
RFC 3161 anchor to the local anchor store, anchors a head once, and the anchors then catch a chain
rebuilt in the database.
"""
from __future__ import annotations

from pathlib import Path

from services.approvals.bootstrap import bootstrap
from services.kernel.audit import entry_hash, verify_report
from services.kernel.messaging import InMemoryPublisher


def test_the_periodic_job_anchors_the_head_in_the_anchor_store(tmp_path: Path) -> None:
    container = bootstrap({"mode": "test", "log_json": False, "audit_anchor_dir": str(tmp_path),
                           "audit_anchor_interval_seconds": 60.0}, environ={}, publisher=InMemoryPublisher())
    runtime = container.runtime
    jobs = runtime.periodic()
    assert [interval for interval, _ in jobs] == [60.0]
    _, job = jobs[0]

    job()  # an empty chain: nothing to anchor
    assert not tmp_path.exists() or not any(tmp_path.rglob("*.json"))
    for n in range(3):
        runtime.audit.append(action="rule.changed", actor="thhp.hieutruong", tenant="th-hoa-phong", data={"n": n})
    job()
    job()  # the same head is anchored once
    [anchor_file] = list(tmp_path.rglob("*.json"))
    assert anchor_file.parent == tmp_path / "approvals"

    coll = runtime.db["audit_log"]
    prev = "0" * 64
    for e in coll.find({}).sort("seq", 1):  # rebuild the whole chain with a changed first entry
        e["data"]["n"] = 99 if e["seq"] == 1 else e["data"]["n"]
        e["prev_hash"], e["hash"] = prev, None
        e["hash"] = prev = entry_hash(e)
        coll.replace_one({"_id": e["_id"]}, e)
    runtime.db["audit_log_head"].update_one({"_id": "chain:th-hoa-phong"}, {"$set": {"hash": prev}})
    ok, lines = verify_report(runtime.audit, runtime.anchoring)
    assert not ok and lines[0] == "hash chain: every link holds"
    assert lines[1].startswith("first anchor that disagrees: th-hoa-phong entry 3")
