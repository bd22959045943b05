"""Settings of the identity service (``HOSO_IDENTITY_*``; common ones are ``HOSO_*``)."""
from __future__ import annotations

import base64
from typing import ClassVar

from pydantic import model_validator

from services.kernel.settings import ServiceSettings

#: Development-only key-encryption key, refused in production mode. All-in-one and tests keep
#: their data in memory, so nothing sealed with it outlives the process.
DEVELOPMENT_KEK = base64.urlsafe_b64encode(b"hoso-identity-development-kek-32").decode()

SERVICE_CLIENTS = ("documents", "approvals", "signing", "notifications", "gateway")


class IdentitySettings(ServiceSettings):
    service: ClassVar[str] = "identity"

    db_name: str = "hoso_identity"
    key_encryption_key: str | None = None
    access_token_seconds: int = 600
    refresh_token_days: int = 14
    session_hours: int = 12
    key_rotation_days: int = 30
    authorization_code_seconds: int = 120
    password_reset_minutes: int = 30
    web_client_id: str = "hoso-web"
    web_redirect_uris: str = ""  # comma-separated, added to <public url>/auth/callback
    web_id_token_alg: str = "RS256"  # the web client's registered ID token algorithm: RS256 or ES256
    documents_client_secret: str | None = None
    approvals_client_secret: str | None = None
    signing_client_secret: str | None = None
    notifications_client_secret: str | None = None
    gateway_client_secret: str | None = None
    demo_mode: bool = False
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = "HoSo <khong-tra-loi@hoso.edu.vn>"
    mail_outbox_dir: str | None = None

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> "IdentitySettings":
        if self.mode == "production":
            if not self.key_encryption_key:
                raise ValueError("HOSO_IDENTITY_KEY_ENCRYPTION_KEY is required in production")
            if self.demo_mode:
                raise ValueError("HOSO_IDENTITY_DEMO_MODE cannot be on in production")
        if self.web_id_token_alg not in ("RS256", "ES256"):
            raise ValueError("HOSO_IDENTITY_WEB_ID_TOKEN_ALG must be RS256 or ES256")
        kek = self.kek()
        if len(base64.urlsafe_b64decode(kek + "=" * (-len(kek) % 4))) != 32:
            raise ValueError("HOSO_IDENTITY_KEY_ENCRYPTION_KEY must be 32 bytes, URL-safe base64")
        return self

    def kek(self) -> str:
        return self.key_encryption_key or DEVELOPMENT_KEK

    def redirect_uris(self) -> list[str]:
        extra = [u.strip() for u in self.web_redirect_uris.split(",") if u.strip()]
        return [self.public_url.rstrip("/") + "/auth/callback", *extra]

    def service_client_secrets(self) -> dict[str, str]:
        """client id → secret for every service client that has a secret configured."""
        return {name: secret for name in SERVICE_CLIENTS if (secret := getattr(self, f"{name}_client_secret"))}
