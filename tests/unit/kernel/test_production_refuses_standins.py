"""Production mode never starts on mongomock, memory:// or local disk (issue 10, defect 10).

Every ``--target`` of ``infra.production`` validates its service's settings; in production they
must name a real MongoDB, RabbitMQ, object storage where the service stores objects (documents'
files; every service's audit anchors) and a time-stamping authority, or the process stops naming
what is missing.
"""
from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.production import settings_class, targets
from services.kernel.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[3]
KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
SERVICE_URLS = {f"HOSO_{s.upper()}_URL": f"http://{s}:8000"
                for s in ("identity", "documents", "approvals", "signing", "notifications")}
#: What each service needs in production besides the infrastructure (its own secrets).
OWN = {
    "identity": {"HOSO_IDENTITY_KEY_ENCRYPTION_KEY": KEY},
    "documents": {"HOSO_DOCUMENTS_URL_SIGNING_KEY": "k" * 40},
    "gateway": SERVICE_URLS,
}
REAL = {
    "MONGO_URI": "mongodb://mongo1:27017/?replicaSet=rs0",
    "AMQP_URL": "amqp://hoso:secret@rabbitmq:5672//",
    "HOSO_AUDIT_ANCHOR_STORE": "s3",
    "HOSO_AUDIT_TSA_URL": "https://tsa.example.vn/tsr",
    "HOSO_DOCUMENTS_STORAGE": "s3",
    "HOSO_SIGNING_SPOOL_STORE": "s3",
}
#: Object stores of one service only (another service's setting would be refused as unknown).
OWN_STORES = {"HOSO_DOCUMENTS_STORAGE": "documents", "HOSO_SIGNING_SPOOL_STORE": "signing"}


def _environ(service: str, **extra: str) -> dict[str, str]:
    env = {"HOSO_MODE": "production", **OWN.get(service, {}), **extra}
    return {k: v for k, v in env.items() if OWN_STORES.get(k, service) == service}


@pytest.mark.parametrize("target", targets())
def test_every_target_refuses_production_without_real_infrastructure(target: str) -> None:
    service = target.rpartition("-")[2]
    cls = settings_class(service)
    if service == "gateway":  # routes only: no database, broker or store to stand in for
        load_settings(cls, _environ(service))
        return
    with pytest.raises(SettingsError) as refused:
        load_settings(cls, _environ(service))
    message = str(refused.value)
    for name in ("MONGO_URI", "AMQP_URL", "HOSO_AUDIT_ANCHOR_STORE=s3", "HOSO_AUDIT_TSA_URL"):
        assert name in message, f"{target}: {message}"
    assert ("HOSO_DOCUMENTS_STORAGE=s3" in message) == (service == "documents")
    assert ("HOSO_SIGNING_SPOOL_STORE=s3" in message) == (service == "signing")  # replicas share the spool
    settings = load_settings(cls, _environ(service, **REAL))  # the real thing is accepted
    assert settings.production_standins() == []


def test_only_the_missing_piece_is_named() -> None:
    env = {k: v for k, v in REAL.items() if k != "AMQP_URL"}
    with pytest.raises(SettingsError) as refused:
        load_settings(settings_class("approvals"), _environ("approvals", **env))
    assert "AMQP_URL" in str(refused.value) and "MONGO_URI" not in str(refused.value)


def test_the_production_process_stops_naming_what_is_missing() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_") and k not in ("MONGO_URI", "AMQP_URL")}
    process = subprocess.run([sys.executable, "-m", "infra.production", "--target", "relay-approvals"],
                             cwd=ROOT, env={**env, "HOSO_MODE": "production"}, capture_output=True, text=True, timeout=60)
    assert process.returncode == 1
    assert "MONGO_URI" in process.stderr and "AMQP_URL" in process.stderr
    assert "Traceback" not in process.stderr
