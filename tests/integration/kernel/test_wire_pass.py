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


def test_shards_split_the_selection_by_whole_files_each_test_in_exactly_one(monkeypatch):
    from types import SimpleNamespace

    from tests.wire import SHARD_ENV, keep_shard

    files = {"tests/unit/a.py": 5, "tests/unit/b.py": 3, "tests/unit/c.py": 2, "tests/unit/d.py": 1}
    selection = [f"{path}::test_{n}" for path, count in files.items() for n in range(count)]
    kept: list[list[str]] = []
    for index in range(2):
        deselected: list[str] = []
        config = SimpleNamespace(hook=SimpleNamespace(pytest_deselected=lambda items: deselected.extend(i.nodeid for i in items)))
        items = [SimpleNamespace(nodeid=nodeid) for nodeid in selection]
        monkeypatch.setenv(SHARD_ENV, f"{index}/2")
        keep_shard(config, items)
        kept.append([item.nodeid for item in items])
        assert sorted(kept[-1] + deselected) == sorted(selection)
    assert sorted(kept[0] + kept[1]) == sorted(selection) and not set(kept[0]) & set(kept[1])
    assert {n.split("::")[0] for n in kept[0]} == {"tests/unit/a.py", "tests/unit/d.py"}  # 6 tests against 5
    assert kept[0] == [n for n in selection if n in kept[0]]  # order kept


def test_a_filter_beside_an_or_is_served_by_an_index_on_each_branch_or_on_the_filter():
    from tests.wire import _served

    read_log = {"action": "cross_tenant.read",
                "$or": [{"tenant": "th-hoa-phong"}, {"tenant": None, "district": "pgd-hoa-vang"}]}
    assert _served(read_log, {"tenant", "chain", "target"})  # each branch names tenant (the audit log's index)
    assert _served(read_log, {"action"})
    assert not _served(read_log, {"chain", "target"})
    assert not _served({"action": "x", "$or": [{"tenant": "a"}, {"district": "d"}]}, {"tenant"})  # one branch scans
    assert not _served({"requested_by": "thhn.hieutruong"}, {"tenant_id"})
