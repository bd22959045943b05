"""RFC 9457 problem details: one exception type, rendered the same way by every service.

Each problem has a stable ``type`` URI (clients branch on it), a Vietnamese ``title``
for people, an optional ``detail`` and the ``field`` at fault.
"""
from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://hoso.edu.vn/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """An error a client can act on; never a stack trace."""

    status = 400
    slug = "bad-request"
    title = "Yêu cầu không hợp lệ."

    def __init__(
        self,
        detail: str | None = None,
        *,
        field: str | None = None,
        title: str | None = None,
        slug: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title or self.title)
        self.detail = detail
        self.field = field
        if title is not None:
            self.title = title
        if slug is not None:
            self.slug = slug
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.extra = extra or {}

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def to_dict(self, *, instance: str | None = None, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
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
    status, slug, title = 400, "bad-request", "Yêu cầu không hợp lệ."


class MalformedJson(Problem):
    status, slug, title = 400, "malformed-json", "Nội dung JSON không đúng cú pháp."


class JsonTooDeep(Problem):
    status, slug, title = 400, "json-too-deep", "Nội dung JSON lồng nhau quá sâu."


class ValidationFailed(Problem):
    status, slug, title = 422, "validation-failed", "Dữ liệu gửi lên chưa hợp lệ."


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Bạn cần đăng nhập để tiếp tục."

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="hoso"'})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Bạn không có quyền thực hiện thao tác này."


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Không tìm thấy nội dung yêu cầu."


class MethodNotAllowed(Problem):
    status, slug, title = 405, "method-not-allowed", "Phương thức không được hỗ trợ cho địa chỉ này."


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Thao tác xung đột với trạng thái hiện tại."


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Dữ liệu gửi lên vượt quá dung lượng cho phép."


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Định dạng nội dung không được hỗ trợ."


class Locked(Problem):
    status, slug, title = 423, "locked", "Hồ sơ đang bị khóa, không thể thay đổi."


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Bạn thao tác quá nhanh, vui lòng thử lại sau ít phút."


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "Dịch vụ tạm thời không sẵn sàng."


class BadGateway(Problem):
    status, slug, title = 502, "bad-gateway", "Không kết nối được tới dịch vụ phía sau."


class GatewayTimeout(Problem):
    status, slug, title = 504, "gateway-timeout", "Dịch vụ phía sau phản hồi quá lâu."


class InternalError(Problem):
    status, slug, title = 500, "internal-error", "Hệ thống gặp lỗi ngoài ý muốn. Vui lòng thử lại sau."
