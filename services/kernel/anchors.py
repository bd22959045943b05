"""Anchors of the audit chains outside the database: RFC 3161 time-stamp tokens over their heads.

The hash chains of ``audit.AuditLog`` show an edit, a removal or a reordering, but whoever can
write the database can also rebuild a whole chain with fresh hashes. At a fixed cadence
(``HOSO_AUDIT_ANCHOR_INTERVAL_SECONDS``) ``AuditAnchoring.anchor_once`` takes the heads of every
chain that moved since its last anchor (one chain per school), asks a time-stamping authority (the
``TimeStamper`` port) for ONE token over the statement ``heads_statement`` naming each of them
(``hoso-audit:<service>`` then a line ``<chain>:<seq>:<hash>`` per head, sorted), and writes the
anchor to object storage (the ``AnchorStore`` port: local disk in all-in-one, S3 in production,
moto in tests) as ``<service>/<UTC time>-<digest>.json``. One TSA request per run, however many
schools wrote. ``AuditAnchoring.verify`` then finds every anchored head whose token is not over its
statement, is not validly signed, or names a hash the database no longer holds at that position:
a rebuilt history no longer matches its anchors. Anchors of the former single chain
(``<service>/<seq>.json`` over ``hoso-audit:<service>:<seq>:<hash>``) are still checked.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from asn1crypto import cms, tsp
from pymongo.database import Database

from .clock import Clock, SystemClock

class TimeStamper(Protocol):
    """An RFC 3161 time-stamping authority."""

    def timestamp(self, digest: bytes) -> bytes:
        """The DER of a TimeStampToken (CMS ContentInfo) over the SHA-256 ``digest``."""


class AnchorStore(Protocol):
    """Object storage for anchors: small objects under opaque keys."""

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``."""

    def get(self, key: str) -> bytes:
        """The bytes under ``key`` (``KeyError`` when absent)."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    def keys(self, prefix: str) -> list[str]:
        """Every key under ``prefix`` (ending in ``/``), sorted."""


# -- time-stamping authorities ------------------------------------------------------------------


class HttpTimeStamper:
    """A remote RFC 3161 TSA (``HOSO_AUDIT_TSA_URL``), through pyHanko's HTTP client."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper

        self._client = HTTPTimeStamper(url, timeout=timeout)

    def timestamp(self, digest: bytes) -> bytes:
        return asyncio.run(self._client.async_timestamp(digest, "sha256")).dump()


class DevelopmentTimeStamper:
    """An in-process TSA for all-in-one and tests; its key is made on first use (refused in production)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamper: Any = None

    def _get(self) -> Any:
        with self._lock:
            if self._stamper is None:
                self._stamper = _development_tsa()
            return self._stamper

    def timestamp(self, digest: bytes) -> bytes:
        return asyncio.run(self._get().async_timestamp(digest, "sha256")).dump()


def _development_tsa() -> Any:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "HoSo development audit TSA")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
    )


# -- anchor stores ------------------------------------------------------------------------------


class LocalAnchorStore:
    """Anchors as files under ``root`` (all-in-one); the folder is made on first write."""

    def __init__(self, root: str | Path) -> None:
        self._root = Path(root)

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise ValueError(f"invalid anchor key: {key!r}")
        return self._root / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(self._root)) for p in base.rglob("*.json"))


class S3AnchorStore:
    """Anchors in an S3 bucket (MinIO, Ceph RGW, AWS) through one injected boto3 client."""

    def __init__(self, *, bucket: str, client: Any) -> None:
        self._bucket = bucket
        self._client = client

    def put(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType="application/json")

    def get(self, key: str) -> bytes:
        try:
            return self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except self._client.exceptions.NoSuchKey:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return bool(self._client.list_objects_v2(Bucket=self._bucket, Prefix=key, MaxKeys=1).get("KeyCount"))

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
            found.extend(o["Key"] for o in page.get("Contents", []))
        return sorted(found)


# -- anchoring ----------------------------------------------------------------------------------


def statement(service: str, seq: int, hash_: str) -> bytes:
    """What a token of the former single chain is over: the service, the head's position and its hash."""
    return f"hoso-audit:{service}:{seq}:{hash_}".encode()


def heads_statement(service: str, heads: list[tuple[str, int, str]]) -> bytes:
    """What a token is over: the service, then each anchored chain head ``chain:seq:hash``, sorted."""
    lines = [f"hoso-audit:{service}", *sorted(f"{chain}:{seq}:{hash_}" for chain, seq, hash_ in heads)]
    return "\n".join(lines).encode()


def token_problem(token_der: bytes, expected: bytes) -> str | None:
    """Why ``token_der`` is not a valid RFC 3161 token over ``expected``; ``None`` when it is."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    try:
        info = cms.ContentInfo.load(token_der)
        signed = info["content"]
        tst_bytes = signed["encap_content_info"]["content"].parsed.dump()
        tst = tsp.TSTInfo.load(tst_bytes)
        imprint = tst["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256":
            return "the token is not over a SHA-256 digest"
        if imprint["hashed_message"].native != hashlib.sha256(expected).digest():
            return "the token is over another chain head"
        signer = signed["signer_infos"][0]
        attrs = signer["signed_attrs"]
        digest = next(a["values"][0].native for a in attrs if a["type"].native == "message_digest")
        if digest != hashlib.sha256(tst_bytes).digest():
            return "the token's content was altered"
        serial = signer["sid"].chosen["serial_number"].native
        cert_der = next(c.chosen.dump() for c in signed["certificates"] if c.chosen.serial_number == serial)
        public = x509.load_der_x509_certificate(cert_der).public_key()
        data, signature = attrs.untag().dump(), signer["signature"].native
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return "the token's signature algorithm is not supported"
    except InvalidSignature:
        return "the token's signature does not verify"
    except Exception as exc:  # noqa: BLE001 - any unreadable token is a disagreeing anchor
        return f"the token cannot be read ({type(exc).__name__})"
    return None


@dataclass(frozen=True)
class AnchorDisagreement:
    seq: int
    key: str
    problem: str
    chain: str | None = None


class AuditAnchoring:
    """Anchors one service's audit chain heads in object storage and checks the chains against them."""

    def __init__(self, *, db: Database, service: str, store: AnchorStore, timestamper: TimeStamper,
                 clock: Clock | None = None, collection: str = "audit_log", batch_size: int = 5000) -> None:
        self._entries = db[collection]
        self._heads = db[collection + "_head"]
        self._service = service
        self._store = store
        self._tsa = timestamper
        self._clock = clock or SystemClock()
        self._batch = batch_size

    @property
    def prefix(self) -> str:
        return f"{self._service}/"

    def anchor_once(self) -> dict[str, Any] | None:
        """Anchor the heads that moved since they were last anchored (up to ``batch_size`` chains)
        under one token; returns the new anchor, ``None`` when every head is anchored already."""
        moved = list(self._heads.find({"anchored": False}, {"chain": 1, "seq": 1, "hash": 1}).limit(self._batch))
        heads = [(str(h["chain"]), int(h["seq"]), str(h["hash"])) for h in moved if h.get("chain") is not None]
        if not heads:
            return None
        digest = hashlib.sha256(heads_statement(self._service, heads)).digest()
        token = self._tsa.timestamp(digest)
        at = self._clock.now().astimezone(timezone.utc)
        anchor = {"service": self._service, "at": at.isoformat(), "token": base64.b64encode(token).decode(),
                  "heads": [{"chain": c, "seq": q, "hash": h} for c, q, h in sorted(heads)]}
        key = f"{self.prefix}{at:%Y%m%dT%H%M%S%fZ}-{digest.hex()[:16]}.json"
        self._store.put(key, json.dumps(anchor, sort_keys=True).encode())
        # a head that moved meanwhile stays unanchored for the next run (each clause by _id)
        self._heads.update_many({"$or": [{"_id": h["_id"], "seq": h["seq"], "hash": h["hash"]} for h in moved]},
                                {"$set": {"anchored": True}})
        return anchor

    def job(self) -> Callable[[], object]:
        """The periodic job (the relay target and all-in-one run it at the anchoring cadence)."""
        return self.anchor_once

    def verify(self) -> list[AnchorDisagreement]:
        """Every anchored head that disagrees with the database (oldest anchor first). Empty when all agree."""
        problems: list[AnchorDisagreement] = []
        for key in self._store.keys(self.prefix):
            try:
                anchor = json.loads(self._store.get(key))
                token = base64.b64decode(anchor["token"])
                if "heads" in anchor:
                    heads = [(str(h["chain"]), int(h["seq"]), str(h["hash"])) for h in anchor["heads"]]
                    expected = heads_statement(self._service, heads)
                    positions: list[tuple[str | None, int, str]] = list(heads)
                else:  # an anchor of the former single chain
                    seq, hash_ = int(anchor["seq"]), str(anchor["hash"])
                    expected, positions = statement(self._service, seq, hash_), [(None, seq, hash_)]
            except (KeyError, ValueError, TypeError):
                problems.append(AnchorDisagreement(-1, key, "the anchor cannot be read"))
                continue
            why = token_problem(token, expected)
            if why is not None:
                problems.extend(AnchorDisagreement(seq, key, why, chain) for chain, seq, _ in positions)
                continue
            for chain, seq, hash_ in positions:
                entry = self._entries.find_one({"chain": chain, "seq": seq}, {"hash": 1})
                if entry is None:
                    problems.append(AnchorDisagreement(seq, key, "the anchored entry is no longer in the database", chain))
                elif entry.get("hash") != hash_:
                    problems.append(AnchorDisagreement(
                        seq, key, "the database holds another history at this position (rebuilt chain)", chain))
        return problems
