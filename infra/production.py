"""Production mode: one process group per target, ``python -m infra.production --target NAME``.

Targets:
  ``identity``, ``documents``, ``approvals``, ``signing``, ``notifications``
      the HTTP application under gunicorn (gthread workers); the application is built in
      each worker after the fork, so no socket is ever shared between workers.
  ``gateway``
      the gateway's asyncio front (``gateway/server.py``, uvloop): ``--workers`` or
      ``WEB_CONCURRENCY`` processes sharing the listening socket, each building the gateway
      after the fork; ``GUNICORN_CMD_ARGS`` does not apply to it.
  ``relay-<service>``
      the service's outbox relay (pending events → RabbitMQ with publisher confirms), plus
      its periodic jobs, among them anchoring the audit chain heads every
      ``HOSO_AUDIT_ANCHOR_INTERVAL_SECONDS``. Several replicas are safe: each job's time slot is
      claimed by exactly one of them (``services.kernel.periodic``), and the relays' passes are
      idempotent (consumers drop a duplicate by event id).
  ``consumer-<service>``
      the service's event consumers, one thread per queue. Scale by adding replicas.

Settings are validated before anything starts, so a missing or unknown ``HOSO_*`` variable
stops the process with a message naming it. gunicorn's own tuning comes from its standard
variables: ``WEB_CONCURRENCY`` (workers) and ``GUNICORN_CMD_ARGS`` (e.g. ``--threads 16``),
which override the defaults below; ``PORT`` or ``--bind`` sets the address.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

from gunicorn.app.base import BaseApplication

from infra.request_body import pre_request
from services.kernel.jsonlog import configure_logging
from services.kernel.outbox import OUTBOX_WRITTEN
from services.kernel.settings import ServiceSettings, SettingsError, load_settings

SERVICES = ("identity", "documents", "approvals", "signing", "notifications")
HTTP_TARGETS = (*SERVICES, "gateway")

GUNICORN_DEFAULTS: dict[str, Any] = {
    "worker_class": "gthread",
    "threads": 8,
    "keepalive": 5,  # the gateway replaces an idle upstream connection after 1.5 s
    "timeout": 120,
    "graceful_timeout": 30,
    "preload_app": False,
    "accesslog": None,
    "control_socket_disable": True,  # several gunicorns share a host in compose and in tests
    # request bodies with a Content-Length are read from the socket without gunicorn's copying
    # reader (infra/request_body.py): every upload into the gateway and into every service
    "pre_request": pre_request,
}

log = logging.getLogger("hoso.production")


def settings_class(target: str) -> type[ServiceSettings]:
    """The settings class of a service (``services/<svc>/settings.py``) or of the gateway."""
    module = importlib.import_module("gateway.settings" if target == "gateway" else f"services.{target}.settings")
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, ServiceSettings) and obj.service == target
    ]
    if len(found) != 1:
        raise LookupError(f"expected one settings class for {target} in {module.__name__}, found {len(found)}")
    return found[0]


class GunicornApplication(BaseApplication):
    """gunicorn run from Python: ``load`` builds the WSGI application inside each worker."""

    def __init__(self, load: Callable[[], Callable[..., Any]], options: Mapping[str, Any]) -> None:
        self._load = load
        self._options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        # gunicorn's documented GUNICORN_CMD_ARGS wins over the defaults, as with the gunicorn command
        parsed = self.cfg.parser().parse_args(self.cfg.get_cmd_args_from_env())
        for key, value in vars(parsed).items():
            if value is not None and key != "args" and key in self.cfg.settings:
                self.cfg.set(key.lower(), value)

    def load(self) -> Callable[..., Any]:
        return self._load()


def wsgi_loader(target: str) -> Callable[[], Callable[..., Any]]:
    """A function building the target's WSGI application (called in the worker)."""

    def load() -> Callable[..., Any]:
        if target == "gateway":
            from gateway.app import create_app as create_gateway

            gateway = create_gateway()
            configure_logging("gateway", level=gateway.settings.log_level, json_format=gateway.settings.log_json)
            return gateway
        module = importlib.import_module(f"services.{target}.entrypoints.app")
        return module.create_app()

    return load


def run_http(target: str, *, bind: str, workers: int | None) -> None:
    if target == "gateway":
        # the gateway's own asyncio front (gateway/server.py): gunicorn's gthread worker alone cost
        # more CPU per request than the gateway may spend (docs/gateway-performance.md)
        from gateway.server import serve

        count = workers if workers is not None else int(os.environ.get("WEB_CONCURRENCY", "1"))
        serve(wsgi_loader("gateway"), bind=bind, workers=count,
              graceful_timeout=GUNICORN_DEFAULTS["graceful_timeout"])
        return
    options = {**GUNICORN_DEFAULTS, "bind": [bind], "proc_name": f"hoso-{target}"}
    if workers is not None:
        options["workers"] = workers
    GunicornApplication(wsgi_loader(target), options).run()


def _container(service: str) -> Any:
    return importlib.import_module(f"services.{service}.bootstrap").bootstrap()


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def on_signal(*_: object) -> None:
        stop.set()
        OUTBOX_WRITTEN.notify()  # the relay ends its idle wait at once

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def run_relay(service: str) -> None:
    """Relay the service's outbox until SIGTERM; its periodic jobs run beside it, each slot claimed once
    across every replica (``services.kernel.periodic``), so several replicas are safe."""
    stop = _stop_on_signals()
    container = _container(service)
    configure_logging(f"{service}-relay", level=container.settings.log_level, json_format=container.settings.log_json)
    threads = container.runtime.scheduler(getattr(container, "periodic", list)()).start(stop)
    container.runtime.relay(container.outbox_collections()).run(stop)
    for thread in threads:
        thread.join(timeout=10)


def run_consumers(service: str) -> None:
    """Run every consumer of the service, one thread per queue, until SIGTERM."""
    stop = _stop_on_signals()
    container = _container(service)
    configure_logging(f"{service}-consumer", level=container.settings.log_level, json_format=container.settings.log_json)
    workers = container.workers()
    if not workers:
        raise SystemExit(f"error: {service} has no consumers; do not deploy consumer-{service}")
    threads = [threading.Thread(target=worker.run, args=(stop,), daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(timeout=10)


def targets() -> list[str]:
    """Every accepted ``--target`` value."""
    return [*HTTP_TARGETS, *(f"relay-{s}" for s in SERVICES), *(f"consumer-{s}" for s in SERVICES)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.production", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, choices=targets(), metavar="TARGET",
                        help="one of: " + ", ".join(targets()))
    parser.add_argument("--bind", default=f"0.0.0.0:{os.environ.get('PORT', '8000')}", help="HTTP targets only")
    parser.add_argument("--workers", type=int, default=None, help="HTTP targets only (default: $WEB_CONCURRENCY or 1)")
    args = parser.parse_args(argv)
    kind, _, service = args.target.rpartition("-")
    try:
        load_settings(settings_class(service), os.environ)
    except SettingsError as exc:
        sys.exit(f"error: {exc}")
    if not kind:
        run_http(service, bind=args.bind, workers=args.workers)
    elif kind == "relay":
        run_relay(service)
    else:
        run_consumers(service)


if __name__ == "__main__":
    main()
