"""``python -m infra.production --target ...`` starts the right process and stops cleanly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.production import GUNICORN_DEFAULTS, GunicornApplication, targets

ROOT = Path(__file__).resolve().parents[3]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HOSO_", "GUNICORN_", "WEB_CONCURRENCY")) and k not in ("MONGO_URI", "AMQP_URL")}
    return {**env, **extra}


def start(target: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "infra.production", "--target", target],
                            cwd=ROOT, env=clean_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_sigterm_handler(process: subprocess.Popen[str], *, timeout: float = 120.0) -> None:
    """Wait (bounded) until ``process`` catches SIGTERM (Linux: its ``SigCgt`` mask) or has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with open(f"/proc/{process.pid}/status", encoding="ascii") as status:
            caught = next(int(line.split()[1], 16) for line in status if line.startswith("SigCgt:"))
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.1)


def test_a_missing_setting_stops_the_process_naming_it() -> None:
    process = start("gateway", HOSO_IDENTITY_URL="http://identity:8000")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "HOSO_DOCUMENTS_URL" in err
    assert "Traceback" not in err


def test_an_unknown_setting_stops_the_process_naming_it() -> None:
    process = start("relay-approvals", HOSO_APPROVALS_SCHEDULER_INTERVAL="5")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "HOSO_APPROVALS_SCHEDULER_INTERVAL" in err


@pytest.mark.parametrize("target", ["relay-approvals", "consumer-notifications"])
def test_background_targets_run_until_sigterm(target: str, tmp_path: Path) -> None:
    process = start(target, HOSO_MODE="test", HOSO_LOG_LEVEL="WARNING",
                    HOSO_NOTIFICATIONS_MAIL_OUTBOX_DIR=str(tmp_path / "mail"))
    wait_for_sigterm_handler(process)  # on a loaded machine its imports alone can take longer than the sleep
    time.sleep(4)
    assert process.poll() is None, process.communicate()[1]
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err


def test_every_service_has_web_relay_and_consumer_targets() -> None:
    for service in ("identity", "documents", "approvals", "signing", "notifications"):
        assert {service, f"relay-{service}", f"consumer-{service}"} <= set(targets())
    assert "gateway" in targets()


def test_gunicorn_cmd_args_override_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--threads 3 --keep-alive 9")
    app = GunicornApplication(lambda: None, {**GUNICORN_DEFAULTS, "bind": ["127.0.0.1:0"]})
    assert (app.cfg.threads, app.cfg.keepalive, app.cfg.worker_class_str) == (3, 9, "gthread")
    assert app.cfg.preload_app is False
