"""Client-credentials tokens for calls to approvals and documents.

The kernel's ``ClientCredentials`` authenticates to the token endpoint with HTTP Basic, which
the identity service refuses (its web shell only accepts ``Bearer`` in ``Authorization``, and
its discovery document lists ``client_secret_post``). Until that is settled in the kernel,
this subclass sends the client id and secret in the form body, as identity advertises.
"""
from __future__ import annotations

import requests

from services.kernel.errors import BadGateway
from services.kernel.service_auth import ClientCredentials


class ClientSecretPost(ClientCredentials):
    def token(self) -> str:
        with self._lock:
            if self._token is None or self._monotonic() > self._expires - 30:
                data = {"grant_type": "client_credentials", "client_id": self._client_id,
                        "client_secret": self._secret}
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
