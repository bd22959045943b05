"""The wire pass's seam: a test's connections go to the wire server, on names of its own, dropped after it."""
from __future__ import annotations

import pymongo

from tests.wire import WireConnections, db_name_for


def test_connections_go_to_the_wire_server_on_the_test_s_own_names(wire_server):
    mine = WireConnections(uri=wire_server, node_id="tests/x.py::test_a")
    theirs = WireConnections(uri=wire_server, node_id="tests/x.py::test_b")
    db = mine.connect(alias="kernel-wire-pass-a", db_name="hoso_documents", uri=None)
    other = theirs.connect(alias="kernel-wire-pass-b", db_name="hoso_documents", uri=None)
    assert isinstance(db.client, pymongo.MongoClient)
    assert db.name == db_name_for("tests/x.py::test_a", "hoso_documents") != other.name
    db["files"].insert_one({"name": "a"})
    other["files"].insert_one({"name": "b"})
    admin = pymongo.MongoClient(wire_server)
    try:
        assert [d["name"] for d in db["files"].find({}, {"_id": 0})] == ["a"]
        mine.drop(admin)
        assert db.name not in admin.list_database_names() and other.name in admin.list_database_names()
        theirs.drop(admin)
    finally:
        admin.close()
