"""``python -m infra.backup``: back up, restore and verify the platform, a unit or a school.

    python -m infra.backup create  --scope platform|unit:<id>|school:<id> (--out DIR | --into ROOT [--keep N])
    python -m infra.backup restore --from DIR [--scope ...] [--replace]
    python -m infra.backup verify  --from DIR
    python -m infra.backup decrypt --from DIR --out DUMP     (then: mongorestore --gzip --dir DUMP)
    python -m infra.backup schedule --scope ... --into ROOT --keep N --every SECONDS   (the compose job)
    python -m infra.backup key                                (prints a new key for BACKUP_KEY)

The database and object stores come from the services' own settings (``MONGO_URI``,
``HOSO_<SERVICE>_DB_NAME``, ``HOSO_DOCUMENTS_STORAGE``/``S3_*``, ``HOSO_AUDIT_ANCHOR_*``); the key from
``BACKUP_KEY`` or ``BACKUP_KEY_FILE``; who ran it from ``--actor`` (else ``BACKUP_ACTOR`` or the OS user).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from pymongo.errors import PyMongoError

from services.documents.adapters.object_store import ObjectStoreError

from .archive import BackupError, backup_name, create, decrypt_dump, environ_actor, prune, restore, verify
from .crypto import BackupKey, BackupKeyError, TamperedFile
from .scope import Scope, ScopeError
from .sources import Deployment, SourceError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra.backup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create", help="back up a scope into a new folder")
    c.add_argument("--scope", required=True, type=Scope.parse)
    where = c.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="the backup folder to create")
    where.add_argument("--into", type=Path, help="a root folder: one timestamped backup per run")
    c.add_argument("--keep", type=int, default=None, help="with --into: keep the newest N backups of this scope")
    c.add_argument("--consistency", choices=("snapshot", "transaction"), default="snapshot",
                   help="snapshot session (MongoDB 5.0+) or one read-only snapshot transaction per service")
    c.add_argument("--actor", default=None)
    s = sub.add_parser("schedule", help="back up every --every seconds into --into, keeping the newest --keep")
    s.add_argument("--scope", required=True, type=Scope.parse)
    s.add_argument("--into", required=True, type=Path)
    s.add_argument("--keep", required=True, type=int)
    s.add_argument("--every", required=True, type=float, help="seconds between two backups")
    s.add_argument("--consistency", choices=("snapshot", "transaction"), default="snapshot")
    s.add_argument("--actor", default=None)
    r = sub.add_parser("restore", help="restore a backup (or one school or unit of it)")
    r.add_argument("--from", dest="source", required=True, type=Path)
    r.add_argument("--scope", type=Scope.parse, default=None)
    r.add_argument("--replace", action="store_true", help="platform scope: drop the deployment's data first")
    r.add_argument("--actor", default=None)
    v = sub.add_parser("verify", help="decrypt every file and check it against the manifest")
    v.add_argument("--from", dest="source", required=True, type=Path)
    d = sub.add_parser("decrypt", help="write the plain mongodump tree of a backup")
    d.add_argument("--from", dest="source", required=True, type=Path)
    d.add_argument("--out", required=True, type=Path)
    sub.add_parser("key", help="print a new random backup key (base64)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.cmd == "key":
        print(BackupKey.generate())
        return 0
    try:
        key = BackupKey.from_environ(os.environ)
        if args.cmd == "verify":
            return _print(verify(args.source, key).as_dict())
        if args.cmd == "decrypt":
            written = decrypt_dump(args.source, key, args.out)
            print(f"{len(written)} files written under {args.out}; mongorestore --gzip --dir {args.out}")
            return 0
        deployment = Deployment.from_environ(os.environ)
        try:
            actor = args.actor or environ_actor(os.environ)
            if args.cmd == "schedule":
                return _schedule(deployment, args, key, actor)
            if args.cmd == "create":
                out = args.out or args.into / backup_name(args.scope)
                report = create(deployment, args.scope, out, key, actor=actor, consistency=args.consistency)
                result = {**report.as_dict(), "backup": str(out)}
                if args.into is not None and args.keep:
                    result["pruned"] = [str(p) for p in prune(args.into, args.scope, args.keep)]
                return _print(result)
            return _print(restore(deployment, args.source, key, actor=actor, scope=args.scope,
                                  replace=args.replace).as_dict())
        finally:
            deployment.close()
    except (BackupError, BackupKeyError, TamperedFile, ScopeError, SourceError) as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 1


def _schedule(deployment: Deployment, args: argparse.Namespace, key: BackupKey, actor: str) -> int:
    """Back up, prune, wait ``--every`` seconds, again; a failed run is logged and the next one still happens."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.is_set():
        started = time.monotonic()
        out = args.into / backup_name(args.scope)
        try:
            report = create(deployment, args.scope, out, key, actor=actor, consistency=args.consistency)
            _print({**report.as_dict(), "backup": str(out),
                    "pruned": [str(p) for p in prune(args.into, args.scope, args.keep)]})
        except (BackupError, PyMongoError, OSError, ObjectStoreError, BotoCoreError, ClientError) as exc:
            print(f"backup: run failed, next in {args.every:.0f} s: {exc}", file=sys.stderr, flush=True)
        stop.wait(max(0.0, args.every - (time.monotonic() - started)))
    return 0


def _print(result: dict[str, object]) -> int:
    print(json.dumps(result, ensure_ascii=False, indent=1), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
