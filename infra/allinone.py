"""All-in-one mode: every service, its relays and consumers, and the gateway in one process.

Embedded stand-ins: mongomock databases, kombu's in-memory transport, objects on local disk,
e-mail to a local outbox folder. A demo district is seeded so a newcomer can sign in at
once. Nothing is kept: every start begins from the demo data again.

    python -m infra.allinone [--host 127.0.0.1] [--port 8080]
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from waitress.server import create_server

from services.kernel.jsonlog import configure_logging
from services.kernel.messaging import declare_queues
from services.kernel.outbox import OUTBOX_WRITTEN

from .demo.district import DEMO_DISTRICT, DEMO_PASSWORD

log = logging.getLogger("hoso.allinone")

SERVICES = ("identity", "documents", "approvals", "signing", "notifications")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class Platform:
    """A running all-in-one platform; ``stop()`` ends every thread it started."""

    url: str
    service_urls: dict[str, str]
    containers: dict[str, Any]
    data_dir: str
    previous_environ: dict[str, str] = field(default_factory=dict)
    stop_event: threading.Event = field(default_factory=threading.Event)
    servers: list[Any] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def stop(self) -> None:
        self.stop_event.set()
        OUTBOX_WRITTEN.notify()  # the relays end their idle wait at once
        for server in self.servers:
            server.close()
        for t in self.threads:
            t.join(timeout=5)
        os.environ.clear()
        os.environ.update(self.previous_environ)  # an in-process platform leaves the process as it found it


def _serve(platform: Platform, app: Any, host: str, port: int, name: str, threads: int) -> None:
    server = create_server(app, host=host, port=port, threads=threads, ident="hoso", clear_untrusted_proxy_headers=True, channel_timeout=300)
    platform.servers.append(server)
    t = threading.Thread(target=server.run, name=f"http-{name}", daemon=True)
    t.start()
    platform.threads.append(t)


def _wait_healthy(urls: Iterable[str], timeout: float = 30.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    for url in urls:
        while True:
            try:
                if requests.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not become healthy")
            time.sleep(0.05)


def start_platform(
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    seed: bool = True,
    data_dir: str | None = None,
    environ: Mapping[str, str] | None = None,
    services: Iterable[str] = SERVICES,
) -> Platform:
    """Start everything in this process and return once the gateway answers."""
    services = tuple(services)
    port = port or free_port(host)
    public = f"http://{host}:{port}"
    data_dir = data_dir or tempfile.mkdtemp(prefix="hoso-allinone-")
    service_ports = {svc: free_port() for svc in services}
    service_urls = {svc: f"http://127.0.0.1:{p}" for svc, p in service_ports.items()}
    env = {"HOSO_MODE": "all_in_one", "HOSO_PUBLIC_URL": public, "HOSO_LOG_LEVEL": os.environ.get("HOSO_LOG_LEVEL", "WARNING")}
    env.update({f"HOSO_{svc.upper()}_URL": url for svc, url in service_urls.items()})
    env.update(_data_settings(data_dir))
    env.update(_service_client_secrets(services))
    env.update(environ or {})
    previous = dict(os.environ)
    for key in ("MONGO_URI", "AMQP_URL"):
        os.environ.pop(key, None)  # all-in-one always uses the embedded stand-ins
    os.environ.update(env)

    platform = Platform(url=public, service_urls=service_urls, containers={}, data_dir=data_dir, previous_environ=previous)
    apps = {}
    for svc in services:
        module = importlib.import_module(f"services.{svc}.entrypoints.app")
        app = module.create_app()
        apps[svc] = app
        platform.containers[svc] = app.extensions["hoso.container"]

    configure_logging("hoso-allinone", level=os.environ["HOSO_LOG_LEVEL"])
    workers = [w for c in platform.containers.values() for w in getattr(c, "workers", list)()]
    declare_queues(None, [w.queue for w in workers])  # events published while seeding wait in their queues
    for svc, app in apps.items():
        _serve(platform, app, "127.0.0.1", service_ports[svc], svc, threads=8)
    _wait_healthy(service_urls.values())

    from gateway.app import create_app as create_gateway

    _serve(platform, create_gateway(), host, port, "gateway", threads=16)
    _wait_healthy([public])

    if seed:  # before consumers start, so a seed never races a consumer over the same records
        for svc in services:
            try:
                demo = importlib.import_module(f"services.{svc}.entrypoints.demo")
            except ModuleNotFoundError:
                continue
            demo.seed_demo(platform.containers[svc])
    _start_background(platform, workers)
    return platform


def _start_background(platform: Platform, workers: list[Any]) -> None:
    """Consumers, outbox relays and periodic jobs of every service, each in a thread."""
    for w in workers:
        t = threading.Thread(target=w.run, args=(platform.stop_event,), kwargs={"poll": 0.2}, name=f"consumer-{w.queue.name}", daemon=True)
        t.start()
        platform.threads.append(t)
    for svc, c in platform.containers.items():
        collections = getattr(c, "outbox_collections", list)()
        if collections:
            relay = c.runtime.relay(collections)
            t = threading.Thread(target=relay.run, args=(platform.stop_event,), name=f"relay-{svc}", daemon=True)
            t.start()
            platform.threads.append(t)
        platform.threads.extend(c.runtime.scheduler(getattr(c, "periodic", list)()).start(platform.stop_event))


def _data_settings(data_dir: str) -> dict[str, str]:
    """Folders the embedded stand-ins write to (objects, e-mail outbox, keys)."""
    return {
        "HOSO_NOTIFICATIONS_MAIL_OUTBOX_DIR": os.path.join(data_dir, "mail-outbox"),
        "HOSO_IDENTITY_MAIL_OUTBOX_DIR": os.path.join(data_dir, "mail-outbox"),
        "HOSO_DOCUMENTS_LOCAL_ROOT": os.path.join(data_dir, "documents"),
        "HOSO_DOCUMENTS_WORK_DIR": os.path.join(data_dir, "documents-work"),
        "HOSO_SIGNING_SPOOL_DIR": os.path.join(data_dir, "signing-spool"),
        "HOSO_AUDIT_ANCHOR_DIR": os.path.join(data_dir, "audit-anchors"),
    }


def _service_client_secrets(services: Iterable[str]) -> dict[str, str]:
    """Fresh client-credential secrets shared by identity and each service that calls others."""
    import secrets

    from services.kernel.settings import ServiceSettings

    env = {"HOSO_IDENTITY_DEMO_MODE": "true"}
    identity_fields = _settings_class("identity").model_fields if "identity" in services else {}
    for svc in (*services, "gateway"):
        if f"{svc}_client_secret" not in identity_fields:
            continue
        secret = secrets.token_urlsafe(32)
        env[f"HOSO_IDENTITY_{svc.upper()}_CLIENT_SECRET"] = secret
        cls: type[ServiceSettings] | None = _settings_class(svc) if svc != "gateway" else None
        if cls is not None and "client_secret" in cls.model_fields:
            env[f"HOSO_{svc.upper()}_CLIENT_SECRET"] = secret
    return env


def _settings_class(svc: str) -> Any:
    from services.kernel.settings import ServiceSettings

    module = importlib.import_module(f"services.{svc}.settings")
    return next(
        v for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, ServiceSettings) and v is not ServiceSettings and getattr(v, "service", "") == svc
    )


def banner(platform: Platform) -> str:
    lines = [
        "",
        "=" * 72,
        " HoSo — chế độ all-in-one (một tiến trình, dữ liệu demo)",
        f" Mở trình duyệt: {platform.url}/",
        " CẢNH BÁO: dữ liệu chỉ nằm trong bộ nhớ và KHÔNG được lưu lại khi tắt.",
        "   (all-in-one mode: in-memory data, NOTHING IS KEPT after exit)",
        f" Thư điện tử gửi đi được ghi vào: {platform.data_dir}/mail-outbox",
        *demo_account_lines(),
        "=" * 72,
    ]
    return "\n".join(lines)


def demo_account_lines() -> list[str]:
    """The demo password and every demo account, as the start-up banners list them."""
    lines = [f" Mật khẩu của mọi tài khoản demo: {DEMO_PASSWORD}", " Tài khoản demo:"]
    for p in DEMO_DISTRICT.staff:
        lines.append(f"   {p.username:<24} {p.full_name} — {DEMO_DISTRICT.name}")
    for school in DEMO_DISTRICT.schools:
        for p in school.people:
            roles = ", ".join(r for r, _ in p.roles)
            lines.append(f"   {p.username:<24} {p.full_name} ({roles}) — {school.name}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.allinone", description="Run HoSo in all-in-one mode")
    parser.add_argument("--host", default=os.environ.get("HOSO_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("HOSO_PORT", "8080")))
    parser.add_argument("--no-seed", action="store_true", help="start empty, without the demo district")
    args = parser.parse_args(argv)
    logging.basicConfig(level="INFO")
    platform = start_platform(host=args.host, port=args.port, seed=not args.no_seed)
    print(banner(platform), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    platform.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
