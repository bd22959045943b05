"""Federated sign-in over real HTTP against a second, independent OpenID Connect provider
(panva/oidc-provider on node, ``infra/standins/outside_oidc``), with a browser-like client
(requests) at both ends: discovery checked at configuration, code + PKCE + state + nonce at the
provider, its RS256 ID token validated through its JWKS URL, the link confirmed by password, a
second sign-in straight through, and an unverified e-mail refused."""
from __future__ import annotations

import os
import re
import threading
import uuid
from urllib.parse import urljoin

import pytest
import requests
from werkzeug.serving import make_server

from infra.allinone import free_port
from infra.standins.outside_oidc import OutsideOidc
from services.identity.adapters.documents import IdentityFederatedIdentityDoc
from services.identity.bootstrap import bootstrap
from services.identity.entrypoints.app import create_app
from services.identity.entrypoints.demo import seed_demo
from services.identity.service_layer.tokens import GrantUser
from services.kernel.messaging import InMemoryPublisher

pytestmark = pytest.mark.integration

CLIENT_ID, CLIENT_SECRET = "hoso-th-hoa-phong", "outside-client-secret-0123456789"
ACCOUNTS = {
    "le.thuy": {"sub": "outside-1001", "email": "thhp.giaovien@hoaphong.edu.vn", "email_verified": True,
                "name": "Lệ Thủy"},
    "quoc.bao": {"sub": "outside-1002", "email": "thhp.giaovien2@hoaphong.edu.vn", "email_verified": False,
                 "name": "Quốc Bảo"},
}


@pytest.fixture(scope="module")
def platform():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"MONGO_URI": os.environ["MONGO_URI"]} if os.environ.get("MONGO_URI") else {}
    c = bootstrap({"mode": "test", "db_name": f"hoso_identity_fed_{uuid.uuid4().hex[:10]}", "public_url": base,
                   "jwt_issuer": base}, environ=env, publisher=InMemoryPublisher())
    seed_demo(c)
    outside = OutsideOidc(port=free_port(), accounts=ACCOUNTS, clients=[{
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [base + "/auth/federated-callback"]}])
    httpd = make_server("127.0.0.1", port, create_app(container=c), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    with outside:
        thread.start()
        yield base, c, outside
        httpd.shutdown()
        thread.join(timeout=5)
    c.runtime.db.client.drop_database(c.runtime.db.name)


def at_provider(browser: requests.Session, url: str, login: str, base: str) -> requests.Response:
    """Sign in at the outside provider's own login form; the first answer back on HoSo."""
    page = browser.get(url)
    form = re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1)
    resp = browser.post(urljoin(page.url, form), data={"prompt": "login", "login": login, "password": "any"},
                        allow_redirects=False)
    while not resp.headers["Location"].startswith(base):
        resp = browser.get(urljoin(resp.url, resp.headers["Location"]), allow_redirects=False)
    return browser.get(resp.headers["Location"], allow_redirects=False)


def federated(browser: requests.Session, base: str, login: str) -> requests.Response:
    page = browser.get(base + "/auth/federated", params={"q": ACCOUNTS[login]["email"]})
    start = re.search(r'href="(federated-start\?[^"]+)"', page.text).group(1).replace("&amp;", "&")
    resp = browser.get(base + "/auth/" + start, allow_redirects=False)
    assert resp.status_code == 303
    return at_provider(browser, resp.headers["Location"], login, base)


def test_configure_link_by_password_sign_in_again_and_refuse_an_unverified_address(platform):
    base, c, outside = platform
    principal = {"Authorization": "Bearer " + c.tokens.person_access_token(GrantUser("thhp.hieutruong", None, None),
                                                                           "hoso-web")}
    config = {"display_name": "Đăng nhập bằng tài khoản Sở GD&ĐT", "issuer": outside.issuer, "client_id": CLIENT_ID,
              "client_secret": CLIENT_SECRET, "email_domains": ["hoaphong.edu.vn"]}
    nowhere = requests.put(base + "/api/v1/schools/th-hoa-phong/federation", headers=principal,
                           json={**config, "issuer": f"http://127.0.0.1:{free_port()}"})
    assert nowhere.status_code == 422 and nowhere.json()["code"] == "federation-discovery-failed"
    saved = requests.put(base + "/api/v1/schools/th-hoa-phong/federation", headers=principal, json=config)
    assert saved.status_code == 200, saved.text
    assert CLIENT_SECRET not in saved.text and saved.json()["redirect_uri"] == base + "/auth/federated-callback"

    browser = requests.Session()
    back = federated(browser, base, "le.thuy")
    assert back.status_code == 303 and back.headers["Location"] == "federated-confirm", back.text
    page = browser.get(base + "/auth/federated-confirm")
    assert "Xác nhận liên kết tài khoản" in page.text and "Nguyễn Thị Lệ Thủy" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = browser.post(base + "/auth/federated-confirm", data={"csrf": csrf, "password": "HoSo@2026"},
                        allow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"] == "signed-in"
    link = IdentityFederatedIdentityDoc.objects.get(person_id="thhp.giaovien")
    assert (link.issuer, link.subject) == (outside.issuer, "outside-1001")

    again = federated(requests.Session(), base, "le.thuy")
    assert again.status_code == 303 and again.headers["Location"] == "signed-in"

    refused = federated(requests.Session(), base, "quoc.bao")
    assert refused.status_code == 403
    assert "chưa xác minh địa chỉ thư điện tử thhp.giaovien2@hoaphong.edu.vn" in refused.text
    assert IdentityFederatedIdentityDoc.objects.count() == 1
