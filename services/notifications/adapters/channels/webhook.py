"""Webhooks: a signed JSON POST to a URL an administrator subscribed the school to.

The body is signed with the subscription's own secret: ``X-HoSo-Signature: sha256=<hex HMAC-SHA256
of the raw body>``, beside ``X-HoSo-Timestamp`` (Unix seconds) and ``X-HoSo-Delivery`` (the
idempotency key, the same on every retry). A 2xx answer is a delivery; 5xx, 408, 429 and network
errors are retried; other answers are final. URLs are checked against SSRF at subscription and
again at each send (the name may resolve elsewhere later): public addresses only, except
loopback in test mode.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from services.kernel.clock import Clock

from ...domain.notices import Notice
from . import DeliveryFailed, absolute


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret: str


class UnsafeUrl(ValueError):
    """A webhook URL that points inside the platform's network (or is not http(s))."""


def check_url(url: str, *, allow_loopback: bool) -> None:
    """Refuse URLs whose host resolves to a private, loopback, link-local or reserved address."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeUrl("Địa chỉ webhook phải là một URL http(s) đầy đủ.")
    if parts.scheme == "http" and not allow_loopback:
        raise UnsafeUrl("Địa chỉ webhook phải dùng https.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise UnsafeUrl("Không phân giải được tên máy của địa chỉ webhook.") from exc
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if ip.is_loopback and allow_loopback:
            continue
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            raise UnsafeUrl("Địa chỉ webhook trỏ vào mạng nội bộ: không được phép.")


def signature(secret: str, body: bytes) -> str:
    """The value of ``X-HoSo-Signature`` for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    """POSTs the notice as JSON to the subscription named by the address (its id)."""

    name = "webhook"

    def __init__(self, *, targets: Callable[[str], WebhookTarget | None], clock: Clock, public_base_url: str,
                 allow_loopback: bool, timeout: float = 10.0, session: requests.Session | None = None) -> None:
        self._targets, self._clock, self._base = targets, clock, public_base_url
        self._allow_loopback, self._timeout = allow_loopback, timeout
        self._session = session or requests.Session()

    def send(self, notice: Notice, address: str) -> None:
        target = self._targets(address)
        if target is None:
            raise DeliveryFailed("Đăng ký webhook đã bị xoá", permanent=True)
        try:
            check_url(target.url, allow_loopback=self._allow_loopback)
        except UnsafeUrl as exc:
            raise DeliveryFailed(str(exc), permanent=True) from exc
        body = json.dumps({"id": notice.key, "kind": notice.kind.value, "recipient": notice.recipient,
                           "school": notice.school, "title": notice.title, "body": notice.body,
                           "link": absolute(self._base, notice.link)}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "X-HoSo-Signature": signature(target.secret, body),
                   "X-HoSo-Timestamp": str(int(self._clock.now().timestamp())), "X-HoSo-Delivery": notice.key}
        try:
            r = self._session.post(target.url, data=body, headers=headers, timeout=self._timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise DeliveryFailed(f"Không kết nối được webhook ({type(exc).__name__})", permanent=False) from exc
        if 200 <= r.status_code < 300:
            return
        retry = r.status_code >= 500 or r.status_code in (408, 429)
        raise DeliveryFailed(f"Webhook trả lời HTTP {r.status_code}", permanent=not retry)
