"""Backup encryption, scopes and retention, without a database: AES-256-GCM files that refuse any
change, a rename or another key; what each scope selects; pruning that keeps the newest N."""
from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path

import pytest

from infra.backup.archive import MAC, MANIFEST, BackupError, FORMAT, prune, read_manifest
from infra.backup.crypto import BackupKey, BackupKeyError, TamperedFile
from infra.backup.scope import Scope, ScopeError, storage_keys


@pytest.fixture
def key() -> BackupKey:
    return BackupKey(key=os.urandom(32))


def test_a_file_round_trips_and_its_digest_is_the_plaintexts(key: BackupKey, tmp_path: Path) -> None:
    plain = os.urandom(3 * 1024 * 1024 + 17)
    written = key.write(tmp_path / "f.enc", "objects/documents/0.enc", [plain[:1000], plain[1000:]])
    assert plain not in (tmp_path / "f.enc").read_bytes() and plain[:64] not in (tmp_path / "f.enc").read_bytes()
    sink = io.BytesIO()
    read = key.read(tmp_path / "f.enc", "objects/documents/0.enc", sink)
    assert sink.getvalue() == plain and read == written and written.size == len(plain)


@pytest.mark.parametrize("damage", ["flip", "truncate", "rename", "other key"])
def test_a_changed_renamed_or_foreign_file_does_not_decrypt(key: BackupKey, tmp_path: Path, damage: str) -> None:
    path = tmp_path / "f.enc"
    key.write(path, "dump/hoso_documents/documents.bson.gz.enc", [b"x" * 5000])
    name, reader = "dump/hoso_documents/documents.bson.gz.enc", key
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[100] ^= 1
        path.write_bytes(bytes(data))
    elif damage == "truncate":
        path.write_bytes(bytes(data[:-1]))
    elif damage == "rename":
        name = "dump/hoso_documents/versions.bson.gz.enc"
    else:
        reader = BackupKey(key=os.urandom(32))
    with pytest.raises(TamperedFile):
        reader.read(path, name, io.BytesIO())


def test_the_key_comes_from_the_environment_or_a_file(tmp_path: Path) -> None:
    raw = os.urandom(32)
    text = base64.b64encode(raw).decode()
    (tmp_path / "raw").write_bytes(raw)
    (tmp_path / "text").write_text(text + "\n")
    fingerprints = {BackupKey.from_environ({"BACKUP_KEY": text}).fingerprint,
                    BackupKey.from_environ({"BACKUP_KEY_FILE": str(tmp_path / "raw")}).fingerprint,
                    BackupKey.from_environ({"BACKUP_KEY_FILE": str(tmp_path / "text")}).fingerprint}
    assert len(fingerprints) == 1
    with pytest.raises(BackupKeyError):
        BackupKey.from_environ({})
    with pytest.raises(BackupKeyError):
        BackupKey.from_environ({"BACKUP_KEY": base64.b64encode(b"short").decode()})


def test_scopes_select_by_tenant_fields() -> None:
    school, unit = Scope.parse("school:th-a"), Scope.parse("unit:phong-gd")
    assert school.records() == {"tenant_id": "th-a"} and school.query("audit_log") == {"tenant": "th-a"}
    assert unit.query("documents") == {"$or": [{"district_id": "phong-gd"}, {"province_id": "phong-gd"}]}
    assert unit.query("audit_log", ["th-b", "th-a"]) == {"$or": [{"district": "phong-gd"},
                                                                 {"tenant": {"$in": ["th-a", "th-b"]}}]}
    assert Scope.parse("platform").records() == {}
    assert school.matches("documents", {"tenant_id": "th-a"}) and not school.matches("documents", {"tenant_id": "th-b"})
    assert unit.matches("audit_log", {"tenant": "th-b"}, ["th-b"]) and not unit.matches("people", {"district_id": None})
    assert school.object_prefixes(["th-a"]) == ["th-a/", "uploads/th-a/"]
    assert Scope.parse("platform").covers(school) and unit.covers(school) and not school.covers(unit)
    with pytest.raises(ScopeError):
        Scope.parse("district")


def test_storage_keys_are_found_in_nested_records() -> None:
    doc = {"storage_key": "th-a/v1", "renditions": [{"storage_key": "th-a/v1.pdf"}], "meta": {"x": {"storage_key": ""}}}
    assert sorted(storage_keys(doc)) == ["th-a/v1", "th-a/v1.pdf"]


def _fake_backup(root: Path, name: str, scope: str, key: BackupKey) -> Path:
    path = root / name
    path.mkdir()
    body = json.dumps({"format": FORMAT, "scope": scope, "key": key.fingerprint}).encode()
    (path / MANIFEST).write_bytes(body)
    (path / MAC).write_text(key.mac(body))
    return path


def test_prune_keeps_the_newest_complete_backups_of_that_scope(key: BackupKey, tmp_path: Path) -> None:
    days = [_fake_backup(tmp_path, f"2026120{d}T013000Z-platform", "platform", key) for d in range(1, 6)]
    school = _fake_backup(tmp_path, "20261201T013000Z-school-th-a", "school:th-a", key)
    (tmp_path / "20261206T013000Z-platform.partial").mkdir()
    assert prune(tmp_path, Scope.parse("platform"), 2) == days[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [days[3].name, days[4].name, school.name, "20261206T013000Z-platform.partial"])


def test_a_changed_manifest_or_another_key_is_refused(key: BackupKey, tmp_path: Path) -> None:
    path = _fake_backup(tmp_path, "b", "platform", key)
    assert read_manifest(path, key)["scope"] == "platform"
    with pytest.raises(BackupKeyError):
        read_manifest(path, BackupKey(key=os.urandom(32)))
    (path / MANIFEST).write_bytes((path / MANIFEST).read_bytes().replace(b"platform", b"school:x"))
    with pytest.raises(BackupError):
        read_manifest(path, key)
