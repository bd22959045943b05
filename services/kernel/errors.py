"""RFC 9457 problem details: one exception type, rendered the same way by every service.

Each problem carries a stable machine ``code`` (kebab-case ASCII; the class's default, or a
specific one where a caller must tell cases apart) and a ``type`` URI built from it. Other
services and clients branch on ``code`` (or the status) only; the Vietnamese ``title`` and
``detail`` are for people and may change at any time. ``field`` names the input at fault.
"""
from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://hoso.edu.vn/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


CODE_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class Problem(Exception):
    """An error a client can act on; never a stack trace."""

    status = 400
    code = "bad-request"
    title = "Yêu cầu không hợp lệ."

    def __init__(
        self,
        detail: str | None = None,
        *,
        field: str | None = None,
        title: str | None = None,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title or self.title)
        self.detail = detail
        self.field = field
        if title is not None:
            self.title = title
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.extra = extra or {}

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.code

    def to_dict(self, *, instance: str | None = None, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "code": self.code, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.field:
            body["field"] = self.field
        if instance:
            body["instance"] = instance
        if request_id:
            body["request_id"] = request_id
        body.update(self.extra)
        return body


class BadRequest(Problem):
    status, code, title = 400, "bad-request", "Yêu cầu không hợp lệ."


class MalformedJson(Problem):
    status, code, title = 400, "malformed-json", "Nội dung JSON không đúng cú pháp."


class JsonTooDeep(Problem):
    status, code, title = 400, "json-too-deep", "Nội dung JSON lồng nhau quá sâu."


class ValidationFailed(Problem):
    status, code, title = 422, "validation-failed", "Dữ liệu gửi lên chưa hợp lệ."


#: Codes that mean the bearer token itself was refused (RFC 6750 §3.1 ``error="invalid_token"``).
TOKEN_REFUSED_CODES = ("invalid-token", "token-expired")


class Unauthorized(Problem):
    """401 with an RFC 6750 challenge: ``error="invalid_token"`` when a token was sent and refused,
    the bare challenge when none was sent."""

    status, code, title = 401, "unauthorized", "Bạn cần đăng nhập để tiếp tục."

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        refused = kw.get("code") in TOKEN_REFUSED_CODES
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="hoso"' + (', error="invalid_token"' if refused else "")})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status, code, title = 403, "forbidden", "Bạn không có quyền thực hiện thao tác này."


class NotFound(Problem):
    status, code, title = 404, "not-found", "Không tìm thấy nội dung yêu cầu."


class MethodNotAllowed(Problem):
    status, code, title = 405, "method-not-allowed", "Phương thức không được hỗ trợ cho địa chỉ này."


class Conflict(Problem):
    status, code, title = 409, "conflict", "Thao tác xung đột với trạng thái hiện tại."


class PayloadTooLarge(Problem):
    status, code, title = 413, "payload-too-large", "Dữ liệu gửi lên vượt quá dung lượng cho phép."


class UnsupportedMediaType(Problem):
    status, code, title = 415, "unsupported-media-type", "Định dạng nội dung không được hỗ trợ."


class Locked(Problem):
    status, code, title = 423, "locked", "Hồ sơ đang bị khóa, không thể thay đổi."


class TooManyRequests(Problem):
    status, code, title = 429, "too-many-requests", "Bạn thao tác quá nhanh, vui lòng thử lại sau ít phút."


class ServiceUnavailable(Problem):
    status, code, title = 503, "service-unavailable", "Dịch vụ tạm thời không sẵn sàng."


class BadGateway(Problem):
    status, code, title = 502, "bad-gateway", "Không kết nối được tới dịch vụ phía sau."


class GatewayTimeout(Problem):
    status, code, title = 504, "gateway-timeout", "Dịch vụ phía sau phản hồi quá lâu."


class InternalError(Problem):
    status, code, title = 500, "internal-error", "Hệ thống gặp lỗi ngoài ý muốn. Vui lòng thử lại sau."


# Codes the kernel itself answers with (its classes above, token checks, the web shell); each service
# declares its own on top (``services/<svc>/problem_codes.py``) and both appear in its OpenAPI document.
KERNEL_CODES: dict[str, str] = {
    "bad-request": "The request cannot be read as sent.",
    "malformed-json": "The body is not valid JSON.",
    "json-too-deep": "The JSON body nests deeper than allowed.",
    "validation-failed": "A field is missing or invalid (see field, errors).",
    "unauthorized": "No usable credentials on a protected route.",
    "invalid-token": "The access token is malformed, forged, for another audience or signed by an unknown key.",
    "token-expired": "The access token has expired.",
    "forbidden": "The caller may not do this.",
    "insufficient-scope": "The person's access token lacks the API scope this route needs (docs/identity-audiences.md).",
    "undeclared-service-call": "A service token called a route not declared for its service (services/kernel/audiences.py).",
    "not-found": "No such object here (another school's object included).",
    "method-not-allowed": "The route does not take this method.",
    "conflict": "The object's state does not allow this.",
    "payload-too-large": "The body is larger than allowed.",
    "unsupported-media-type": "The body's content type is not accepted.",
    "locked": "The book or period is locked.",
    "too-many-requests": "Too many requests; retry after Retry-After.",
    "internal-error": "An unexpected error (logged with its trace).",
    "bad-gateway": "A service this one calls could not be reached or answered unexpectedly.",
    "service-unavailable": "A dependency is not ready.",
    "database-unavailable": "The database did not answer in time; nothing may be assumed written, retry.",
    "gateway-timeout": "A service behind the gateway answered too slowly.",
    "http-error": "Another HTTP error of the web framework (see status).",
}
