"""Calls from one service to another: one HTTP client, and one way to read a refusal.

A caller branches on the answer's status and on the problem's stable ``code``
(:func:`problem_code`), never on its Vietnamese ``title`` or ``detail``: those are for
people and may be reworded at any time. Transport failures become a 502 problem naming
the service that could not be reached.
"""
from __future__ import annotations

from typing import Any

import requests

from .errors import BadGateway


def problem_code(resp: requests.Response) -> str:
    """The ``code`` of a problem+json answer; "" for an answer that carries none."""
    try:
        body = resp.json()
    except ValueError:
        return ""
    return str(body.get("code") or "") if isinstance(body, dict) else ""


class ServiceClient:
    """Another service's API under ``base_url``, called with a service token (``auth``)."""

    def __init__(self, *, base_url: str, auth: requests.auth.AuthBase, service_name: str,
                 session: requests.Session | None = None, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.service_name = service_name
        self._auth = auth
        self._http = session or requests.Session()
        self._timeout = timeout

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        """The raw answer to ``method path``; a transport failure raises :class:`BadGateway`."""
        try:
            return self._http.request(method, self.base_url + path, auth=self._auth, timeout=self._timeout, **kw)
        except requests.RequestException as exc:
            raise self.unreachable(exc) from None

    def unreachable(self, exc: Exception) -> BadGateway:
        """The problem for a call that got no answer (connection refused, timeout, broken stream)."""
        return BadGateway(f"Không gọi được dịch vụ {self.service_name}: {type(exc).__name__}.")

    def unexpected(self, resp: requests.Response) -> BadGateway:
        """The problem for an answer the caller has no rule for."""
        code = problem_code(resp)
        return BadGateway(f"Dịch vụ {self.service_name} trả lỗi HTTP {resp.status_code}"
                          + (f" ({code})." if code else "."), extra={"upstream_code": code} if code else None)
