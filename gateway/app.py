"""The gateway: HoSo's one public entry point, a lean WSGI application.

For every request it assigns a request id, then either serves the web app's static files
or forwards ``/api/<service>/...`` to that service: verifying the access token unless the
route is public, enforcing per-user and per-address rate limits, stripping headers a client
could use to pass for someone else, and streaming both bodies. Every error it produces is
problem+json with a Vietnamese title; none carries a stack trace.

It is plain WSGI (no Flask) because it sits on every request: see ``gateway/README.md`` for
the measured overhead.
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from services.kernel.errors import (
    PROBLEM_CONTENT_TYPE,
    BadGateway,
    BadRequest,
    GatewayTimeout,
    InternalError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Problem,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
)
from services.kernel.settings import load_settings
from services.kernel.audiences import ALL_AUDIENCES
from services.kernel.tokens import JwksKeySource, TokenVerifier

from gateway.auth import CachedVerifier, Verifier, bearer_token, check_audience, missing_token
from gateway.headers import CONTENT_SECURITY_POLICY, is_stripped, request_id, security_headers
from gateway.ratelimit import TokenBuckets, retry_after_header
from gateway.routes import NOT_THE_WEB_APP, ApiRoute, resolve_api
from gateway.settings import GatewaySettings
from gateway.static import StaticFiles
from gateway.upstream import (
    HOP_BY_HOP,
    BodyTooLarge,
    ClientAborted,
    ConnectionPool,
    RequestBody,
    TimedOut,
    Unreachable,
    Upstream,
    forward,
)

log = logging.getLogger("hoso.gateway")
access_log = logging.getLogger("hoso.gateway.access")

StartResponse = Callable[..., Any]
_DROPPED_REQUEST = HOP_BY_HOP | {"host", "expect", "content-length"}
_DROPPED_RESPONSE = frozenset({"date", "server", "x-request-id"})
_HEADER_NAMES: dict[str, str | None] = {}
"""``HTTP_*`` environ key → the header name forwarded, or None when it is never forwarded."""


def _forwarded_name(key: str) -> str | None:
    """The header name of an ``HTTP_*`` key, or None for one the gateway drops or sets itself."""
    name = key[5:].replace("_", "-").title()
    lower = name.lower()
    if lower in _DROPPED_REQUEST or lower == "x-request-id" or is_stripped(lower):
        return None
    return name


@dataclass(frozen=True)
class Forward:
    """A request the gateway has admitted, as it goes to the service (the body still with the client)."""

    service: str
    upstream: Upstream
    method: str
    target: str
    headers: list[tuple[str, str]]
    length: int | None
    """The body's length; None when there is none or the client sends it chunked."""
    has_body: bool


class Gateway:
    """The WSGI callable; build it with :func:`create_app`."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        verifier: Verifier,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._verifier = verifier
        self._upstreams = {name: Upstream.from_url(url) for name, url in settings.service_urls().items()}
        self._services = frozenset(self._upstreams)
        self._pool = ConnectionPool(
            connect_timeout=settings.upstream_connect_timeout,
            read_timeout=settings.upstream_timeout,
            idle_reuse=settings.upstream_idle_reuse,
            monotonic=monotonic,
        )
        self._users = TokenBuckets(rate=settings.user_rate, burst=settings.user_burst, monotonic=monotonic)
        self._addresses = TokenBuckets(rate=settings.ip_rate, burst=settings.ip_burst, monotonic=monotonic)
        self._static = StaticFiles(root=settings.web_root)
        self._security = security_headers(https=settings.https)
        self._proto = "https" if settings.https else "http"
        # the published host, not the client's Host header: services may build links from it
        self._public_host = urlsplit(settings.public_url).netloc

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        path = environ.get("PATH_INFO") or "/"  # WSGI: the raw bytes decoded as latin-1
        context: dict[str, Any] = {}
        try:
            if path.startswith("/api/"):
                status, headers, body = self._api(environ, path, rid, context)
            elif path in ("/healthz", "/readyz"):
                status, headers, body = self._health(path)
            elif path.startswith(NOT_THE_WEB_APP):
                raise NotFound(f"Không tìm thấy {_readable(path)}.")
            else:
                status, headers, body = self._web(environ, path)
        except Problem as problem:
            status, headers, body = self.problem_answer(problem, path, rid)
        except Exception:  # noqa: BLE001 - the last line of defence: log it, answer problem+json
            log.exception("gateway failed on %s %s (request %s)", environ.get("REQUEST_METHOD"), path, rid)
            status, headers, body = self.problem_answer(InternalError(), path, rid)
        self.finish(status, headers, environ, path, rid, started, context)
        start_response(status, headers)
        return body

    def finish(self, status: str, headers: list[tuple[str, str]], environ: Mapping[str, Any], path: str,
               rid: str, started: float, context: Mapping[str, Any]) -> None:
        """Complete an answer's headers (request id, security headers) and write its access record.

        Both HTTP fronts call it once per answer, before the body is sent.
        """
        headers.append(("X-Request-Id", rid))
        self._secure(headers)
        if access_log.isEnabledFor(logging.INFO):
            method = environ.get("REQUEST_METHOD")
            code = int(status[:3])
            fields = {
                "request_id": rid,
                "method": method,
                "path": path,
                "status": code,
                "ms": round((time.perf_counter() - started) * 1000, 2),
                **context,
            }
            access_log.info("%s %s %s", method, path, code, extra={"fields": fields})

    # -- API -----------------------------------------------------------------------------

    def plan_api(self, environ: Mapping[str, Any], path: str, rid: str, context: dict[str, Any]) -> Forward:
        """What to send to which service for an ``/api/...`` request; raises the Problem to answer instead.

        Routing, rate limits, the token, the body's framing and the forwarded headers: every
        decision of the gateway except moving the bytes, shared by the WSGI application and
        the asyncio front (``gateway/server.py``).
        """
        route = resolve_api(path, self._services)
        if route is None:
            raise NotFound(f"Không có dịch vụ nào phục vụ địa chỉ {_readable(path)}.")
        context["service"] = route.service
        address = self._client_address(environ)
        self._admit(environ, route, address, context)
        target = route.upstream_path
        query = environ.get("QUERY_STRING")
        if query:
            target += "?" + query
        length, has_body = self._body_framing(environ)
        return Forward(
            service=route.service,
            upstream=self._upstreams[route.service],
            method=environ["REQUEST_METHOD"],
            target=target,
            headers=self._forwarded_headers(environ, route, rid, address),
            length=length,
            has_body=has_body,
        )

    def _api(self, environ: dict[str, Any], path: str, rid: str, context: dict[str, Any]):
        plan = self.plan_api(environ, path, rid, context)
        body = RequestBody(stream=environ["wsgi.input"], length=plan.length,
                           limit=self.settings.max_body_bytes) if plan.has_body else None
        try:
            answer = forward(self._pool, plan.upstream, method=plan.method, target=plan.target,
                             headers=plan.headers, body=body)
        except (Unreachable, TimedOut, BodyTooLarge, ClientAborted) as exc:
            raise self.upstream_problem(exc, plan.service, rid) from None
        return f"{answer.status} {answer.reason}", self.relay_headers(answer.headers), answer.body

    def upstream_problem(self, exc: Exception, service: str, rid: str) -> Problem:
        """The problem answering a failed exchange with ``service`` (502, 504, 413 or 400)."""
        if isinstance(exc, Unreachable):
            log.warning("service %s unreachable: %s (request %s)", service, exc, rid)
            return BadGateway(f"Dịch vụ {service} hiện không kết nối được.")
        if isinstance(exc, TimedOut):
            log.warning("service %s timed out (request %s)", service, rid)
            return GatewayTimeout(f"Dịch vụ {service} không phản hồi kịp thời hạn.")
        if isinstance(exc, BodyTooLarge):
            return self._too_large()
        return BadRequest("Nội dung gửi lên bị ngắt giữa chừng.", code="incomplete-body")

    def _admit(self, environ: Mapping[str, Any], route: ApiRoute, address: str, context: dict[str, Any]) -> None:
        """Rate limits and, on non-public routes, the token; raises the matching problem."""
        token = None if route.public else bearer_token(environ.get("HTTP_AUTHORIZATION"))
        if token is not None:
            try:
                principal = self._verifier.verify(token)
                check_audience(principal, route.service)
            except Unauthorized:
                self._limit(self._addresses, "ip:" + address)
                raise
            context["sub"] = principal.sub
            context["tenant"] = principal.tenant
            self._limit(self._users, "user:" + principal.sub)
            return
        self._limit(self._addresses, "ip:" + address)
        if not route.public:
            raise missing_token()

    @staticmethod
    def _limit(buckets: TokenBuckets, key: str) -> None:
        wait = buckets.take(key)
        if wait:
            raise TooManyRequests(
                "Đã vượt giới hạn số yêu cầu, vui lòng chờ rồi thử lại.",
                headers={"Retry-After": retry_after_header(wait)},
            )

    def _body_framing(self, environ: Mapping[str, Any]) -> tuple[int | None, bool]:
        """``(length, has_body)`` of the client's body (length None: chunked); refuses bad or too long ones."""
        length_header = environ.get("CONTENT_LENGTH")
        if length_header:
            try:
                length = int(length_header)
            except ValueError:
                raise BadRequest("Độ dài nội dung (Content-Length) không hợp lệ.", field="Content-Length") from None
            if length < 0:
                raise BadRequest("Độ dài nội dung (Content-Length) không hợp lệ.", field="Content-Length")
            if length > self.settings.max_body_bytes:
                raise self._too_large()
            return length, True
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return None, True
        return None, False

    def _too_large(self) -> PayloadTooLarge:
        limit_mb = self.settings.max_body_bytes / 1_000_000
        return PayloadTooLarge(f"Dung lượng tối đa cho mỗi yêu cầu là {limit_mb:g} MB.")

    def _client_address(self, environ: Mapping[str, Any]) -> str:
        remote = environ.get("REMOTE_ADDR") or "-"
        hops = self.settings.trusted_proxies
        if hops:
            chain = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
            chain.append(remote)
            return chain[max(0, len(chain) - 1 - hops)]
        return remote

    def _forwarded_headers(self, environ: Mapping[str, Any], route: ApiRoute, rid: str, address: str) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                name = _HEADER_NAMES.get(key, "")
                if name == "":
                    name = _forwarded_name(key)
                    if len(_HEADER_NAMES) < 512:  # bounded: clients choose header names
                        _HEADER_NAMES[key] = name
                if name is not None:
                    headers.append((name, value))
        content_type = environ.get("CONTENT_TYPE")
        if content_type:
            headers.append(("Content-Type", content_type))
        headers.append(("X-Request-Id", rid))
        headers.append(("X-Forwarded-For", address))
        headers.append(("X-Forwarded-Proto", self._proto))
        headers.append(("X-Forwarded-Host", self._public_host))
        headers.append(("X-Forwarded-Prefix", f"/api/{route.service}"))
        return headers

    @staticmethod
    def relay_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """A service's end-to-end headers without those the gateway sets itself."""
        return [(k, v) for k, v in headers if k.lower() not in _DROPPED_RESPONSE]

    # -- health and web app ----------------------------------------------------------------

    def _health(self, path: str):
        if path == "/readyz":
            self._check_identity()
        body = json.dumps({"status": "ok"}).encode()
        return "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                          ("Cache-Control", "no-store")], [body]

    def _check_identity(self) -> None:
        """Ready only when identity answers: without its keys no token can be checked."""
        try:
            answer = forward(self._pool, self._upstreams["identity"], method="GET", target="/healthz",
                             headers=[], body=None)
        except (Unreachable, TimedOut):
            raise ServiceUnavailable("Dịch vụ identity chưa sẵn sàng.") from None
        if answer.status != 200:
            raise ServiceUnavailable("Dịch vụ identity chưa sẵn sàng.")

    def _web(self, environ: dict[str, Any], path: str):
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD"):
            raise MethodNotAllowed(headers={"Allow": "GET, HEAD"})
        response = self._static.response(path, environ)
        if response is None:
            raise NotFound(f"Không tìm thấy {_readable(path)}.")
        if method == "HEAD" or response.status_code == 304:  # no body: the file is not even read
            response.close()
            return response.status, list(response.headers.items()), []
        return response.status, list(response.headers.items()), response.response

    # -- answers ------------------------------------------------------------------------------

    @staticmethod
    def problem_answer(problem: Problem, path: str, rid: str) -> tuple[str, list[tuple[str, str]], list[bytes]]:
        """Status line, headers and body of a problem+json answer."""
        body = json.dumps(problem.to_dict(instance=_readable(path), request_id=rid), ensure_ascii=False).encode("utf-8")
        headers = [("Content-Type", PROBLEM_CONTENT_TYPE), ("Content-Length", str(len(body))),
                   ("Cache-Control", "no-store"), *problem.headers.items()]
        return f"{problem.status} {HTTPStatus(problem.status).phrase}", headers, [body]

    def _secure(self, headers: list[tuple[str, str]]) -> None:
        present = {name.lower() for name, _ in headers}
        for name, value in self._security:
            if name.lower() not in present:
                headers.append((name, value))
        if "content-security-policy" not in present:
            headers.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))


def _readable(path: str) -> str:
    """A WSGI path as the client wrote it (UTF-8), for messages."""
    return path.encode("latin-1").decode("utf-8", "replace")


def create_app(
    config: GatewaySettings | Mapping[str, Any] | None = None,
    *,
    verifier: Verifier | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Gateway:
    """Build the gateway from settings (environment, a mapping of overrides, or a settings object).

    ``verifier`` replaces the JWKS-backed token verifier (tests use the kernel's TokenFactory).
    Nothing connects here: the JWKS and upstream connections are opened on first use, after
    gunicorn has forked.
    """
    if isinstance(config, GatewaySettings):
        settings = config
    else:
        settings = load_settings(GatewaySettings, os.environ, overrides=config)
    if verifier is None:
        verifier = TokenVerifier(
            keys=JwksKeySource(url=settings.jwks_url),
            issuer=settings.issuer,
            audience=ALL_AUDIENCES,
        )
    return Gateway(settings, verifier=CachedVerifier(verifier), monotonic=monotonic)
