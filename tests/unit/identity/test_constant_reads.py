"""Sign-in and token issuance read a constant number of documents, each by an indexed key,
whatever the number of schools (Keycloak slows down past ~300 realms because it loads
per-realm configuration). Reads are counted by a wrapper around the collection class, so the
count does not depend on mongomock's own (index-less) scanning."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import mongomock
import pytest
from pymongo.collection import Collection as PymongoCollection

from services.identity.adapters.documents import IdentityMembershipDoc, IdentitySchoolDoc, IdentityUnitDoc
from services.identity.adapters.mail import MemoryMailer
from services.identity.adapters.passwords import PasswordHasher
from services.identity.bootstrap import bootstrap
from services.identity.entrypoints.app import create_app
from services.identity.entrypoints.demo import seed_demo
from services.kernel.messaging import InMemoryPublisher

from .conftest import PUBLIC, fresh_db_name, REDIRECT, authorize_query, pkce_pair, sign_in

READ_METHODS = ("find", "find_one_and_update", "find_one_and_delete", "count_documents", "aggregate", "distinct")
WRITE_METHODS = ("update_one", "update_many", "delete_one", "delete_many", "replace_one")


class ReadLog:
    """Every read (and write filter) the code makes, outermost calls only."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, dict]] = []
        self.writes: list[tuple[str, dict]] = []
        self._depth = threading.local()

    def wrap(self, cls, name: str, target: list):
        original = getattr(cls, name)
        log = self

        def counted(coll, *args, **kwargs):
            depth = getattr(log._depth, "n", 0)
            if depth == 0:
                flt = args[0] if args else kwargs.get("filter") or {}
                flt = dict(flt) if isinstance(flt, dict) else {"_id": flt}
                sort = kwargs.get("sort") or []
                if not flt and sort:  # e.g. the audit chain's last entry: an index walk, limit 1
                    flt = {sort[0][0]: {"$sort": True}}
                target.append((coll.name, flt))
            log._depth.n = depth + 1
            try:
                return original(coll, *args, **kwargs)
            finally:
                log._depth.n = depth

        return original, counted


@contextmanager
def counting():
    log = ReadLog()
    cls = mongomock.collection.Collection
    saved = []
    for names, target in ((READ_METHODS, log.reads), (WRITE_METHODS, log.writes)):
        for name in names:
            for klass in (cls, PymongoCollection):
                if hasattr(klass, name):
                    original, counted = log.wrap(klass, name, target)
                    saved.append((klass, name, original))
                    setattr(klass, name, counted)
    try:
        yield log
    finally:
        for klass, name, original in saved:
            setattr(klass, name, original)


def _load_schools(total: int) -> None:
    """Add schools (each with a unit and its principal's membership) up to ``total`` schools. (The
    principals' person records are left out: mongomock checks unique indexes in O(n) per insert.)"""
    now = datetime.now(timezone.utc)
    extra = total - IdentitySchoolDoc.objects.count()
    if extra <= 0:
        return
    base = {"district_id": "pgd-hoa-vang", "province_id": "so-da-nang"}
    IdentitySchoolDoc._get_collection().insert_many([
        {"_id": f"s{i:05d}", "tenant_id": f"s{i:05d}", "name": f"Trường {i}", "levels": ["thcs"], "created_at": now,
         "principal_id": f"p{i:05d}", **base} for i in range(extra)])
    IdentityUnitDoc._get_collection().insert_many([
        {"_id": f"s{i:05d}/to-1", "tenant_id": f"s{i:05d}", "slug": "to-1", "name": "Tổ 1", "kind": "to_chuyen_mon", **base}
        for i in range(extra)])
    IdentityMembershipDoc._get_collection().insert_many([
        {"_id": f"p{i:05d}|hieu_truong|s{i:05d}", "person_id": f"p{i:05d}", "role": "hieu_truong", "active": True,
         "tenant_id": f"s{i:05d}", **base} for i in range(extra)])


def _journey(client, nonce: str) -> dict[str, ReadLog]:
    """Reads per step of a browser sign-in and token issuance, and of a service's token."""
    steps: dict[str, ReadLog] = {}
    verifier, challenge = pkce_pair()
    start = "/oauth/authorize?" + authorize_query(challenge, nonce=nonce)
    with counting() as log:
        sign_in(client, "thhp.giaovien", next_path=start)
    steps["password sign-in"] = log
    with counting() as log:
        resp = client.get(start)
    steps["authorize"] = log
    code = parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]
    with counting() as log:
        tok = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "client_id": "hoso-web",
                                                "redirect_uri": REDIRECT, "code_verifier": verifier}).get_json()
    steps["code → tokens"] = log
    with counting() as log:
        client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": tok["refresh_token"],
                                          "client_id": "hoso-web"})
    steps["refresh"] = log
    with counting() as log:
        client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "documents",
                                          "client_secret": "documents-secret-123"})
    steps["client credentials"] = log
    return steps


def _indexed(db, collection: str, flt: dict) -> bool:
    fields = {k for k in flt if not k.startswith("$")}
    if not fields or "_id" in fields:
        return "_id" in fields
    firsts = {info["key"][0][0] for info in db[collection].index_information().values()}
    return bool(fields & firsts)


def _run(total: int, clock) -> tuple[dict[str, int], list]:
    c = bootstrap({"mode": "test", "public_url": PUBLIC, "documents_client_secret": "documents-secret-123",
                   "db_name": fresh_db_name()},
                  environ={"MONGO_URI": os.environ["MONGO_URI"]} if os.environ.get("MONGO_URI") else {},
                  clock=clock, publisher=InMemoryPublisher(), mailer=MemoryMailer(),
                  hasher=PasswordHasher(time_cost=1, memory_cost_kib=8 * 1024))
    seed_demo(c)
    _load_schools(total)
    assert IdentitySchoolDoc.objects.count() == total
    app = create_app(container=c)
    _journey(app.test_client(), "warm")  # loads the signing key, makes the device history non-empty
    steps = _journey(app.test_client(), "measured")
    unindexed = [(step, coll, flt) for step, log in steps.items() for coll, flt in log.reads + log.writes
                 if not _indexed(c.runtime.db, coll, flt)]
    c.runtime.db.client.drop_database(c.runtime.db.name)
    return {step: len(log.reads) for step, log in steps.items()}, unindexed


@pytest.mark.timeout(240)
def test_reads_per_sign_in_and_token_do_not_grow_with_the_number_of_schools(clock):
    small, unindexed_small = _run(3, clock)
    large, unindexed_large = _run(5000, clock)
    print("\nreads per step (3 schools / 5,000 schools):", {k: (small[k], large[k]) for k in small})
    assert small == large
    assert unindexed_small == [] and unindexed_large == []
    assert large["client credentials"] == 0
    assert all(n <= 10 for n in large.values())
