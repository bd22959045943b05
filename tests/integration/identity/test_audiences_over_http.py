"""Issue 16, point 2, over real HTTP on the whole platform (every service and the gateway in this
process, the demo district seeded):

* "A token for documents refused by approvals": a teacher's token narrowed to documents with an
  RFC 8707 ``resource`` through the authorization-code flow is accepted by documents and refused
  by approvals, at the gateway and at approvals itself (401, ``error="invalid_token"``, a
  Vietnamese problem).
* "A service token limited to its declared calls": client-credentials tokens fetched with
  authlib's OAuth2 client (not the kernel's) reach their declared routes and are refused (403
  ``undeclared-service-call``) elsewhere.
"""
from __future__ import annotations

import base64
import json
import os

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from tests.trust.platform import People, running_platform

pytestmark = pytest.mark.integration

TEACHER = "thhp.giaovien"
SCHOOL = "th-hoa-phong"


@pytest.fixture(scope="module")
def platform():
    running = running_platform()
    yield running
    running.stop()


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _service_token(platform, client_id: str) -> str:
    """A client-credentials token from identity, fetched by authlib's client (client_secret_post)."""
    secret = os.environ[f"HOSO_IDENTITY_{client_id.upper()}_CLIENT_SECRET"]
    with OAuth2Session(client_id, secret, token_endpoint_auth_method="client_secret_post") as oauth:
        return oauth.fetch_token(platform.url + "/api/identity/oauth/token", grant_type="client_credentials")["access_token"]


def test_a_token_for_documents_is_refused_by_approvals(platform) -> None:
    people = People(platform.url, token_params={"resource": platform.url + "/api/documents"})
    token = people.token(TEACHER)
    assert _claims(token)["aud"] == ["hoso-identity", "hoso-documents"]
    catalog = "/v1/catalog/tieu_hoc"
    assert requests.get(platform.url + "/api/documents" + catalog, headers=_bearer(token), timeout=30).status_code == 200
    assert requests.get(platform.service_urls["documents"] + "/api" + catalog, headers=_bearer(token),
                        timeout=30).status_code == 200
    for url in (platform.url + "/api/approvals/v1/submissions", platform.service_urls["approvals"] + "/api/v1/submissions"):
        refused = requests.get(url, headers=_bearer(token), timeout=30)
        assert refused.status_code == 401, url
        assert 'Bearer realm="hoso", error="invalid_token"' in refused.headers["WWW-Authenticate"]
        assert refused.headers["Content-Type"] == "application/problem+json"
        problem = refused.json()
        assert problem["code"] == "invalid-token" and problem["detail"] == "Mã truy cập không dành cho dịch vụ này."
        assert problem["title"] == "Bạn cần đăng nhập để tiếp tục."
    whole = People(platform.url).token(TEACHER)  # the web app's normal token goes everywhere
    assert requests.get(platform.url + "/api/approvals/v1/submissions", headers=_bearer(whole),
                        timeout=30).status_code != 401


def test_a_service_token_is_limited_to_its_declared_calls(platform) -> None:
    notifications = _service_token(platform, "notifications")
    assert _claims(notifications)["aud"] == ["hoso-approvals"]
    approvals_api = platform.service_urls["approvals"] + "/api/v1"
    due = requests.get(approvals_api + "/internal/obligations/due", headers=_bearer(notifications), timeout=30,
                       params={"from": "2025-11-24T00:00:00+07:00", "to": "2025-11-25T00:00:00+07:00"})
    assert due.status_code == 200, due.text
    undeclared = requests.get(approvals_api + "/submissions/khong-co", headers=_bearer(notifications), timeout=30)
    assert undeclared.status_code == 403
    assert undeclared.json()["code"] == "undeclared-service-call"
    assert undeclared.json()["title"] == "Dịch vụ gọi không được khai báo quyền gọi địa chỉ này."
    catalog = platform.service_urls["documents"] + f"/api/v1/internal/schools/{SCHOOL}/catalog"
    not_for_documents = requests.get(catalog, headers=_bearer(notifications), timeout=30)
    assert not_for_documents.status_code == 401, "notifications declares no call to documents: its token is not for it"
    signing = requests.get(catalog, headers=_bearer(_service_token(platform, "signing")), timeout=30)
    assert signing.status_code == 403 and signing.json()["code"] == "undeclared-service-call"
    assert requests.get(catalog, headers=_bearer(_service_token(platform, "approvals")), timeout=30).status_code == 200
