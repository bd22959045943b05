"""Settings of the gateway, read from ``HOSO_*`` variables and validated at start-up.

The five service base URLs are the common ``HOSO_<SERVICE>_URL`` settings; the gateway
cannot route without them, so here they are required. Its own settings are
``HOSO_GATEWAY_<FIELD>``.
"""
from __future__ import annotations

from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from services.kernel.settings import ServiceSettings

WEB_ROOT = Path(__file__).resolve().parent / "web"


class GatewaySettings(ServiceSettings):
    """Routing targets, limits and timeouts of the public entry point."""

    service: ClassVar[str] = "gateway"
    uses_database: ClassVar[bool] = False  # no database, no broker: it only routes
    uses_broker: ClassVar[bool] = False

    identity_url: str
    documents_url: str
    approvals_url: str
    signing_url: str
    notifications_url: str

    max_body_bytes: int = Field(default=2_200_000_000, gt=0)
    """Largest request body forwarded (streamed, never buffered): the largest book limit in the catalog,
    sổ đăng bộ's whole-course A3 scans at 2 GiB, plus overhead; services enforce each book's own limit."""
    upstream_connect_timeout: float = Field(default=3.0, gt=0)
    upstream_timeout: float = Field(default=60.0, gt=0)
    """Longest wait for the next bytes of an upstream answer before giving 504."""
    upstream_idle_reuse: float = Field(default=1.5, ge=0)
    """A kept-alive upstream connection idle longer than this is replaced (gunicorn closes after 2 s)."""
    user_rate: float = Field(default=20.0, gt=0)
    """Sustained requests per second one signed-in user may make."""
    user_burst: int = Field(default=200, gt=0)
    ip_rate: float = Field(default=50.0, gt=0)
    """Sustained requests per second from one address without a valid token (a whole school may share one)."""
    ip_burst: int = Field(default=1500, gt=0)
    """A school's 300 people signing in within a minute from one address (about 5 requests each) fit."""
    trusted_proxies: int = Field(default=0, ge=0)
    """How many reverse proxies in front append to X-Forwarded-For (ingress: 1)."""
    web_root: str = str(WEB_ROOT)

    @field_validator("identity_url", "documents_url", "approvals_url", "signing_url", "notifications_url")
    @classmethod
    def _http_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"must be an http(s) base URL such as http://identity:8000, not {value!r}")
        return value

    def service_urls(self) -> dict[str, str]:
        """Base URL of each routed service, without a trailing slash."""
        return {
            "identity": self.identity_url.rstrip("/"),
            "documents": self.documents_url.rstrip("/"),
            "approvals": self.approvals_url.rstrip("/"),
            "signing": self.signing_url.rstrip("/"),
            "notifications": self.notifications_url.rstrip("/"),
        }

    @property
    def https(self) -> bool:
        """Whether the platform is published over https (HSTS is sent then)."""
        return self.public_url.lower().startswith("https://")
