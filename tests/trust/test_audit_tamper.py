"""Audit tamper: edit, delete and reorder an entry, and rebuild the whole chain; verify catches each.

Defect 14 of issue 10: the chain was an unkeyed SHA-256 chain, so whoever could write the database
could rebuild it. The head is now anchored outside the database (RFC 3161 tokens in object storage,
here S3 under moto); ``verify_report`` is what ``python -m services.kernel.audit verify`` prints.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from services.kernel.anchors import AuditAnchoring, DevelopmentTimeStamper, S3AnchorStore
from services.kernel.audit import AuditLog, entry_hash, verify_report
from services.kernel.mongo import connect_database
from tests.trust.figures import record

TSA = DevelopmentTimeStamper()  # one key for the module: made once


@pytest.fixture
def chain() -> Iterator[tuple[AuditLog, AuditAnchoring, object]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="hoso-audit-anchors")
        db = connect_database(alias="trust-audit", db_name=f"trust_audit_{uuid.uuid4().hex[:8]}", uri=None)
        log = AuditLog(db=db)
        anchoring = AuditAnchoring(db=db, service="approvals", timestamper=TSA,
                                   store=S3AnchorStore(bucket="hoso-audit-anchors", client=s3))
        for n in range(1, 7):
            log.append(action="submission.approved", actor="thhp.totruong", tenant="th-hoa-phong",
                       target=f"sub-{n}", data={"step": n, "note": "Đồng ý"})
            if n in (3, 6):
                assert anchoring.anchor_once() is not None  # the periodic job ran after entries 3 and 6
                assert anchoring.anchor_once() is None  # and anchors one head once
        assert verify_report(log, anchoring)[0] is True
        yield log, anchoring, db["audit_log"]


def _entries(coll) -> list[dict]:
    return list(coll.find({}).sort("seq", 1))


def test_an_edited_entry_is_caught(chain) -> None:
    record("tamper", cases=1)
    log, anchoring, coll = chain
    coll.update_one({"seq": 2}, {"$set": {"data.note": "Không đồng ý"}})
    ok, lines = verify_report(log, anchoring)
    assert not ok
    assert lines[0] == "first broken link: th-hoa-phong entry 2: content was changed after it was written"
    record("tamper", caught=1)


def test_a_deleted_entry_is_caught(chain) -> None:
    record("tamper", cases=1)
    log, anchoring, coll = chain
    coll.delete_one({"seq": 4})
    ok, lines = verify_report(log, anchoring)
    assert not ok
    assert lines[0].startswith("first broken link: th-hoa-phong entry 4: entries 4..4 are missing")
    record("tamper", caught=1)


def test_reordered_entries_are_caught(chain) -> None:
    record("tamper", cases=1)
    log, anchoring, coll = chain
    second, third = coll.find_one({"seq": 2}), coll.find_one({"seq": 3})
    coll.update_one({"_id": second["_id"]}, {"$set": {"seq": -2}})
    coll.update_one({"_id": third["_id"]}, {"$set": {"seq": 2}})
    coll.update_one({"_id": second["_id"]}, {"$set": {"seq": 3}})
    ok, lines = verify_report(log, anchoring)
    assert not ok
    assert lines[0].startswith("first broken link: th-hoa-phong entry 2:")
    record("tamper", caught=1)


def test_a_consistently_rebuilt_chain_is_caught_by_the_anchors(chain) -> None:
    record("tamper", cases=1)
    log, anchoring, coll = chain
    db = coll.database
    entries = _entries(coll)
    entries[1]["data"]["note"] = "Không đồng ý"  # rewrite entry 2, then recompute every hash after it
    prev = "0" * 64
    for e in entries:
        e["prev_hash"] = prev
        e["hash"] = entry_hash(e)
        prev = e["hash"]
        coll.replace_one({"_id": e["_id"]}, e)
    db["audit_log_head"].update_one({"_id": "chain:th-hoa-phong"}, {"$set": {"seq": entries[-1]["seq"], "hash": prev}})

    assert log.verify() == []  # the hash chain alone is fooled
    ok, lines = verify_report(log, anchoring)
    assert not ok
    assert lines[0] == "hash chain: every link holds"
    first_anchor = anchoring._store.keys("approvals/")[0]  # noqa: SLF001 - the anchor written after entry 3
    assert lines[1] == (f"first anchor that disagrees: th-hoa-phong entry 3 ({first_anchor}): "
                        "the database holds another history at this position (rebuilt chain)")
    record("tamper", caught=1)


def test_a_forged_anchor_is_caught(chain) -> None:
    """Rewriting an anchor to the rebuilt hash without the TSA's signature does not help."""
    log, anchoring, coll = chain
    store = anchoring._store  # noqa: SLF001 - the attacker writes the bucket directly
    import json

    last = store.keys("approvals/")[-1]  # the anchor written after entry 6
    anchor = json.loads(store.get(last))
    anchor["heads"][0]["hash"] = "f" * 64
    store.put(last, json.dumps(anchor).encode())
    problems = anchoring.verify()
    assert [(p.seq, p.problem) for p in problems] == [(6, "the token is over another chain head")]
