"""The fault tier's platform: real processes and real dependencies, each behind a fault proxy.

Started once per test module: the wire database (SecantusDB), an S3 server over HTTP (moto's
``ThreadedMotoServer``), RabbitMQ in a virtual host of its own (the broker is shared with other
runs; the vhost is deleted afterwards), the identity JWKS stand-in, and, each as its own
``python -m infra.production --target ...`` process group, the documents service under
gunicorn, its outbox relay, its consumers and the gateway. Every service process reaches every
dependency through a ``FaultProxy`` (the relay and the consumers through their own broker
proxies, so a tap can act on exactly one of them); the test itself reads and counts directly.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import kombu
import pymongo

from infra.allinone import free_port
from infra.standins.wire_db import WireDatabase
from infra.topology.declare import declare_topology
from services.kernel.events import Event
from services.kernel.messaging import KombuPublisher
from services.kernel.testing import TokenFactory
from tests.faults.proxy import FaultProxy

ROOT = Path(__file__).resolve().parents[2]
STAND_IN = ROOT / "tests" / "unit" / "gateway" / "stand_in.py"
ISSUER = "http://hoso.test/api/identity"
BUCKET = "hoso-faults"
PART = 5 * 1024 * 1024
BROKER = ("127.0.0.1", 5672)
SCHOOL = {"school_id": "th-hoa-phong", "slug": "th-hoa-phong", "name": "Trường Tiểu học Hòa Phong",
          "levels": ["tieu_hoc"], "district_id": "pgd-hoa-vang", "province_id": "so-da-nang",
          "units": [{"id": "th-hoa-phong/to-4", "slug": "to-4", "name": "Tổ chuyên môn khối 4",
                     "kind": "to_chuyen_mon"}],
          "principal_id": "thhp.hieutruong"}
#: consumers of ``documents.version.uploaded`` in the documents service: each must act once per event
UPLOAD_CONSUMERS = ("documents.renditions", "documents.similarity")
WITNESS = "faults.witness"



def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HOSO_", "GUNICORN_", "WEB_CONCURRENCY", "AWS_")) and k not in ("MONGO_URI", "AMQP_URL")}
    env.update(extra)
    return env


def wait_until(check: Callable[[], bool], *, seconds: float, what: str, every: float = 0.2) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` after ``seconds`` (a bound, not a timing)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {seconds:.0f} s")
        time.sleep(every)


def call(port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
         *, timeout: float = 60.0) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


def vhost_command(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


class FaultPlatform:
    """Everything one fault module runs against (see the module docstring)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.run_id = uuid.uuid4().hex[:10]
        self.vhost = f"hoso-faults-{self.run_id}"
        self.db_name = f"faults_documents_{self.run_id}"
        self.tokens = TokenFactory(issuer=ISSUER)
        self.jwks = tmp / "jwks.json"
        self.jwks.write_text(json.dumps(self.tokens.jwks()), encoding="utf-8")
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: dict[str, int] = {}
        self.proxies: dict[str, FaultProxy] = {}
        self.wire = WireDatabase(storage=tmp / "wire-db")
        self._moto: Any = None
        self.moto_port = free_port()

    # -- dependencies -----------------------------------------------------------------------------
    def broker_url(self, port: int = BROKER[1]) -> str:
        return f"amqp://guest:guest@127.0.0.1:{port}/{quote(self.vhost, safe='')}"

    def start_dependencies(self) -> None:
        from moto.server import ThreadedMotoServer

        self.wire.start()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.moto_port, verbose=False)
        self._moto.start()
        self.s3().create_bucket(Bucket=BUCKET)
        vhost_command("add_vhost", self.vhost)
        vhost_command("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        declare_topology(self.broker_url(), quorum=True)
        with kombu.Connection(self.broker_url()) as conn, conn.channel() as channel:
            witness_queue()(channel).declare()
        self.proxies["db"] = FaultProxy(target=("127.0.0.1", self.wire.port))
        self.proxies["s3"] = FaultProxy(target=("127.0.0.1", self.moto_port))
        for name in ("amqp-http", "amqp-relay", "amqp-consumer"):
            self.proxies[name] = FaultProxy(target=BROKER)

    def s3(self) -> Any:
        return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.moto_port}", region_name="us-east-1",
                            aws_access_key_id="faults", aws_secret_access_key="faults")

    def db(self) -> pymongo.database.Database:
        """The documents database, read directly (not through the proxy)."""
        client = getattr(self, "_client", None)
        if client is None:
            client = self._client = pymongo.MongoClient(self.wire.uri, serverSelectionTimeoutMS=10_000, tz_aware=True)
        return client[self.db_name]

    # -- processes --------------------------------------------------------------------------------
    def documents_env(self, amqp_proxy: str) -> dict[str, str]:
        return {
            "HOSO_MODE": "test", "HOSO_LOG_LEVEL": "WARNING", "HOSO_JWT_ISSUER": ISSUER,
            "MONGO_URI": f"mongodb://127.0.0.1:{self.proxies['db'].port}/?directConnection=true&socketTimeoutMS=8000",
            "AMQP_URL": self.broker_url(self.proxies[amqp_proxy].port),
            "HOSO_DOCUMENTS_DB_NAME": self.db_name, "HOSO_DOCUMENTS_JWKS_FILE": str(self.jwks),
            "HOSO_DOCUMENTS_STORAGE": "s3", "HOSO_DOCUMENTS_S3_BUCKET": BUCKET,
            "HOSO_DOCUMENTS_S3_ENDPOINT_URL": f"http://127.0.0.1:{self.proxies['s3'].port}",
            "HOSO_DOCUMENTS_S3_PART_SIZE": str(PART), "HOSO_DOCUMENTS_QUEUE_QUORUM": "true",
            "HOSO_DOCUMENTS_S3_TIMEOUT": "5",
            "HOSO_DOCUMENTS_WORK_DIR": str(self.tmp / "work"), "HOSO_AUDIT_ANCHOR_DIR": str(self.tmp / "anchors"),
            "AWS_ACCESS_KEY_ID": "faults", "AWS_SECRET_ACCESS_KEY": "faults", "AWS_DEFAULT_REGION": "us-east-1",
        }

    def gateway_env(self) -> dict[str, str]:
        identity = f"http://127.0.0.1:{self.ports['identity']}"
        documents = f"http://127.0.0.1:{self.ports['documents']}"
        return {"HOSO_MODE": "test", "HOSO_LOG_LEVEL": "WARNING", "HOSO_JWT_ISSUER": ISSUER,
                "HOSO_IDENTITY_URL": identity, "HOSO_DOCUMENTS_URL": documents, "HOSO_APPROVALS_URL": identity,
                "HOSO_SIGNING_URL": identity, "HOSO_NOTIFICATIONS_URL": identity,
                "HOSO_GATEWAY_UPSTREAM_TIMEOUT": "60", "GUNICORN_CMD_ARGS": "--threads 8"}

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it until it exits
        process = subprocess.Popen(argv, env=clean_env(**env), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        self.processes[name] = process
        return process

    def start_http(self, target: str, env: dict[str, str], port: int | None = None) -> None:
        port = port or self.ports.get(target) or free_port()
        process = self._spawn(target, [sys.executable, "-m", "infra.production", "--target", target,
                                       "--bind", f"127.0.0.1:{port}"], env)
        self.ports[target] = port

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"{target} exited with {process.returncode}; see {self.tmp / (target + '.log')}")
            try:
                return call(port, "GET", "/healthz", timeout=5)[0] == 200
            except OSError:
                return False

        wait_until(healthy, seconds=240, what=f"{target} to answer /healthz")

    def start_worker(self, target: str, env: dict[str, str]) -> None:
        self._spawn(target, [sys.executable, "-m", "infra.production", "--target", target], env)

    def start_identity(self) -> None:
        port = free_port()
        process = self._spawn("identity", [sys.executable, str(STAND_IN), str(port)], {"STAND_IN_JWKS": str(self.jwks)})
        self.ports["identity"] = port
        wait_until(lambda: process.poll() is None and _listening(port), seconds=30, what="the JWKS stand-in")

    def start_documents(self) -> None:
        self.start_http("documents", self.documents_env("amqp-http"))

    def start_relay(self, *, sweeping: bool = False) -> None:
        """The relay; ``sweeping``: it also aborts every open multipart upload every second (see ``sweep``)."""
        env = self.documents_env("amqp-relay")
        if sweeping:
            env.update(HOSO_DOCUMENTS_S3_STALE_UPLOAD_SECONDS="0", HOSO_DOCUMENTS_S3_SWEEP_INTERVAL_SECONDS="1")
        self.start_worker("relay-documents", env)

    def sweep(self) -> None:
        """Let the relay's stale-upload sweep run until no multipart upload is open, then restart it as usual.

        moto reports every multipart upload as begun on 2010-11-10, so any age threshold calls them all
        stale: the sweep runs only here, while no upload is in flight.
        """
        self.stop("relay-documents")
        self.start_relay(sweeping=True)
        s3 = self.s3()
        wait_until(lambda: not s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads"), seconds=240,
                   what="the stale-upload sweep to abort every interrupted multipart upload")
        self.stop("relay-documents")
        self.start_relay()

    def start_consumers(self) -> None:
        self.start_worker("consumer-documents", self.documents_env("amqp-consumer"))

    def start(self) -> None:
        self.start_dependencies()
        self.start_identity()
        self.start_documents()
        self.start_relay()
        self.start_consumers()
        self.start_http("gateway", self.gateway_env())
        self.onboard()

    def restore(self) -> None:
        """Start again whatever a scenario killed and left down (so one failure does not fail the next)."""
        starters = {"documents": self.start_documents, "relay-documents": self.start_relay,
                    "consumer-documents": self.start_consumers}
        for name, start in starters.items():
            process = self.processes.get(name)
            if process is not None and process.poll() is not None:
                self.processes.pop(name)
            if name not in self.processes:
                start()

    def kill(self, name: str) -> None:
        """SIGKILL the process group of ``name`` (a gunicorn master and its workers die together)."""
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    def close(self) -> None:
        for name in list(self.processes):
            self.stop(name)
        for proxy in self.proxies.values():
            proxy.close()
        if getattr(self, "_client", None) is not None:
            self._client.close()
        if self._moto is not None:
            self._moto.stop()
        self.wire.stop()
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.vhost], capture_output=True, timeout=60)

    # -- the school and its people ------------------------------------------------------------------
    def publish(self, *events: Event) -> None:
        publisher = KombuPublisher(url=self.broker_url())
        try:
            publisher.publish_many(events)
        finally:
            publisher.close()

    def onboard(self) -> None:
        """Identity's onboarding event, published to the broker; documents' consumer builds the school."""
        from services.identity.events import SCHOOL_ONBOARDED

        self.publish(Event(type=SCHOOL_ONBOARDED.type, tenant=SCHOOL["school_id"], district=SCHOOL["district_id"],
                               actor="so.quantri", data=dict(SCHOOL)))
        wait_until(lambda: self.db()["folders"].count_documents({"tenant_id": SCHOOL["school_id"]}) > 0,
                   seconds=240, what="the onboarded school's folders")

    def teacher(self) -> dict[str, str]:
        token = self.tokens.issue("thhp.giaovien", tenant=SCHOOL["school_id"], district=SCHOOL["district_id"],
                                  province=SCHOOL["province_id"], unit_roles=(("giao_vien", "th-hoa-phong/to-4"),),
                                  ttl=4 * 3600)
        return {"Authorization": f"Bearer {token}"}

    # -- counting -------------------------------------------------------------------------------------
    def witness_deliveries(self) -> list[tuple[str, str, int]]:
        """What the broker routed of ``documents.version.uploaded`` since the last call: (event id, version id, times)."""
        seen: Counter[tuple[str, str]] = Counter()
        with kombu.Connection(self.broker_url()) as conn, conn.channel() as channel:
            while (message := channel.basic_get(queue=WITNESS, no_ack=True)) is not None:  # synchronous, no consumer
                payload = json.loads(message.body)
                seen[(payload.get("id", ""), payload.get("data", {}).get("version_id", ""))] += 1
        return [(event_id, version_id, times) for (event_id, version_id), times in seen.items()]


def witness_queue() -> kombu.Queue:
    """A queue of the test's own, bound like the consumers, to count what the broker routed."""
    exchange = kombu.Exchange("hoso.events", type="topic", durable=True)
    return kombu.Queue(WITNESS, exchange=exchange, routing_key="documents.version.uploaded", durable=True)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


@contextmanager
def running_platform(tmp: Path) -> Iterator[FaultPlatform]:
    platform = FaultPlatform(tmp)
    try:
        platform.start()
        yield platform
    finally:
        platform.close()


__all__ = ["FaultPlatform", "running_platform", "free_port", "wait_until", "call", "SCHOOL", "PART"]


def pdf(text: str, padding: int = 0) -> bytes:
    """A valid one-page PDF whose text layer says ``text`` (a lesson plan), padded with ``padding`` random bytes."""
    from io import BytesIO

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 10 Tf 40 800 Td ({text}) Tj ET".encode("latin-1", "replace"))
    page[NameObject("/Contents")] = writer._add_object(content)
    if padding:
        blob = DecodedStreamObject()
        blob.set_data(os.urandom(padding))
        page[NameObject("/PieceInfo")] = writer._add_object(blob)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def current_year() -> str:
    from datetime import datetime, timezone

    from services.documents.service_layer.access import current_school_year

    return current_school_year(datetime.now(timezone.utc))
