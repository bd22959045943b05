"""The Flask application shell every service shares.

``make_service_app`` adds what each service must have: request ids, token verification
into the request context, problem+json for every error (never a stack trace), Prometheus
metrics, ``/healthz``, ``/readyz`` (naming the failing part), and ``/openapi.json``.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping

from flask import Blueprint, Flask, Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException

from .api import Api
from .audiences import required_scope, route_refusal
from .db_commands import COMMANDS, HEADER as DB_COMMANDS_HEADER
from .errors import (
    PROBLEM_CONTENT_TYPE,
    BadRequest,
    Forbidden,
    InternalError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Problem,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
)
from .ids import new_id
from .principal import Principal
from .tokens import TokenVerifier

log = logging.getLogger(__name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DEFAULT_MAX_BODY = 16 * 1024 * 1024


def problem_response(problem: Problem) -> Response:
    body = problem.to_dict(instance=request.path, request_id=g.get("request_id"))
    resp = jsonify(body)
    resp.status_code = problem.status
    resp.content_type = PROBLEM_CONTENT_TYPE
    for k, v in problem.headers.items():
        resp.headers[k] = v
    return resp


def _http_problem(exc: HTTPException) -> Problem:
    code = exc.code or 500
    mapping: dict[int, type[Problem]] = {
        400: BadRequest,
        404: NotFound,
        405: MethodNotAllowed,
        413: PayloadTooLarge,
        415: UnsupportedMediaType,
    }
    cls = mapping.get(code)
    if cls is not None:
        return cls()
    return Problem(status=code, code="http-error", title="Yêu cầu không thể xử lý.")


def make_service_app(
    *,
    name: str,
    verifier: TokenVerifier | None,
    api: Api,
    blueprints: Iterable[Blueprint] = (),
    readiness: Mapping[str, Callable[[], None]] | None = None,
    max_body: int | None = DEFAULT_MAX_BODY,
    streaming_paths: Iterable[str] = (),
    db_commands_header: bool = False,
) -> Flask:
    """A Flask app with the shared shell around ``blueprints``.

    ``db_commands_header`` answers each request's number of database commands in
    ``X-Hoso-Db-Commands`` (see ``db_commands``); services turn it on outside production.

    ``streaming_paths`` are URL prefixes (uploads) exempt from ``max_body``: their views
    read ``request.stream`` themselves and enforce their own limits.
    """
    app = Flask(name)
    app.config["MAX_CONTENT_LENGTH"] = None
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["hoso.api"] = api
    app.extensions["hoso.verifier"] = verifier
    checks = dict(readiness or {})
    streaming = tuple(streaming_paths)

    registry = CollectorRegistry()
    requests_total = Counter("hoso_http_requests_total", "HTTP requests", ["service", "method", "endpoint", "status"], registry=registry)
    latency = Histogram("hoso_http_request_seconds", "HTTP request latency", ["service", "endpoint"], registry=registry)
    app.extensions["hoso.metrics"] = registry

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        if db_commands_header:
            g.db_commands = COMMANDS.open()
        rid = request.headers.get("X-Request-Id", "")
        g.request_id = rid if _REQUEST_ID.match(rid) else new_id()
        g.principal = None
        if max_body is not None and not request.path.startswith(streaming):
            length = request.content_length
            if length is not None and length > max_body:
                raise PayloadTooLarge(f"Tối đa {max_body // (1024 * 1024)} MB.")
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer":  # other schemes (e.g. Basic client auth at a token endpoint) are the route's own
            if not token.strip():
                raise Unauthorized("Tiêu đề Authorization phải có dạng «Bearer <mã truy cập>».", code="invalid-token")
            if verifier is None:
                raise Unauthorized("Dịch vụ chưa được cấu hình để kiểm tra mã truy cập.")
            g.principal = verifier.verify(token.strip())
            _check_route(g.principal)

    def _check_route(principal: Principal) -> None:
        """A token reaches only its declared calls (service) or the routes its API scopes cover (person)."""
        rule = request.url_rule.rule if request.url_rule else None
        if rule is None or not rule.startswith("/api/") or (request.method, rule) in api.public_routes:
            return
        refusal = route_refusal(name, is_service=principal.is_service, client_id=principal.client_id,
                                claims=principal.claims, method=request.method, rule=rule)
        if refusal is not None:
            code, detail = refusal
            title = ("Dịch vụ gọi không được khai báo quyền gọi địa chỉ này." if principal.is_service
                     else "Mã truy cập không có phạm vi cho thao tác này.")
            headers = {} if principal.is_service else {"WWW-Authenticate": 'Bearer realm="hoso", error="insufficient_scope"'}
            raise Forbidden(detail, code=code, title=title, headers=headers)

    @app.after_request
    def _finish(resp: Response) -> Response:
        resp.headers["X-Request-Id"] = g.get("request_id", "")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        requests_total.labels(name, request.method, endpoint, str(resp.status_code)).inc()
        if "started" in g:
            latency.labels(name, endpoint).observe(time.perf_counter() - g.started)
        if "db_commands" in g:
            resp.headers[DB_COMMANDS_HEADER] = str(COMMANDS.close(g.db_commands).total)
        return resp

    @app.teardown_request
    def _stop_counting(_exc: BaseException | None) -> None:
        if "db_commands" in g:
            COMMANDS.close(g.db_commands)

    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return problem_response(_http_problem(exc))

    @app.errorhandler(ConnectionFailure)
    def _database_unreachable(exc: ConnectionFailure) -> Response:
        """The database did not answer in time (paused, failing over, unreachable): 503, to be retried."""
        log.warning("database unreachable: %s", exc)
        return problem_response(ServiceUnavailable(
            "Cơ sở dữ liệu tạm thời không phản hồi. Vui lòng thử lại sau ít phút.", code="database-unavailable"))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc)
        return problem_response(InternalError())

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify({"status": "ok", "service": name})

    @app.get("/readyz")
    def readyz() -> Response:
        results: dict[str, str] = {}
        failing = []
        for part, check in checks.items():
            try:
                check()
                results[part] = "ok"
            except Exception as exc:  # any failure of a dependency means not ready
                results[part] = f"lỗi: {type(exc).__name__}"
                failing.append(part)
        if failing:
            problem = ServiceUnavailable(f"Chưa sẵn sàng: {', '.join(failing)}.", extra={"checks": results, "failing": failing})
            return problem_response(problem)
        return jsonify({"status": "ready", "service": name, "checks": results})

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    @app.get("/openapi.json")
    def openapi() -> Response:
        return jsonify(api.document(scope_for=lambda method, rule: required_scope(name, method, rule)))

    for bp in blueprints:
        app.register_blueprint(bp)
    return app
