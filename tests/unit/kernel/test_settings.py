from typing import ClassVar

import pytest

from services.kernel.settings import ServiceSettings, SettingsError, load_settings, required_env


class DemoSettings(ServiceSettings):
    service: ClassVar[str] = "documents"
    bucket: str
    part_size: int = 8


def test_reads_common_and_own_settings():
    s = load_settings(DemoSettings, {"HOSO_DOCUMENTS_BUCKET": "b", "MONGO_URI": "mongodb://x", "HOSO_MODE": "production", "PATH": "/bin",
                                     "AMQP_URL": "amqp://x", "HOSO_AUDIT_ANCHOR_STORE": "s3", "HOSO_AUDIT_TSA_URL": "https://tsa"})
    assert (s.bucket, s.mongo_uri, s.mode, s.part_size) == ("b", "mongodb://x", "production", 8)


def test_missing_required_setting_is_named():
    with pytest.raises(SettingsError, match="HOSO_DOCUMENTS_BUCKET"):
        load_settings(DemoSettings, {})


def test_unknown_own_setting_is_named():
    with pytest.raises(SettingsError, match="HOSO_DOCUMENTS_BUCKIT"):
        load_settings(DemoSettings, {"HOSO_DOCUMENTS_BUCKET": "b", "HOSO_DOCUMENTS_BUCKIT": "typo"})


def test_unknown_common_setting_is_named():
    with pytest.raises(SettingsError, match="HOSO_MOED"):
        load_settings(DemoSettings, {"HOSO_DOCUMENTS_BUCKET": "b", "HOSO_MOED": "x"})


def test_other_services_settings_are_left_to_them():
    s = load_settings(DemoSettings, {"HOSO_DOCUMENTS_BUCKET": "b", "HOSO_IDENTITY_SOMETHING": "1"})
    assert s.bucket == "b"


def test_invalid_value_is_named():
    with pytest.raises(SettingsError, match="HOSO_DOCUMENTS_PART_SIZE"):
        load_settings(DemoSettings, {"HOSO_DOCUMENTS_BUCKET": "b", "HOSO_DOCUMENTS_PART_SIZE": "many"})


def test_required_env_lists_what_a_deployment_must_set():
    assert required_env(DemoSettings) == {"HOSO_DOCUMENTS_BUCKET"}
