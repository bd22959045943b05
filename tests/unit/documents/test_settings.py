"""Production refuses to start with the development signing key for download links."""
from __future__ import annotations

import pytest

from services.documents.settings import DocumentsSettings
from services.kernel.settings import SettingsError, load_settings


def test_production_needs_its_own_url_signing_key() -> None:
    with pytest.raises(SettingsError, match="HOSO_DOCUMENTS_URL_SIGNING_KEY"):
        load_settings(DocumentsSettings, {"HOSO_MODE": "production"})
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings(DocumentsSettings, {"HOSO_DOCUMENTS_URL_SIGNING_KEY": "short"})
    assert load_settings(DocumentsSettings, {"HOSO_MODE": "production", "HOSO_DOCUMENTS_URL_SIGNING_KEY": "k" * 40}).storage == "local"
    with pytest.raises(SettingsError, match="HOSO_DOCUMENTS_STORGE"):
        load_settings(DocumentsSettings, {"HOSO_DOCUMENTS_STORGE": "s3"})
