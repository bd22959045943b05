"""Zalo: a ZNS template message through the Zalo Official Account API.

Shaped on ``POST https://business.openapi.zalo.me/message/template`` with the OA's
``access_token`` header and the body ``{phone, template_id, template_data, tracking_id}``; Zalo
answers HTTP 200 with ``{"error": 0, ...}`` on success and a non-zero ``error`` with a
``message`` otherwise. The base URL is a setting (a simulated endpoint in tests). The
``tracking_id`` is the delivery's idempotency key.
"""
from __future__ import annotations

import requests

from ...domain.notices import Notice
from . import DeliveryFailed, absolute

#: ZNS error codes worth trying again (rate limits, Zalo-side failures); others are final.
RETRYABLE_ERRORS = frozenset({-32, -124, -133, -1})
#: ZNS error codes saying the phone cannot receive (invalid number, no Zalo account): shown to the person.
BAD_PHONE_ERRORS = frozenset({-108, -118})


class ZaloChannel:
    """Sends one ZNS template message per notice; the template shows title, body and link."""

    name = "zalo"

    def __init__(self, *, base_url: str, access_token: str | None, template_id: str | None, public_base_url: str,
                 timeout: float = 10.0, session: requests.Session | None = None) -> None:
        self._url = base_url.rstrip("/") + "/message/template"
        self._token, self._template, self._base, self._timeout = access_token, template_id, public_base_url, timeout
        self._session = session or requests.Session()

    def send(self, notice: Notice, address: str) -> None:
        if not self._token or not self._template:
            raise DeliveryFailed("Chưa cấu hình Zalo OA (access token, mẫu ZNS)", permanent=False)
        body = {"phone": address, "template_id": self._template, "tracking_id": notice.key,
                "template_data": {"title": notice.title[:100], "content": notice.body[:400],
                                  "link": absolute(self._base, notice.link)}}
        try:
            r = self._session.post(self._url, json=body, headers={"access_token": self._token}, timeout=self._timeout)
        except requests.RequestException as exc:
            raise DeliveryFailed(f"Không kết nối được Zalo ({type(exc).__name__})", permanent=False) from exc
        if r.status_code >= 500:
            raise DeliveryFailed(f"Zalo trả lời HTTP {r.status_code}", permanent=False)
        try:
            answer = r.json()
        except ValueError as exc:
            raise DeliveryFailed(f"Zalo trả lời không phải JSON (HTTP {r.status_code})", permanent=False) from exc
        error = int(answer.get("error", -1)) if isinstance(answer, dict) else -1
        if error != 0:
            message = answer.get("message", "") if isinstance(answer, dict) else ""
            raise DeliveryFailed(f"Zalo từ chối (mã {error}): {message}".strip(), permanent=error not in RETRYABLE_ERRORS,
                                 bad_address=error in BAD_PHONE_ERRORS)
