"""Create, restore and verify backups in ``mongodump``'s layout, encrypted with ``BackupKey``.

A backup folder holds ``manifest.json`` (what is inside, with each file's plaintext SHA-256 and
each object's SHA-256), ``manifest.mac`` (its HMAC under the backup key), ``dump/<db>/<coll>.bson.gz.enc``
and ``dump/<db>/<coll>.metadata.json.gz.enc`` (decrypted, exactly what ``mongodump --gzip`` writes)
and ``objects/<store>/<n>.enc``. Each service's collections are read in one snapshot: a snapshot
session (MongoDB 5.0+, the production path) or one transaction with read concern ``snapshot``
(SecantusDB, which accepts snapshot sessions but does not pin their reads; see docs/backups.md).
"""
from __future__ import annotations

import contextlib
import gzip
import json
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Literal

import bson
from bson import json_util
from bson.codec_options import CodecOptions
from bson.binary import UuidRepresentation
from bson.raw_bson import RawBSONDocument
from pymongo import IndexModel
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError
from pymongo.read_concern import ReadConcern

from services.kernel.audit import AuditLog

from .crypto import BackupKey, BackupKeyError, FileDigest
from .scope import AUDIT_COLLECTION, Scope, storage_keys
from .sources import DOCUMENTS_STORE, Deployment, ServiceData

FORMAT = "hoso-backup/1"
MANIFEST = "manifest.json"
MAC = "manifest.mac"
BATCH = 1000
FLUSH = 1024 * 1024
Consistency = Literal["snapshot", "transaction"]
RAW = CodecOptions(document_class=RawBSONDocument, tz_aware=True, uuid_representation=UuidRepresentation.STANDARD)
DECODED = CodecOptions(tz_aware=True, uuid_representation=UuidRepresentation.STANDARD)


class BackupError(RuntimeError):
    """A backup cannot be made, read or restored as asked; the message says why."""


@dataclass
class Report:
    """What a create, restore or verify did, printed by the CLI and kept by the drill."""

    action: str
    scope: str
    services: dict[str, dict[str, int]] = field(default_factory=dict)
    objects: int = 0
    object_bytes: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(sum(c.values()) for c in self.services.values())

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "scope": self.scope, "records": self.records, "objects": self.objects,
                "object_bytes": self.object_bytes, "seconds": round(self.seconds, 3), "services": self.services,
                "notes": self.notes}


# -- create ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def snapshot_reads(db: Database, consistency: Consistency) -> Iterator[ClientSession]:
    """A session whose reads all see one point in time of ``db``."""
    if consistency == "snapshot":
        with db.client.start_session(snapshot=True) as session:
            yield session
        return
    with db.client.start_session() as session:
        with session.start_transaction(read_concern=ReadConcern("snapshot")):
            yield session


def _gzip_bson(cursor: Iterable[RawBSONDocument], on_doc: Callable[[RawBSONDocument], None]) -> Iterator[bytes]:
    """The documents' raw BSON, gzip-compressed as ``mongodump --gzip`` writes it."""
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    buf = bytearray()
    for doc in cursor:
        buf += doc.raw
        on_doc(doc)
        if len(buf) >= FLUSH:
            yield comp.compress(bytes(buf))
            buf.clear()
    yield comp.compress(bytes(buf)) + comp.flush()


def collection_metadata(db: Database, name: str) -> dict[str, Any]:
    """What ``mongodump`` writes to ``<coll>.metadata.json``: options, indexes, uuid, type."""
    info = next(iter(db.list_collections(filter={"name": name})), {})
    indexes = []
    for index in db[name].list_indexes():
        spec = dict(index)
        spec.pop("ns", None)
        indexes.append(spec)
    uuid = info.get("info", {}).get("uuid")
    return {"indexes": indexes, "uuid": uuid.hex() if hasattr(uuid, "hex") else "", "collectionName": name,
            "type": info.get("type", "collection"), "options": info.get("options", {})}


class _Writer:
    """Writes encrypted files under the backup folder and remembers their digests."""

    def __init__(self, root: Path, key: BackupKey) -> None:
        self.root, self.key = root, key

    def write(self, name: str, chunks: Iterable[bytes]) -> dict[str, Any]:
        digest: FileDigest = self.key.write(self.root / name, name, chunks)
        return {"file": name, "size": digest.size, "sha256": digest.sha256}


def _collections(db: Database) -> list[str]:
    """The service's collections, the audit chain last (so a unit's schools are known by then)."""
    names = sorted(n for n in db.list_collection_names() if not n.startswith("system."))
    return [n for n in names if n != AUDIT_COLLECTION] + ([AUDIT_COLLECTION] if AUDIT_COLLECTION in names else [])


def _dump_service(svc: ServiceData, scope: Scope, writer: _Writer, consistency: Consistency,
                  schools: set[str], keys: set[str]) -> dict[str, Any]:
    raw_db = svc.db.with_options(codec_options=RAW)
    names = _collections(svc.db)
    meta = {name: collection_metadata(svc.db, name) for name in names}
    out: dict[str, Any] = {"db": svc.db.name, "collections": {}}
    with snapshot_reads(svc.db, consistency) as session:
        for name in names:
            counted = [0]

            def seen(doc: RawBSONDocument) -> None:
                counted[0] += 1
                if scope.is_platform:
                    return
                decoded = bson.decode(doc.raw, codec_options=DECODED)
                if isinstance(decoded.get("tenant_id"), str):
                    schools.add(decoded["tenant_id"])
                keys.update(storage_keys(decoded))

            cursor = raw_db[name].find(scope.query(name, schools), session=session)
            data = writer.write(f"dump/{svc.db.name}/{name}.bson.gz.enc", _gzip_bson(cursor, seen))
            out["collections"][name] = {"count": counted[0], "data": data}
        out["snapshot_time"] = str(getattr(session, "_snapshot_time", None) or session.operation_time or "")
    for name in names:
        body = json_util.dumps(meta[name], json_options=json_util.CANONICAL_JSON_OPTIONS).encode("utf-8")
        out["collections"][name]["metadata"] = writer.write(f"dump/{svc.db.name}/{name}.metadata.json.gz.enc",
                                                           [gzip.compress(body)])
    return out


def create(deployment: Deployment, scope: Scope, out: Path, key: BackupKey, *, actor: str,
           consistency: Consistency = "snapshot") -> Report:
    """Back up ``scope`` into the new folder ``out`` (written as ``out.partial``, renamed when complete)."""
    started = time.monotonic()
    if out.exists():
        raise BackupError(f"{out} already exists")
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        report = _create_into(deployment, scope, partial, key, actor, consistency)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # a failed run leaves nothing that looks like a backup
        raise
    partial.rename(out)
    report.seconds = time.monotonic() - started
    _audit(deployment, deployment.services, "backup.created", actor, scope,
           {"backup": out.name, "records": report.records, "objects": report.objects})
    return report


def _create_into(deployment: Deployment, scope: Scope, partial: Path, key: BackupKey, actor: str,
                 consistency: Consistency) -> Report:
    writer = _Writer(partial, key)
    schools: set[str] = {scope.id} if scope.kind == "school" and scope.id else set()
    keys: set[str] = set()
    manifest: dict[str, Any] = {"format": FORMAT, "scope": str(scope), "actor": actor, "consistency": consistency,
                                "created_at": datetime.now(timezone.utc).isoformat(), "key": key.fingerprint,
                                "services": {}, "objects": [], "missing_objects": []}
    report = Report(action="create", scope=str(scope))
    for name, svc in deployment.services.items():
        manifest["services"][name] = _dump_service(svc, scope, writer, consistency, schools, keys)
        report.services[name] = {c: v["count"] for c, v in manifest["services"][name]["collections"].items()}
    manifest["schools"] = sorted(schools)
    _dump_objects(deployment, scope, writer, manifest, schools, keys)
    report.objects = len(manifest["objects"])
    report.object_bytes = sum(o["size"] for o in manifest["objects"])
    if manifest["missing_objects"]:
        report.notes.append(f"{len(manifest['missing_objects'])} referenced objects were not in the store")
    body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    (partial / MANIFEST).write_bytes(body)
    (partial / MAC).write_text(key.mac(body) + "\n", encoding="ascii")
    return report


def _dump_objects(deployment: Deployment, scope: Scope, writer: _Writer, manifest: dict[str, Any],
                  schools: set[str], referenced: set[str]) -> None:
    n = 0
    for store_name, store in deployment.stores.items():
        if store_name == DOCUMENTS_STORE:
            found = {k for prefix in scope.object_prefixes(schools) for k in store.keys(prefix)}
            wanted = found | referenced
        elif scope.is_platform:
            found = wanted = set(store.keys(""))
        else:
            continue  # audit anchors cover a whole chain: platform backups only
        for key_ in sorted(wanted):
            if key_ not in found:
                manifest["missing_objects"].append({"store": store_name, "key": key_})
                continue
            entry = writer.write(f"objects/{store_name}/{n}.enc", store.chunks(key_))
            manifest["objects"].append({"store": store_name, "key": key_, **entry})
            n += 1


def _audit(deployment: Deployment, services: Iterable[str], action: str, actor: str, scope: Scope,
           data: dict[str, Any]) -> None:
    """One entry in each service's audit chain naming the scope and who ran the backup or restore."""
    for name in services:
        AuditLog(db=deployment.services[name].db).append(
            action=action, actor=actor, tenant=scope.id if scope.kind == "school" else None,
            district=scope.id if scope.kind == "unit" else None, target=str(scope), data=data)


# -- reading a backup -----------------------------------------------------------------------------


def read_manifest(source: Path, key: BackupKey) -> dict[str, Any]:
    """The manifest, once its HMAC and the key's fingerprint check out."""
    try:
        body = (source / MANIFEST).read_bytes()
        mac = (source / MAC).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise BackupError(f"{source} is not a complete backup (no {MANIFEST} or {MAC})") from None
    manifest = json.loads(body)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: unknown format {manifest.get('format')!r}")
    if manifest.get("key") != key.fingerprint:
        raise BackupKeyError(f"{source} was made with another key (fingerprint {manifest.get('key')})")
    if mac != key.mac(body):
        raise BackupError(f"{source}/{MANIFEST} was changed after the backup was made")
    return manifest


@contextlib.contextmanager
def decrypted(source: Path, entry: dict[str, Any], key: BackupKey) -> Iterator[BinaryIO]:
    """A temporary file with one backup file's plaintext, checked against the manifest's SHA-256."""
    with tempfile.TemporaryFile() as tmp:
        digest = key.read(source / entry["file"], entry["file"], tmp)  # type: ignore[arg-type]
        if digest.sha256 != entry["sha256"] or digest.size != entry["size"]:
            raise BackupError(f"{entry['file']}: SHA-256 differs from the manifest")
        tmp.seek(0)
        yield tmp  # type: ignore[misc]


def bson_documents(source: Path, entry: dict[str, Any], key: BackupKey) -> Iterator[RawBSONDocument]:
    """The documents of one collection's dump, in the order they were read."""
    with decrypted(source, entry, key) as plain, gzip.open(plain) as unzipped:
        yield from bson.decode_file_iter(unzipped, codec_options=RAW)  # type: ignore[arg-type]


def verify(source: Path, key: BackupKey) -> Report:
    """Decrypt every file, check its SHA-256 and each collection's document count."""
    started = time.monotonic()
    manifest = read_manifest(source, key)
    report = Report(action="verify", scope=manifest["scope"])
    for name, svc in manifest["services"].items():
        report.services[name] = {}
        for coll, entry in svc["collections"].items():
            count = sum(1 for _ in bson_documents(source, entry["data"], key))
            if count != entry["count"]:
                raise BackupError(f"{svc['db']}.{coll}: {count} documents, the manifest says {entry['count']}")
            with decrypted(source, entry["metadata"], key):
                report.services[name][coll] = count
    for obj in manifest["objects"]:
        with decrypted(source, obj, key):
            report.objects += 1
            report.object_bytes += obj["size"]
    report.seconds = time.monotonic() - started
    return report


def decrypt_dump(source: Path, key: BackupKey, out: Path) -> list[Path]:
    """Write the plain ``mongodump --gzip`` tree (for ``mongorestore --gzip --dir OUT``)."""
    manifest = read_manifest(source, key)
    written = []
    for svc in manifest["services"].values():
        for coll, entry in svc["collections"].items():
            for part, suffix in (("data", ".bson.gz"), ("metadata", ".metadata.json.gz")):
                target = out / svc["db"] / f"{coll}{suffix}"
                target.parent.mkdir(parents=True, exist_ok=True)
                with decrypted(source, entry[part], key) as plain, open(target, "wb") as dst:
                    shutil.copyfileobj(plain, dst)
                written.append(target)
    return written


# -- restore --------------------------------------------------------------------------------------


def _ensure_indexes(collection: Collection, metadata: dict[str, Any]) -> None:
    models = []
    for spec in metadata["indexes"]:
        if spec.get("name") == "_id_":
            continue
        options = {k: v for k, v in spec.items() if k not in ("key", "v", "ns")}
        models.append(IndexModel(list(spec["key"].items()), **options))
    if models:
        collection.create_indexes(models)


def _non_empty(db: Database) -> list[str]:
    return [n for n in db.list_collection_names()
            if not n.startswith("system.") and db[n].find_one({}, {"_id": 1}) is not None]


def restore(deployment: Deployment, source: Path, key: BackupKey, *, actor: str, scope: Scope | None = None,
            replace: bool = False) -> Report:
    """Restore ``scope`` (default: the backup's) from ``source``.

    The platform scope restores into an empty deployment (``replace`` drops what is there first).
    A school or unit scope replaces only that tenant's records: its records of every backed-up
    collection are deleted and the backup's inserted; audit entries already in the chain stay and
    only missing ones are added; no other school's record is read for writing, changed or deleted.
    """
    started = time.monotonic()
    manifest = read_manifest(source, key)
    backed_up = Scope.parse(manifest["scope"])
    scope = scope or backed_up
    if not backed_up.covers(scope):
        raise BackupError(f"a backup of {backed_up} cannot restore {scope}")
    narrowed = scope != backed_up
    schools = [scope.id] if scope.kind == "school" else manifest.get("schools", [])
    report = Report(action="restore", scope=str(scope))
    restored_keys: set[str] = set()
    if scope.is_platform:
        busy = {name: _non_empty(deployment.services[name].db) for name in manifest["services"]}
        if any(busy.values()) and not replace:
            raise BackupError("the deployment is not empty (" + "; ".join(
                f"{n}: {', '.join(c)}" for n, c in busy.items() if c) + "); restore the platform into an empty one or pass --replace")
    for name, svc in manifest["services"].items():
        db = deployment.services[name].db
        report.services[name] = {}
        for coll, entry in svc["collections"].items():
            if scope.is_platform and replace:
                db.drop_collection(coll)
            with decrypted(source, entry["metadata"], key) as meta_file:
                metadata = json_util.loads(gzip.decompress(meta_file.read()).decode("utf-8"))
            target = db.get_collection(coll, codec_options=RAW)
            _ensure_indexes(db[coll], metadata)
            docs = bson_documents(source, entry["data"], key)
            if narrowed:
                docs = (d for d in docs if scope.matches(coll, bson.decode(d.raw, codec_options=DECODED), schools))
            if not scope.is_platform:
                docs = _note_keys(docs, restored_keys)
            if coll == AUDIT_COLLECTION and not scope.is_platform:
                added, present = _restore_audit(target, docs)
                report.services[name][coll] = added
                if present:
                    report.notes.append(f"{name}: {present} audit entries of {scope} were already in the chain")
                continue
            if not scope.is_platform:
                db[coll].delete_many(scope.query(coll, schools))
            report.services[name][coll] = _insert(target, docs)
    _restore_objects(deployment, source, key, manifest, scope, narrowed, schools, restored_keys, report)
    report.seconds = time.monotonic() - started
    _audit(deployment, manifest["services"], "backup.restored", actor, scope,
           {"backup": source.name, "records": report.records, "objects": report.objects,
            "backup_created_at": manifest["created_at"]})
    return report


def _note_keys(docs: Iterable[RawBSONDocument], keys: set[str]) -> Iterator[RawBSONDocument]:
    for doc in docs:
        keys.update(storage_keys(bson.decode(doc.raw, codec_options=DECODED)))
        yield doc


def _insert(target: Collection, docs: Iterable[RawBSONDocument]) -> int:
    count, batch = 0, []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= BATCH:
            target.insert_many(batch, ordered=False)
            count += len(batch)
            batch = []
    if batch:
        target.insert_many(batch, ordered=False)
        count += len(batch)
    return count


def _restore_audit(target: Collection, docs: Iterable[RawBSONDocument]) -> tuple[int, int]:
    """Add the entries the chain lacks; an entry already there (same ``seq``) stays as it is."""
    added = present = 0
    batch: list[RawBSONDocument] = []

    def flush() -> None:
        nonlocal added, present
        if not batch:
            return
        try:
            added += len(target.insert_many(list(batch), ordered=False).inserted_ids)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != 11000 for e in errors):
                raise
            added += exc.details.get("nInserted", 0)
            present += len(errors)
        batch.clear()

    for doc in docs:
        batch.append(doc)
        if len(batch) >= BATCH:
            flush()
    flush()
    return added, present


def _restore_objects(deployment: Deployment, source: Path, key: BackupKey, manifest: dict[str, Any], scope: Scope,
                     narrowed: bool, schools: list[str], restored_keys: set[str], report: Report) -> None:
    prefixes = tuple(scope.object_prefixes(schools))
    for obj in manifest["objects"]:
        if narrowed and not (obj["store"] == DOCUMENTS_STORE and (obj["key"].startswith(prefixes)
                                                                   or obj["key"] in restored_keys)):
            continue
        store = deployment.stores.get(obj["store"])
        if store is None:
            raise BackupError(f"the deployment has no object store {obj['store']!r}")
        with decrypted(source, obj, key) as plain:
            store.put(obj["key"], plain)
        report.objects += 1
        report.object_bytes += obj["size"]


# -- retention ------------------------------------------------------------------------------------


def backup_name(scope: Scope, now: datetime | None = None) -> str:
    """``<UTC time>-<scope>``: sorts by time; one folder per run under the backup root."""
    moment = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    return f"{moment}-{str(scope).replace(':', '-')}"


def prune(root: Path, scope: Scope, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` complete backups of ``scope`` under ``root``; returns those deleted."""
    if keep < 1:
        raise BackupError("keep at least one backup")
    complete = sorted(p for p in root.iterdir() if (p / MANIFEST).is_file()
                      and json.loads((p / MANIFEST).read_bytes()).get("scope") == str(scope))
    doomed = complete[:-keep]
    for path in doomed:
        shutil.rmtree(path)
    return doomed


def environ_actor(environ: Mapping[str, str]) -> str:
    """Who runs the command when ``--actor`` is not given: ``BACKUP_ACTOR``, else the OS user."""
    import getpass

    return environ.get("BACKUP_ACTOR") or f"operator:{getpass.getuser()}"
