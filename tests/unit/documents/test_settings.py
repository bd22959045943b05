"""Production refuses to start with the development signing key for download links."""
from __future__ import annotations

import pytest

from services.documents.settings import DocumentsSettings
from services.kernel.settings import SettingsError, load_settings

#: Real infrastructure, without which production is refused before anything else is checked.
REAL = {"HOSO_MODE": "production", "MONGO_URI": "mongodb://m/?replicaSet=rs0", "AMQP_URL": "amqp://r//",
        "HOSO_AUDIT_ANCHOR_STORE": "s3", "HOSO_AUDIT_TSA_URL": "https://tsa.example.vn/tsr",
        "HOSO_DOCUMENTS_STORAGE": "s3"}


def test_production_needs_its_own_url_signing_key() -> None:
    with pytest.raises(SettingsError, match="HOSO_DOCUMENTS_URL_SIGNING_KEY"):
        load_settings(DocumentsSettings, REAL)
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings(DocumentsSettings, {"HOSO_DOCUMENTS_URL_SIGNING_KEY": "short"})
    assert load_settings(DocumentsSettings, {**REAL, "HOSO_DOCUMENTS_URL_SIGNING_KEY": "k" * 40}).storage == "s3"
    with pytest.raises(SettingsError, match="HOSO_DOCUMENTS_STORAGE=s3"):
        load_settings(DocumentsSettings, {**REAL, "HOSO_DOCUMENTS_STORAGE": "local", "HOSO_DOCUMENTS_URL_SIGNING_KEY": "k" * 40})
    with pytest.raises(SettingsError, match="HOSO_DOCUMENTS_STORGE"):
        load_settings(DocumentsSettings, {"HOSO_DOCUMENTS_STORGE": "s3"})
