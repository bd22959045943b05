"""The whole platform in PRODUCTION mode on one machine: every process a district would run.

``start_cluster()`` runs, each as its own process group, what ``infra/compose/docker-compose.yml``
runs: for every service ``python -m infra.production --target <svc>`` (gunicorn, 2 workers),
``relay-<svc>`` and ``consumer-<svc>``, and the gateway, with ``HOSO_MODE=production`` and every
setting the compose file gives that container (its ``${...}`` values generated fresh: keys,
client secrets, passwords). Host names are replaced by loopback stand-ins that speak the real
protocols: one shared MongoDB-wire database (``infra/standins/wire_db.py``), the real RabbitMQ in
a fresh virtual host, an S3 server over HTTP (``standins/s3.py``), an RFC 3161 TSA over HTTP
(``standins/tsa.py``) and an SMTP server (``standins/smtp.py``). The RabbitMQ topology is
declared first (``python -m infra.topology declare``), the demo district is seeded by one-shot
``python -m infra.seed_demo`` processes once the web processes answer ``/readyz``, and only then
do relays and consumers start. Every wait is bounded.

    from infra.local_cluster import start_cluster

    with start_cluster() as cluster:           # 2–6 minutes on two shared cores
        print(cluster.url)                     # the gateway, e.g. http://localhost:41234
        cluster.kill("consumer-approvals")     # SIGKILL the process group (fault tests)
        cluster.start("consumer-approvals")    # start it again and wait until it is ready
        cluster.env["documents"]["MONGO_URI"]  # the environment each process got
        cluster.db.pause(); cluster.db.resume()  # the wire database (SIGSTOP / SIGCONT)
    # leaving the block stops every process, the stand-ins and the database, and drops the vhost

Process names: the compose service names (``identity``, ``relay-identity``, ``consumer-documents``,
``gateway``…) plus ``s3``, ``tsa`` and ``smtp``. Logs: ``<data_dir>/logs/<name>.log``; e-mail
accepted by the SMTP server: ``<data_dir>/mail/*.eml``.
"""
from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml
import logging

from infra.standins.wire_db import WireDatabase, free_port

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "infra" / "compose" / "docker-compose.yml"
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"
STANDINS = ("s3", "tsa", "smtp")
_REFERENCE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")
_OWN_VARIABLES = re.compile(r"^(HOSO_|MONGO_URI$|AMQP_URL$|AWS_|WEB_CONCURRENCY$|GUNICORN_CMD_ARGS$)")


logger = logging.getLogger("hoso.cluster")


class ClusterError(RuntimeError):
    """A process did not start or did not become ready in time; the message names it and its log."""


@dataclass
class ProcessSpec:
    """How to (re)start one named process and how to know it is ready."""

    argv: list[str]
    env: dict[str, str]
    ready: Callable[[], bool]


@dataclass
class Cluster:
    """A running local production deployment; ``stop()`` ends everything it started."""

    url: str
    data_dir: Path
    db: WireDatabase
    amqp_url: str
    vhost: str | None
    s3_url: str
    tsa_url: str
    service_urls: dict[str, str]
    specs: dict[str, ProcessSpec] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started_at: dict[str, float] = field(default_factory=dict)
    owns_data_dir: bool = False

    @property
    def env(self) -> dict[str, dict[str, str]]:
        """The environment of each named process (compose's settings with the local values)."""
        return {name: spec.env for name, spec in self.specs.items()}

    @property
    def maildir(self) -> Path:
        """Where the SMTP stand-in writes every message it accepts."""
        return self.data_dir / "mail"

    def log_path(self, name: str) -> Path:
        return self.data_dir / "logs" / f"{name}.log"

    def logged_errors(self) -> dict[str, list[str]]:
        """Per process log, its first lines at ERROR/CRITICAL (JSON or gunicorn's) or opening a traceback."""
        marks = ('"level": "ERROR"', '"level": "CRITICAL"', "[ERROR]", "[CRITICAL]")
        found: dict[str, list[str]] = {}
        for path in sorted((self.data_dir / "logs").glob("*.log")):
            lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
                     if line.startswith("Traceback") or any(mark in line for mark in marks)]
            if lines:
                found[path.stem] = lines[:5]
        return found

    def start(self, name: str, *, timeout: float = 90.0) -> subprocess.Popen[bytes]:
        """Start the named process (again) and return once it is ready."""
        running = self.processes.get(name)
        if running is not None and running.poll() is None:
            raise ClusterError(f"{name} is already running (pid {running.pid})")
        self.spawn(name)
        self.wait_ready([name], timeout=timeout)
        return self.processes[name]

    def spawn(self, name: str) -> subprocess.Popen[bytes]:
        """Start the named process in its own process group, logging to ``log_path(name)``; no wait."""
        spec = self.specs[name]
        self.log_path(name).parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path(name), "ab") as log:
            self.processes[name] = subprocess.Popen(spec.argv, env=spec.env, cwd=ROOT, stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.started_at[name] = time.monotonic()
        return self.processes[name]

    def wait_ready(self, names: Iterable[str], *, timeout: float = 90.0) -> None:
        """Wait (bounded) until every named process answers its readiness check."""
        deadline = time.monotonic() + timeout
        for name in names:
            while not self.specs[name].ready():
                process = self.processes[name]
                if process.poll() is not None:
                    raise ClusterError(f"{name} exited with {process.returncode}; see {self.log_path(name)}:\n"
                                       + _tail(self.log_path(name)))
                if time.monotonic() > deadline:
                    raise ClusterError(f"{name} was not ready within {timeout:.0f} s; see {self.log_path(name)}:\n"
                                       + _tail(self.log_path(name)))
                time.sleep(0.2)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` (default SIGKILL: no clean-up) to the named process group and reap it."""
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, sig)
        if sig in (signal.SIGKILL, signal.SIGTERM):
            process.wait(timeout=30)

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL after 20 s), the database and the vhost."""
        order = [n for n in self.processes if n not in STANDINS] + [n for n in STANDINS if n in self.processes]
        for name in order:
            process = self.processes[name]
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name in order:
            process = self.processes[name]
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.db.stop()
        if self.vhost:
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.vhost], capture_output=True, timeout=60,
                           check=False)
        if self.owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


# -- readiness checks ------------------------------------------------------------------------------


def _http_ready(url: str) -> Callable[[], bool]:
    def check() -> bool:
        import requests

        try:
            return requests.get(url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    return check


def _port_ready(port: int) -> Callable[[], bool]:
    def check() -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    return check


def _buckets_ready(endpoint: str) -> Callable[[], bool]:
    def check() -> bool:
        import boto3
        import botocore.exceptions

        from infra.standins.s3 import BUCKETS, LOCKED_BUCKETS

        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="hoso",
                              aws_secret_access_key="hoso-local-s3")
        try:
            names = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            return False
        return set(BUCKETS) | set(LOCKED_BUCKETS) <= names

    return check


def _consumers_ready(amqp_url: str, service: str) -> Callable[[], bool]:
    """Every queue of the service's consumers has a consumer attached."""

    def check() -> bool:
        import pika.exceptions

        from infra.topology.broker import open_connection
        from infra.topology.consumers import consumers_of

        try:
            connection = open_connection(amqp_url)
        except pika.exceptions.AMQPError:
            return False
        try:
            channel = connection.channel()
            return all(channel.queue_declare(c.queue, passive=True).method.consumer_count > 0
                       for c in consumers_of(service))
        finally:
            connection.close()

    return check


def _alive(cluster: Cluster, name: str, grace: float = 3.0) -> Callable[[], bool]:
    """A relay has nothing to ask: ready once it has run ``grace`` seconds without exiting."""

    def check() -> bool:
        return cluster.processes[name].poll() is None and time.monotonic() - cluster.started_at[name] >= grace

    return check


# -- the environment, from docker-compose.yml --------------------------------------------------------


def compose_services() -> dict[str, Any]:
    """The ``services:`` of docker-compose.yml, anchors resolved."""
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def compose_target(command: list[str]) -> str | None:
    """The ``--target`` of a compose command running ``infra.production`` (else None)."""
    return command[command.index("--target") + 1] if "infra.production" in command else None


def fresh_values(public_url: str, tsa_url: str, s3_key: tuple[str, str]) -> dict[str, str]:
    """Values for every ``${NAME}`` of docker-compose.yml: fresh secrets, loopback addresses."""
    key32 = lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()  # noqa: E731 - three uses below
    return {
        "HOSO_PUBLIC_URL": public_url,
        "RABBITMQ_PASSWORD": secrets.token_urlsafe(24),  # unused: AMQP_URL is replaced by the vhost's
        "MINIO_ROOT_USER": s3_key[0],
        "MINIO_ROOT_PASSWORD": s3_key[1],
        "IDENTITY_KEY_ENCRYPTION_KEY": key32(),
        "SIGNING_KEK": base64.b64encode(os.urandom(32)).decode(),
        "SIGNING_CLIENT_SECRET": secrets.token_urlsafe(32),
        "APPROVALS_CLIENT_SECRET": secrets.token_urlsafe(32),
        "NOTIFICATIONS_CLIENT_SECRET": secrets.token_urlsafe(32),
        "DOCUMENTS_URL_SIGNING_KEY": secrets.token_urlsafe(48),
        "SMTP_HOST": "127.0.0.1",
        "SIGNING_TSA_URL": tsa_url,
        "AUDIT_TSA_URL": tsa_url,
    }


def compose_environments(*, values: Mapping[str, str], service_urls: Mapping[str, str], mongo_uri: str,
                         amqp_url: str, s3_url: str, smtp_port: int, data_dir: Path,
                         extra: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, dict[str, str]]:
    """Each compose production container's environment, with hosts and paths made local.

    ``${NAME}`` references take ``values``; the in-cluster addresses (``http://identity:8000``,
    the MongoDB replica set, RabbitMQ, MinIO) become the loopback ones; ``/var/lib/hoso/...``
    folders move under ``data_dir/<service>/`` (shared by a service's web, relay and consumer, as
    compose's volumes are); a service told of an SMTP host also gets the stand-in's port.
    """
    environments = {}
    for name, spec in compose_services().items():
        target = compose_target(spec.get("command", []))
        if target is None:
            continue
        service = target.rpartition("-")[2]
        env = {key: _REFERENCE.sub(lambda m: values[m.group(1)], str(value))
               for key, value in spec.get("environment", {}).items()}
        for svc, url in service_urls.items():
            env[f"HOSO_{svc.upper()}_URL"] = url
        for key, value in list(env.items()):
            if key == "MONGO_URI":
                env[key] = mongo_uri
            elif key == "AMQP_URL":
                env[key] = amqp_url
            elif value == "http://minio:9000":
                env[key] = s3_url
            elif value.startswith("/var/lib/hoso/"):
                env[key] = str(data_dir / service / value.removeprefix("/var/lib/hoso/"))
            elif key.endswith("_SMTP_HOST"):
                env[key.removesuffix("HOST") + "PORT"] = str(smtp_port)
        env.update((extra or {}).get(service, {}))
        environments[name] = env
    return environments


def _base_environ() -> dict[str, str]:
    """This process's environment without any setting of ours (each process gets exactly compose's)."""
    env = {k: v for k, v in os.environ.items() if not _OWN_VARIABLES.match(k)}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _new_vhost(base_url: str) -> tuple[str, str]:
    """A fresh RabbitMQ virtual host for this cluster (``rabbitmqctl``, as root) and its URL."""
    from urllib.parse import urlsplit

    vhost = f"hoso-local-{secrets.token_hex(4)}"
    parts = urlsplit(base_url)
    user = parts.username or "guest"
    for argv in (["rabbitmqctl", "-q", "add_vhost", vhost],
                 ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"]):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise ClusterError(f"{' '.join(argv)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return vhost, f"{parts.scheme}://{parts.netloc}/{vhost}"


# -- start -----------------------------------------------------------------------------------------------


def start_cluster(*, data_dir: str | os.PathLike[str] | None = None, public_host: str = "localhost",
                  port: int | None = None, workers: int = 2, seed: bool = True, broker_url: str | None = None,
                  log_level: str = "WARNING", extra_env: Mapping[str, Mapping[str, str]] | None = None,
                  only: Collection[str] | None = None, timeout: float = 420.0) -> Cluster:
    """Start the stand-ins, declare the topology, start every production process and seed the demo.

    ``public_host`` is what browsers open (``localhost``: passkeys refuse an IP address); the
    gateway listens on loopback at ``port`` (free by default). ``extra_env`` adds settings per
    service (``{"documents": {...}}``). ``only`` names the services to run (their web, relay and
    consumer processes, their seed) beside the gateway and the stand-ins, e.g. ``("identity",)``
    for a benchmark of sign-in alone; default every service. Raises ``ClusterError`` (naming the process and its log) and
    stops what it started when anything fails or ``timeout`` passes.
    """
    owns = data_dir is None
    root = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="hoso-cluster-"))
    (root / "logs").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    db = WireDatabase(storage=root / "db", log_path=root / "logs" / "db.log")
    db.start()
    vhost: str | None = None
    try:
        vhost, amqp_url = _new_vhost(broker_url or os.environ.get("AMQP_URL") or DEFAULT_BROKER)
    except ClusterError:
        db.stop()
        raise
    ports = {name: free_port() for name in (*STANDINS, "gateway")}
    url = f"http://{public_host}:{port or ports['gateway']}"
    gateway_port = port or ports["gateway"]
    cluster = Cluster(url=url, data_dir=root, db=db, amqp_url=amqp_url, vhost=vhost,
                      s3_url=f"http://127.0.0.1:{ports['s3']}", tsa_url=f"http://127.0.0.1:{ports['tsa']}/tsr",
                      service_urls={}, owns_data_dir=owns)
    try:
        _start_everything(cluster, ports, gateway_port, workers=workers, seed=seed, log_level=log_level,
                          extra_env=extra_env or {}, only=only, deadline=started + timeout)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _start_everything(cluster: Cluster, ports: dict[str, int], gateway_port: int, *, workers: int, seed: bool,
                      log_level: str, extra_env: Mapping[str, Mapping[str, str]], only: Collection[str] | None,
                      deadline: float) -> None:
    python = sys.executable
    base = _base_environ()
    root = cluster.data_dir
    cluster.specs["s3"] = ProcessSpec([python, "-m", "infra.standins.s3", "--port", str(ports["s3"])], base,
                                      _buckets_ready(cluster.s3_url))
    cluster.specs["tsa"] = ProcessSpec([python, "-m", "infra.standins.tsa", "--port", str(ports["tsa"]),
                                        "--cert-out", str(root / "tsa" / "tsa.pem")], base, _port_ready(ports["tsa"]))
    cluster.specs["smtp"] = ProcessSpec([python, "-m", "infra.standins.smtp", "--port", str(ports["smtp"]),
                                         "--maildir", str(cluster.maildir)], base, _port_ready(ports["smtp"]))
    _start_all(cluster, list(STANDINS), deadline)

    from infra.production import SERVICES

    web_ports = {svc: free_port() for svc in SERVICES}
    cluster.service_urls = {svc: f"http://127.0.0.1:{p}" for svc, p in web_ports.items()}
    s3_key = ("hoso-local", secrets.token_urlsafe(24))
    extra = {svc: {"HOSO_LOG_LEVEL": log_level, **extra_env.get(svc, {})} for svc in (*SERVICES, "gateway")}
    extra["signing"]["HOSO_SIGNING_TRUST_ROOTS_DIR"] = str(root / "tsa")  # the stand-in TSA's certificate
    environments = compose_environments(
        values=fresh_values(cluster.url, cluster.tsa_url, s3_key), service_urls=cluster.service_urls,
        mongo_uri=cluster.db.uri, amqp_url=cluster.amqp_url, s3_url=cluster.s3_url, smtp_port=ports["smtp"],
        data_dir=root, extra=extra)
    for name, env in environments.items():
        target = compose_target(compose_services()[name]["command"])
        assert target is not None
        argv = [python, "-m", "infra.production", "--target", target]
        kind, _, service = target.rpartition("-")
        if only is not None and service not in {*only, "gateway"}:
            continue
        full_env = {**base, **env}
        if not kind:
            bind_port = gateway_port if target == "gateway" else web_ports[target]
            argv += ["--bind", f"127.0.0.1:{bind_port}", "--workers", str(workers)]
            ready = _http_ready(f"http://127.0.0.1:{bind_port}/readyz")
        elif kind == "consumer":
            ready = _consumers_ready(cluster.amqp_url, service)
        else:
            ready = _alive(cluster, name)
        cluster.specs[name] = ProcessSpec(argv, full_env, ready)

    topology = subprocess.run([python, "-m", "infra.topology", "declare", "--url", cluster.amqp_url], env=base,
                              cwd=ROOT, capture_output=True, text=True, timeout=_left(deadline), check=False)
    if topology.returncode != 0:
        raise ClusterError(f"declaring the RabbitMQ topology failed:\n{topology.stdout}{topology.stderr}")

    web = [svc for svc in SERVICES if svc in cluster.specs]
    _start_all(cluster, web, deadline)
    _start_all(cluster, ["gateway"], deadline)
    if seed:
        _seed(cluster, deadline)
    background = [n for n in cluster.specs if n.startswith(("relay-", "consumer-"))]
    _start_all(cluster, background, deadline)


SEED_WAVES = (("identity",), ("documents", "signing"), ("approvals",))
"""Seeds run in waves: documents' and approvals' records refer to identity's, approvals submits
documents' demo files; signing's certificates refer to identity's people only."""


def _seed(cluster: Cluster, deadline: float) -> None:
    """Seed the demo district with one-shot ``python -m infra.seed_demo`` processes, wave by wave."""
    for wave in SEED_WAVES:
        running = {}
        for svc in (s for s in wave if s in cluster.specs):
            with open(cluster.log_path(f"seed-{svc}"), "ab") as log:
                running[svc] = subprocess.Popen([sys.executable, "-m", "infra.seed_demo", "--service", svc],
                                                env=cluster.specs[svc].env, cwd=ROOT, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)
        for svc, process in running.items():
            try:
                code = process.wait(timeout=_left(deadline))
            except (subprocess.TimeoutExpired, ClusterError):
                for other in running.values():
                    other.kill()
                raise ClusterError(f"seeding {svc} did not finish in time") from None
            if code != 0:
                raise ClusterError(f"seeding {svc} failed; see {cluster.log_path(f'seed-{svc}')}:\n"
                                   + _tail(cluster.log_path(f"seed-{svc}")))
            logger.info("seeded %s", svc)


def _start_all(cluster: Cluster, names: list[str], deadline: float) -> None:
    """Start several processes at once, then wait for all of them."""
    for name in names:
        cluster.spawn(name)
    began = time.monotonic()
    cluster.wait_ready(names, timeout=_left(deadline))
    logger.info("ready in %.1f s: %s", time.monotonic() - began, ", ".join(names))


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ClusterError("the cluster did not start within its time limit")
    return left


def banner(cluster: Cluster) -> str:
    """What ``./dev production`` prints once everything is ready (Vietnamese, as for ``./dev run``)."""
    from infra.allinone import demo_account_lines

    return "\n".join([
        "",
        "=" * 72,
        " HoSo — chế độ production trên một máy (mỗi dịch vụ một nhóm tiến trình gunicorn)",
        f" Mở trình duyệt: {cluster.url}/",
        " Cơ sở dữ liệu: SecantusDB (giao thức MongoDB), hàng đợi: RabbitMQ, tệp: S3 qua HTTP (moto).",
        " CẢNH BÁO: tệp trong kho S3 thử nghiệm chỉ nằm trong bộ nhớ; tắt là mất.",
        "   (local production mode: the stand-in S3 keeps objects in memory only)",
        f" Nhật ký của từng tiến trình: {cluster.data_dir}/logs",
        f" Thư điện tử gửi đi (SMTP thử nghiệm): {cluster.maildir}",
        " Hiệu trưởng và cán bộ Phòng/Sở đăng ký xác thực hai lớp ngay lần đăng nhập đầu (không hoãn được).",
        *demo_account_lines(),
        "=" * 72,
    ])


def main(argv: list[str] | None = None) -> int:
    """``python -m infra.local_cluster``: run the cluster in the foreground until Ctrl-C or SIGTERM."""
    import argparse
    import threading

    parser = argparse.ArgumentParser(prog="python -m infra.local_cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8080, help="the gateway's port on loopback (default 8080)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per service (default 2)")
    parser.add_argument("--data-dir", default=None, help="keep the database and logs here (default: a temporary folder)")
    parser.add_argument("--no-seed", action="store_true", help="start empty, without the demo district")
    args = parser.parse_args(argv)
    logging.basicConfig(level="INFO", format="%(asctime)s %(message)s")
    logging.getLogger("pika").setLevel(logging.WARNING)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("[production] starting every process (a few minutes on two cores)…", flush=True)
    with start_cluster(port=args.port, workers=args.workers, seed=not args.no_seed, data_dir=args.data_dir) as cluster:
        print(banner(cluster), flush=True)
        try:
            while not stop.wait(2):
                for name, process in cluster.processes.items():
                    if process.poll() is not None:
                        print(f"[production] {name} exited with {process.returncode}; see {cluster.log_path(name)}",
                              flush=True)
                        stop.set()
        except KeyboardInterrupt:
            stop.set()
    return 0


if __name__ == "__main__":
    sys.exit(main())
