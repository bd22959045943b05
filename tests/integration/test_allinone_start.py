"""The README's run command starts every service behind the gateway within 30 seconds."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from infra.allinone import SERVICES, free_port

pytestmark = pytest.mark.integration


def test_run_command_answers_healthz_of_all_five_services_through_the_gateway():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_") and k not in ("MONGO_URI", "AMQP_URL")}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.allinone", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        pending = set(SERVICES)
        while pending and time.monotonic() - started < 30:
            for svc in sorted(pending):
                try:
                    r = requests.get(f"http://127.0.0.1:{port}/api/{svc}/healthz", timeout=1)
                except requests.RequestException:
                    continue
                if r.status_code == 200 and r.json().get("status") == "ok":
                    pending.discard(svc)
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        assert not pending, f"not healthy after {elapsed:.1f}s: {sorted(pending)}"
        assert proc.poll() is None, "the platform exited"
        while "thhp.giaovien" not in "".join(lines) and time.monotonic() - started < 90:
            time.sleep(0.2)  # the demo district is seeded after the services answer
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        reader.join(timeout=5)
    out = "".join(lines)
    assert "KHÔNG được lưu" in out  # says loudly that data is not kept
    assert "thhp.giaovien" in out  # prints the demo logins
