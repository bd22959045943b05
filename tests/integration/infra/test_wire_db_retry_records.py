"""The wire database's patched bookkeeping (``infra/standins/secantus_serve.py``): same answers, less cost.

A driver that lost a write's reply sends the same write again (same session, same ``txnNumber``);
the server must answer the first reply and not apply it twice. The patched bookkeeping must keep
SecantusDB's rules: records live 30 minutes, at most 10,000, the oldest dropped first. A geo index
still refuses a bad point (its pre-flight is skipped only for collections without one).
"""
from __future__ import annotations

import subprocess
import textwrap

import pymongo
import pytest
from bson.int64 import Int64

from infra.standins.wire_db import SERVE_SCRIPT, WIRE_VENV, server_command


def test_a_retried_increment_is_answered_again_and_applied_once(wire_server: str) -> None:
    client: pymongo.MongoClient = pymongo.MongoClient(wire_server)
    try:
        db = client["retry_records_test"]
        db["counters"].insert_one({"_id": "c", "n": 0})
        command = {"update": "counters", "updates": [{"q": {"_id": "c"}, "u": {"$inc": {"n": 1}}}],
                   "txnNumber": Int64(1)}
        with client.start_session() as session:
            first = db.command(command, session=session)
            retried = db.command(command, session=session)  # the driver's retry after a lost reply
        assert (first["n"], first["nModified"]) == (retried["n"], retried["nModified"]) == (1, 1)
        assert db["counters"].find_one({"_id": "c"})["n"] == 1
    finally:
        client.drop_database("retry_records_test")
        client.close()


RULES = textwrap.dedent(f"""
    import runpy
    from secantus import transactions
    serve = runpy.run_path({str(SERVE_SCRIPT)!r})
    transactions.TransactionRegistry.record_retryable = serve["_record_retryable"]
    transactions.TransactionRegistry._prune_retryable_locked = serve["_prune_retryable_locked"]
    now = [0.0]
    reg = transactions.TransactionRegistry(time_func=lambda: now[0])
    ok = {{"ok": 1.0, "n": 1}}
    reg.record_retryable(b"s", 0, b"w0", ok)
    for i in range(1, 10_000):
        now[0] += 0.01
        reg.record_retryable(b"s", i, b"w%d" % i, ok)
    now[0] += 0.01
    reg.record_retryable(b"s", 0, b"w0", ok)  # recorded again: now the newest
    reg.record_retryable(b"s", 10_000, b"w10000", ok)  # one over the cap: the oldest (1) goes
    print(len(reg._retryable), reg.retryable_reply(b"s", 0, b"w0") is not None,
          reg.retryable_reply(b"s", 1, b"w1") is None, reg.retryable_reply(b"s", 2, b"w2") is not None)
    now[0] += 30 * 60 - 50  # records older than 30 minutes expire: all but the last ~50 s of them
    print(reg.retryable_reply(b"s", 2, b"w2") is None, reg.retryable_reply(b"s", 10_000, b"w10000") is not None,
          len(reg._retryable) < 10_000)
""")


def test_records_keep_secantusdb_s_lifetime_cap_and_oldest_first_eviction() -> None:
    server_command()  # installs .wire-venv when missing
    out = subprocess.run([str(WIRE_VENV / "bin" / "python"), "-I", "-c", RULES], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out == ["10000", "True", "True", "True", "True", "True", "True"]


def test_a_geo_index_still_refuses_a_bad_point_and_plain_collections_still_take_writes(wire_server: str) -> None:
    client: pymongo.MongoClient = pymongo.MongoClient(wire_server)
    try:
        db = client["geo_preflight_test"]
        db["places"].create_index([("loc", "2dsphere")])
        db["plain"].create_index([("name", 1)])
        with pytest.raises(pymongo.errors.WriteError):
            db["places"].insert_one({"loc": {"type": "Point", "coordinates": [500.0, 100.0]}})
        db["places"].insert_one({"loc": {"type": "Point", "coordinates": [105.85, 21.03]}})
        db["plain"].insert_one({"name": "Trường Tiểu học Kim Liên"})
        assert (db["places"].count_documents({}), db["plain"].count_documents({"name": "Trường Tiểu học Kim Liên"})) == (1, 1)
    finally:
        client.drop_database("geo_preflight_test")
        client.close()
