"""Database commands are counted per scope and per request over the real wire (pymongo command monitoring)."""
from __future__ import annotations

import uuid

from services.kernel.db_commands import COMMANDS, HEADER
from services.kernel.messaging import InMemoryPublisher
from services.kernel.mongo import connect_database
from services.notifications.bootstrap import bootstrap
from services.notifications.entrypoints.app import create_app


def test_each_command_counts_once_in_every_open_scope(wire_server):
    db = connect_database(alias="kernel-db-commands", db_name=f"db_commands_{uuid.uuid4().hex[:8]}", uri=wire_server)
    try:
        with COMMANDS.counting() as outer:
            db["things"].insert_one({"n": 1})
            with COMMANDS.counting() as inner:
                assert db["things"].find_one({"n": 1})["n"] == 1
                db["things"].update_one({"n": 1}, {"$inc": {"n": 1}})
        db["things"].find_one({})
        assert dict(inner.by_name) == {"find": 1, "update": 1} and inner.total == 2
        assert dict(outer.by_name) == {"insert": 1, "find": 1, "update": 1} and outer.total == 3
    finally:
        db.client.drop_database(db.name)


def test_a_service_answers_its_request_s_command_count_outside_production(wire_server, tokens):
    c = bootstrap({"mode": "test", "db_name": f"db_commands_app_{uuid.uuid4().hex[:8]}"}, environ={"MONGO_URI": wire_server},
                  verifier=tokens.verifier(), publisher=InMemoryPublisher())
    try:
        client = create_app(container=c).test_client()
        auth = {"Authorization": "Bearer " + tokens.issue("thhp.giaovien", tenant="th-hoa-phong", district="pgd-hoa-vang")}
        with COMMANDS.counting() as scope:
            resp = client.get("/api/v1/inbox", headers=auth)
        assert resp.status_code == 200
        assert int(resp.headers[HEADER]) == scope.total > 0
        assert client.get("/healthz").headers[HEADER] == "0"
    finally:
        c.runtime.db.client.drop_database(c.runtime.db.name)
