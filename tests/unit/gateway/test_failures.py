"""What a client sees when something fails: always problem+json with a Vietnamese title, never a trace."""
from __future__ import annotations

import io
import socket

import pytest


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_service_gives_502(make_gateway, bearer) -> None:  # noqa: ANN001
    _, client = make_gateway(signing_url=f"http://127.0.0.1:{closed_port()}")
    answer = client.get("/api/signing/v1/certificates", headers=bearer)
    assert answer.status_code == 502
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json["title"] == "Không kết nối được tới dịch vụ phía sau."
    assert "signing" in answer.json["detail"]


def test_a_slow_service_gives_504(make_gateway, bearer) -> None:  # noqa: ANN001
    _, client = make_gateway(upstream_timeout=0.2)
    answer = client.get("/api/documents/slow", headers=bearer)
    assert answer.status_code == 504
    assert answer.json["title"] == "Dịch vụ phía sau phản hồi quá lâu."


def test_an_oversized_body_gives_413_before_anything_is_forwarded(make_gateway, bearer) -> None:  # noqa: ANN001
    _, client = make_gateway(max_body_bytes=1000)
    answer = client.post("/api/documents/v1/files", data=b"x" * 1001, headers=bearer)
    assert answer.status_code == 413
    assert answer.json["title"] == "Dữ liệu gửi lên vượt quá dung lượng cho phép."
    assert client.post("/api/documents/v1/files", data=b"x" * 1000, headers=bearer).json["received"] == 1000


def test_an_oversized_chunked_body_gives_413(make_gateway, bearer) -> None:  # noqa: ANN001
    _, client = make_gateway(max_body_bytes=100_000)
    answer = client.post(
        "/api/documents/v1/files",
        input_stream=io.BytesIO(b"x" * 200_000),
        headers={**bearer, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert answer.status_code == 413


def test_a_bad_content_length_gives_400(client, bearer) -> None:  # noqa: ANN001
    answer = client.post("/api/documents/v1/files", headers=bearer, environ_overrides={"CONTENT_LENGTH": "lots"})
    assert answer.status_code == 400
    assert answer.json["field"] == "Content-Length"


def test_an_unexpected_failure_is_a_plain_500_problem(make_gateway, bearer) -> None:  # noqa: ANN001
    class Broken:
        def verify(self, token: str):  # noqa: ANN201
            raise RuntimeError("secret internal detail")

    _, client = make_gateway(verifier=Broken())
    answer = client.get("/api/documents/v1/books", headers=bearer)
    assert answer.status_code == 500
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert "secret" not in answer.get_data(as_text=True)
    assert "Traceback" not in answer.get_data(as_text=True)
    assert answer.json["title"] == "Hệ thống gặp lỗi ngoài ý muốn. Vui lòng thử lại sau."


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT"])
def test_writing_to_the_web_app_is_405(client, method: str) -> None:  # noqa: ANN001
    answer = client.open("/index.html", method=method)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, HEAD"
    assert answer.headers["Content-Type"] == "application/problem+json"


def test_the_gateway_is_ready_only_while_identity_answers(make_gateway) -> None:  # noqa: ANN001
    _, ready = make_gateway()
    assert ready.get("/healthz").status_code == 200
    assert ready.get("/readyz").status_code == 200
    _, cut_off = make_gateway(identity_url=f"http://127.0.0.1:{closed_port()}")
    assert cut_off.get("/healthz").status_code == 200
    answer = cut_off.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["title"] == "Dịch vụ tạm thời không sẵn sàng."


def test_a_service_url_that_is_not_http_stops_start_up_naming_it(make_gateway) -> None:  # noqa: ANN001
    from services.kernel.settings import SettingsError

    with pytest.raises(SettingsError, match="HOSO_SIGNING_URL"):
        make_gateway(signing_url="signing:8000")
