"""Service-to-service calls: a client-credentials token from identity, cached until near expiry."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests

from .errors import BadGateway


class ClientCredentials(requests.auth.AuthBase):
    """``requests`` auth that adds a bearer token obtained with the client-credentials grant (client_secret_post)."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        session: requests.Session | None = None,
        scope: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._secret = client_secret
        self._session = session or requests.Session()
        self._scope = scope
        self._monotonic = monotonic
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._monotonic() > self._expires - 30:
                data = {"grant_type": "client_credentials", "client_id": self._client_id, "client_secret": self._secret}
                if self._scope:
                    data["scope"] = self._scope
                try:
                    resp = self._session.post(self._token_url, data=data, timeout=10)
                except requests.RequestException as exc:
                    raise BadGateway(f"Không lấy được mã truy cập dịch vụ: {type(exc).__name__}.") from None
                if resp.status_code != 200:
                    raise BadGateway(f"Máy chủ định danh từ chối mã truy cập dịch vụ (HTTP {resp.status_code}).")
                body = resp.json()
                self._token = str(body["access_token"])
                self._expires = self._monotonic() + float(body.get("expires_in", 300))
            return self._token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request
