"""The restore drill: a demo district over the MongoDB wire protocol and S3 over HTTP is backed
up, wiped, restored into the empty deployment and compared record by record and object by object.

The district is seeded by the all-in-one platform running on the wire database (SecantusDB,
``infra/standins/wire_db.py``) with both object stores (documents, audit anchors) in a moto S3
server over HTTP. The drill report (counts per service and collection, objects matched, seconds)
is printed and written to ``test-artifacts/restore-drill.json``.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import bson
from bson import json_util
import pymongo
import pytest
from moto.server import ThreadedMotoServer

from infra.allinone import start_platform
from infra.backup.archive import DECODED, create, decrypt_dump, restore, snapshot_reads, verify
from infra.backup.crypto import BackupKey, TamperedFile
from infra.backup.scope import AUDIT_COLLECTION, Scope
from infra.backup.sources import Deployment
from infra.demo.district import DEMO_DISTRICT
from infra.standins.wire_db import WireDatabase, free_port
from services.kernel.audit import AuditLog

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[3]
ARTIFACT = ROOT / "test-artifacts" / "restore-drill.json"
BUCKETS = ("drill-documents", "drill-anchors")
BACKUP_ACTIONS = {"backup.created", "backup.restored"}
SCHOOL_A, SCHOOL_B = DEMO_DISTRICT.schools[0].slug, DEMO_DISTRICT.schools[1].slug


@dataclass
class District:
    """The seeded deployment: its environment, database client, S3 client and timings."""

    environ: dict[str, str]
    mongo: pymongo.MongoClient
    s3: Any
    seed_seconds: float

    def deployment(self) -> Deployment:
        return Deployment.from_environ(self.environ)

    def databases(self) -> list[str]:
        return sorted(d for d in self.mongo.list_database_names() if d.startswith("hoso_"))

    def records(self) -> dict[str, dict[str, dict[Any, dict[str, Any]]]]:
        """Every record of every service database, decoded, by collection and ``_id``."""
        out: dict[str, dict[str, dict[Any, dict[str, Any]]]] = {}
        for name in self.databases():
            db = self.mongo.get_database(name, codec_options=DECODED)
            out[name] = {coll: {_key(d["_id"]): d for d in db[coll].find({})}
                         for coll in sorted(db.list_collection_names())}
        return out

    def objects(self) -> dict[tuple[str, str], str]:
        """SHA-256 of every object in both buckets."""
        found = {}
        for bucket in BUCKETS:
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for item in page.get("Contents", []):
                    body = self.s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                    found[(bucket, item["Key"])] = hashlib.sha256(body).hexdigest()
        return found

    def wipe(self) -> None:
        """An empty deployment: every service database dropped, every object deleted."""
        for name in self.databases():
            self.mongo.drop_database(name)
        for bucket in BUCKETS:
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for item in page.get("Contents", []):
                    self.s3.delete_object(Bucket=bucket, Key=item["Key"])


def _key(value: Any) -> Any:
    return str(value) if isinstance(value, bson.ObjectId) else value


def _without_backup_entries(records: dict[str, dict[str, dict[Any, dict[str, Any]]]]) -> dict[str, Any]:
    """The records a backup or restore does not change: its own audit entries and the chain head set aside."""
    kept: dict[str, Any] = {}
    for db, colls in records.items():
        kept[db] = {}
        for coll, docs in colls.items():
            if coll == f"{AUDIT_COLLECTION}_head":
                continue
            if coll == AUDIT_COLLECTION:
                docs = {k: d for k, d in docs.items() if d.get("action") not in BACKUP_ACTIONS}
            kept[db][coll] = docs
    return kept


def _audit_entries_by_seq(records: dict[str, Any]) -> dict[str, Any]:
    """Audit entries keyed by chain and ``seq`` (their ``_id`` is not part of the chain; each school has its own)."""
    return {db: {(d.get("chain"), d["seq"]): d for d in colls.get(AUDIT_COLLECTION, {}).values()}
            for db, colls in records.items()}


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    credentials = {"AWS_ACCESS_KEY_ID": "drill", "AWS_SECRET_ACCESS_KEY": "drill", "AWS_DEFAULT_REGION": "us-east-1"}
    previous = {name: os.environ.get(name) for name in credentials}
    os.environ.update(credentials)
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket)
    wire = WireDatabase(storage=tmp_path_factory.mktemp("wire-db"))
    wire.start()
    environ = {
        "MONGO_URI": wire.uri, "HOSO_DOCUMENTS_STORAGE": "s3", "HOSO_DOCUMENTS_S3_BUCKET": BUCKETS[0],
        "HOSO_DOCUMENTS_S3_ENDPOINT_URL": endpoint, "HOSO_AUDIT_ANCHOR_STORE": "s3",
        "HOSO_AUDIT_ANCHOR_S3_BUCKET": BUCKETS[1], "HOSO_AUDIT_ANCHOR_S3_ENDPOINT_URL": endpoint,
    }
    started = time.monotonic()
    platform = start_platform(environ=environ, data_dir=str(tmp_path_factory.mktemp("platform")))
    try:
        for container in platform.containers.values():
            if container.runtime.anchoring is not None:
                container.runtime.anchoring.anchor_once()
        _wait_outboxes_empty(platform)
    finally:
        platform.stop()
    mongo: pymongo.MongoClient = pymongo.MongoClient(wire.uri, tz_aware=True, uuidRepresentation="standard")
    try:
        yield District(environ=environ, mongo=mongo, s3=s3, seed_seconds=time.monotonic() - started)
    finally:
        mongo.close()
        wire.stop()
        moto.stop()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _wait_outboxes_empty(platform: Any, timeout: float = 120.0) -> None:
    """Let the relays publish the seed's events and the consumers apply them (a quiet district)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = sum(c.count_documents({"pending_events.0": {"$exists": True}})
                      for container in platform.containers.values()
                      for c in getattr(container, "outbox_collections", list)())
        if not pending:
            return
        time.sleep(0.5)


@pytest.fixture(scope="module")
def key() -> BackupKey:
    return BackupKey(key=os.urandom(32))


def test_backup_wipe_restore_matches_every_record_and_object(district: District, key: BackupKey,
                                                             tmp_path: Path) -> None:
    before_records, before_objects = district.records(), district.objects()
    with_data = {db: sum(len(d) for d in colls.values()) for db, colls in before_records.items()}
    assert len(with_data) == 5 and all(with_data.values()), with_data

    deployment = district.deployment()
    try:
        made = create(deployment, Scope.parse("platform"), tmp_path / "platform", key, actor="drill:operator",
                      consistency="transaction")
        checked = verify(tmp_path / "platform", key)
        district.wipe()
        assert district.databases() == [] and district.objects() == {}
        restored = restore(deployment, tmp_path / "platform", key, actor="drill:operator")
    finally:
        deployment.close()

    after_records, after_objects = district.records(), district.objects()
    assert _without_backup_entries(after_records) == _without_backup_entries(before_records)
    assert after_objects == before_objects
    for name in district.databases():
        assert AuditLog(db=district.mongo[name]).verify() == [], f"{name}: audit chain broken after restore"
        restored_entries = district.mongo[name][AUDIT_COLLECTION].find({"action": "backup.restored"})
        assert [(e["actor"], e["target"]) for e in restored_entries] == [("drill:operator", "platform")]

    compared = sum(len(d) for colls in _without_backup_entries(after_records).values() for d in colls.values())
    report = {
        "seed_seconds": round(district.seed_seconds, 1),
        "backup": made.as_dict(), "verify": checked.as_dict(), "restore": restored.as_dict(),
        "records_compared_field_by_field": compared, "records_mismatched": 0,
        "objects_compared_sha256": len(after_objects), "objects_mismatched": 0,
        "per_database": {db: {c: len(d) for c, d in colls.items()} for db, colls in before_records.items()},
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print("\nrestore drill:", json.dumps({k: v for k, v in report.items() if k != "per_database"}, indent=1))
    assert made.records == restored.records == checked.records
    assert made.objects == restored.objects == checked.objects == len(before_objects)


def test_restoring_one_school_leaves_another_as_it_is(district: District, key: BackupKey, tmp_path: Path) -> None:
    deployment = district.deployment()
    try:
        create(deployment, Scope.parse(f"school:{SCHOOL_A}"), tmp_path / "a", key, actor="drill:operator",
               consistency="transaction")
        at_backup = district.records()
        docs = district.mongo["hoso_documents"]
        # since the backup both schools changed: A lost a document and renamed another; B renamed one and added one
        a_docs = list(docs.documents.find({"tenant_id": SCHOOL_A}).limit(2))
        b_doc = docs.documents.find_one({"tenant_id": SCHOOL_B})
        assert len(a_docs) == 2 and b_doc is not None
        docs.documents.delete_one({"_id": a_docs[0]["_id"]})
        docs.documents.update_one({"_id": a_docs[1]["_id"]}, {"$set": {"title": "Đã sửa sau bản sao lưu"}})
        docs.documents.update_one({"_id": b_doc["_id"]}, {"$set": {"title": "Trường B sửa sau bản sao lưu"}})
        docs.documents.insert_one({**b_doc, "_id": f"{b_doc['_id']}-moi", "title": "Hồ sơ mới của trường B"})
        district.s3.put_object(Bucket=BUCKETS[0], Key=f"{SCHOOL_B}/moi-sau-sao-luu", Body=b"%PDF-1.7 new")
        before_restore, objects_before = district.records(), district.objects()

        restore(deployment, tmp_path / "a", key, actor="drill:operator")
    finally:
        deployment.close()

    after = district.records()
    scope = Scope.parse(f"school:{SCHOOL_A}")
    for db, colls in after.items():
        for coll, docs_after in colls.items():
            if coll in (AUDIT_COLLECTION, f"{AUDIT_COLLECTION}_head"):
                continue
            mine = {k: d for k, d in docs_after.items() if scope.matches(coll, d)}
            others = {k: d for k, d in docs_after.items() if not scope.matches(coll, d)}
            assert mine == {k: d for k, d in at_backup[db].get(coll, {}).items() if scope.matches(coll, d)}, (db, coll)
            assert others == {k: d for k, d in before_restore[db].get(coll, {}).items()
                              if not scope.matches(coll, d)}, (db, coll)
    # audit: no entry changed or removed; only the restore's own entries were added
    old, new = _audit_entries_by_seq(before_restore), _audit_entries_by_seq(after)
    for db in old:
        assert {s: e for s, e in new[db].items() if s in old[db]} == old[db]
        assert {e["action"] for s, e in new[db].items() if s not in old[db]} == {"backup.restored"}
        assert AuditLog(db=district.mongo[db]).verify() == []
    assert district.objects() == objects_before  # A's objects are unchanged; B's new object is still there
    title = after["hoso_documents"]["documents"][_key(b_doc["_id"])]["title"]
    assert title == "Trường B sửa sau bản sao lưu"


def test_verify_refuses_a_changed_file(district: District, key: BackupKey, tmp_path: Path) -> None:
    deployment = district.deployment()
    try:
        create(deployment, Scope.parse(f"school:{SCHOOL_B}"), tmp_path / "b", key, actor="drill:operator",
               consistency="transaction")
    finally:
        deployment.close()
    target = next((tmp_path / "b" / "objects" / "documents").iterdir())
    data = bytearray(target.read_bytes())
    data[20] ^= 1
    target.write_bytes(bytes(data))
    with pytest.raises(TamperedFile):
        verify(tmp_path / "b", key)


def test_a_snapshot_transaction_does_not_see_later_writes(district: District) -> None:
    db = district.mongo["drill_snapshot"]
    db.first.insert_one({"n": 1})
    db.second.insert_one({"n": 1})
    writer = threading.Thread(target=lambda: db.second.insert_one({"n": 2}))
    with snapshot_reads(db, "transaction") as session:
        assert db.first.count_documents({}, session=session) == 1
        writer.start()
        writer.join()
        assert db.second.count_documents({}, session=session) == 1
    assert db.second.count_documents({}) == 2
    district.mongo.drop_database("drill_snapshot")


def test_the_command_backs_up_a_unit_and_verifies_it(district: District, tmp_path: Path) -> None:
    environ = {**os.environ, **district.environ, "BACKUP_KEY": BackupKey.generate()}
    out = tmp_path / "unit"
    made = subprocess.run([sys.executable, "-m", "infra.backup", "create", "--scope", f"unit:{DEMO_DISTRICT.slug}",
                           "--out", str(out), "--consistency", "transaction", "--actor", "drill:chuyen-vien"],
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr
    report = json.loads(made.stdout)
    checked = subprocess.run([sys.executable, "-m", "infra.backup", "verify", "--from", str(out)],
                             cwd=ROOT, env=environ, capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["records"] == report["records"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {SCHOOL_A, SCHOOL_B} <= set(manifest["schools"]) and report["objects"] > 0
    entry = district.mongo["hoso_documents"][AUDIT_COLLECTION].find_one({"action": "backup.created",
                                                                         "actor": "drill:chuyen-vien"})
    assert entry is not None and entry["target"] == f"unit:{DEMO_DISTRICT.slug}"
    assert entry["district"] == DEMO_DISTRICT.slug
    wrong = subprocess.run([sys.executable, "-m", "infra.backup", "verify", "--from", str(out)], cwd=ROOT,
                           env={**environ, "BACKUP_KEY": BackupKey.generate()}, capture_output=True, text=True,
                           timeout=120)
    assert wrong.returncode == 1 and "another key" in wrong.stderr


def test_decrypt_writes_the_mongodump_tree(district: District, key: BackupKey, tmp_path: Path) -> None:
    """What ``mongorestore --gzip --dir`` reads: ``<db>/<coll>.bson.gz`` (concatenated BSON documents)
    and ``<db>/<coll>.metadata.json.gz`` (extended JSON with the indexes)."""
    deployment = district.deployment()
    try:
        made = create(deployment, Scope.parse(f"school:{SCHOOL_A}"), tmp_path / "a", key, actor="drill:operator",
                      consistency="transaction")
    finally:
        deployment.close()
    written = decrypt_dump(tmp_path / "a", key, tmp_path / "dump")
    counted = 0
    for path in written:
        with gzip.open(path) as plain:
            if path.name.endswith(".metadata.json.gz"):
                meta = json_util.loads(plain.read().decode("utf-8"))
                assert meta["collectionName"] == path.name.removesuffix(".metadata.json.gz")
                assert any(i["name"] == "_id_" for i in meta["indexes"])
            else:
                counted += sum(1 for _ in bson.decode_file_iter(plain))
    assert counted == made.records
    assert {p.parent.name for p in written} == {f"hoso_{s}" for s in made.services}
