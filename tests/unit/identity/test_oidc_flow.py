"""The OpenID Connect provider driven end to end through the real Flask app: authorization code
with PKCE through the sign-in pages, token, userinfo, refresh rotation, reuse detection."""
from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from services.kernel.errors import Unauthorized
from services.kernel.tokens import StaticKeySource, TokenVerifier

from .conftest import (
    ISSUER, REDIRECT, authorize_query, browser_login_tokens, follow, pkce_pair, sign_in,
)


def _verifier(client, clock) -> TokenVerifier:
    return TokenVerifier(keys=StaticKeySource(jwks=client.get("/oauth/jwks").get_json()), issuer=ISSUER,
                         audience="hoso-documents", clock=clock)


def test_discovery_points_at_the_issuer_endpoints(client):
    doc = client.get("/.well-known/openid-configuration").get_json()
    assert doc["issuer"] == ISSUER
    assert doc["jwks_uri"] == ISSUER + "/oauth/jwks"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert "refresh_token" in doc["grant_types_supported"] and "client_credentials" in doc["grant_types_supported"]


def test_authorization_code_pkce_refresh_rotation_and_reuse_revokes_the_family(client, clock):
    verifier_, challenge = pkce_pair()
    start = "/oauth/authorize?" + authorize_query(challenge, state="xyz")
    resp = client.get(start)
    assert resp.status_code == 302
    sign_in_path = follow(resp, start)
    assert sign_in_path.startswith("/auth/sign-in?next=")
    next_path = parse_qs(urlsplit(sign_in_path).query)["next"][0]

    resp = sign_in(client, "thhp.giaovien", next_path=next_path)
    assert resp.status_code == 303
    back = follow(resp, "/auth/sign-in")
    assert back.startswith("/oauth/authorize?")
    resp = client.get(back)
    assert resp.status_code == 302 and resp.headers["Location"].startswith(REDIRECT + "?")
    params = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert params["state"] == ["xyz"]
    code = params["code"][0]

    wrong = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                              "client_id": "hoso-web", "code_verifier": pkce_pair()[0]})
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"

    # the failed attempt used the code up: a code is exchanged once whatever happens; a new
    # authorization needs a new nonce (a nonce already used is refused as a replay)
    start = "/oauth/authorize?" + authorize_query(challenge, state="xyz", nonce="n-2")
    resp = client.get(start)
    code = parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]
    tok = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                            "client_id": "hoso-web", "code_verifier": verifier_})
    assert tok.status_code == 200, tok.get_data(as_text=True)
    body = tok.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    assert {"access_token", "refresh_token", "id_token"} <= set(body)
    again = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                              "client_id": "hoso-web", "code_verifier": verifier_})
    assert again.status_code == 400

    principal = _verifier(client, clock).verify(body["access_token"])
    assert principal.sub == "thhp.giaovien" and principal.tenant == "th-hoa-phong"
    assert principal.district == "pgd-hoa-vang" and principal.province == "so-da-nang"
    assert principal.has_role("giao_vien", "th-hoa-phong/lop-4a") and principal.has_role("giao_vien", "th-hoa-phong/to-4")
    assert principal.client_id == "hoso-web" and not principal.is_service
    id_claims = _verifier_claims(client, body["id_token"])
    assert id_claims["aud"] == "hoso-web" and id_claims["nonce"] == "n-2" and id_claims["name"] == "Nguyễn Thị Lệ Thủy"
    assert id_claims["auth_time"] == int(clock.now().timestamp()), "auth_time is when she signed in"
    with pytest.raises(Unauthorized, match="không phải mã truy cập"):
        _verifier(client, clock).verify(body["id_token"])  # an ID token is not an access token

    info = client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200
    assert info.get_json()["sub"] == "thhp.giaovien" and info.get_json()["tenant"] == "th-hoa-phong"

    # the replayed code (above) revoked what its first exchange issued (RFC 6749 §4.1.2)
    assert _refresh(client, body).status_code == 400
    start = "/oauth/authorize?" + authorize_query(challenge, state="xyz", nonce="n-3")
    code = parse_qs(urlsplit(client.get(start).headers["Location"]).query)["code"][0]
    body = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                             "client_id": "hoso-web", "code_verifier": verifier_}).get_json()
    first_refresh = body["refresh_token"]
    r1 = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": first_refresh,
                                           "client_id": "hoso-web"})
    assert r1.status_code == 200, r1.get_data(as_text=True)
    second_refresh = r1.get_json()["refresh_token"]
    assert second_refresh != first_refresh
    assert _verifier(client, clock).verify(r1.get_json()["access_token"]).sub == "thhp.giaovien"

    reuse = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": first_refresh,
                                              "client_id": "hoso-web"})
    assert reuse.status_code == 400 and reuse.get_json()["error"] == "invalid_grant"
    assert "reuse" in reuse.get_json()["error_description"]
    family_gone = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": second_refresh,
                                                    "client_id": "hoso-web"})
    assert family_gone.status_code == 400 and family_gone.get_json()["error"] == "invalid_grant"


def _verifier_claims(client, token: str) -> dict:
    keys = KeySet.import_key_set(client.get("/oauth/jwks").get_json())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])  # the web client's registered ID token algorithm
    assert decoded.header["typ"] == "JWT"
    return decoded.claims


def test_authorize_refuses_unregistered_redirect_and_missing_pkce(client):
    sign_in(client, "thhp.giaovien")
    _, challenge = pkce_pair()
    bad = authorize_query(challenge).replace("hoso.test%2Fauth", "evil.test%2Fauth")
    refused = client.get("/oauth/authorize?" + bad)
    assert refused.status_code == 400 and "Location" not in refused.headers
    assert "Yêu cầu đăng nhập không hợp lệ" in refused.get_data(as_text=True)
    no_pkce = authorize_query(challenge).split("&code_challenge=")[0]
    resp = client.get("/oauth/authorize?" + no_pkce)
    assert resp.status_code == 302 and resp.headers["Location"].startswith(REDIRECT + "?")
    params = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert params["error"] == ["invalid_request"] and params["state"] == ["st-1"] and "code" not in params


def test_revocation_ends_the_refresh_family(client):
    body = browser_login_tokens(client, "thhp.giaovien")
    assert client.post("/oauth/revoke", data={"token": body["refresh_token"], "client_id": "hoso-web"}).status_code == 200
    resp = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"],
                                             "client_id": "hoso-web"})
    assert resp.status_code == 400


def _refresh(client, body: dict):
    return client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"],
                                             "client_id": "hoso-web"})


def test_a_bare_logout_asks_first_and_its_confirmation_ends_the_session(client):
    body = browser_login_tokens(client, "thhp.giaovien")
    page = client.get("/oauth/logout?post_logout_redirect_uri=http://hoso.test/&state=s-9")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Đăng xuất khỏi HoSo?" in text and "Nguyễn Thị Lệ Thủy" in text
    assert _refresh(client, body).status_code == 200, "a bare GET ends nothing"
    csrf = re.search(r'name="csrf" value="([^"]+)"', text).group(1)
    resp = client.post("/oauth/logout", data={"csrf": csrf, "post_logout_redirect_uri": "http://hoso.test/", "state": "s-9"})
    assert resp.status_code == 302 and resp.headers["Location"] == "http://hoso.test/?state=s-9"
    assert _refresh(client, body).status_code == 400
    assert client.get("/oauth/logout?post_logout_redirect_uri=https://evil.test/").headers["Location"] == "../auth/signed-out"


def test_logout_with_the_sessions_own_id_token_needs_no_confirmation_and_a_forged_hint_is_refused(client):
    body = browser_login_tokens(client, "thhp.giaovien")
    forged = body["id_token"][:-4] + ("AAAA" if not body["id_token"].endswith("AAAA") else "BBBB")
    refused = client.get("/oauth/logout?" + urlencode({"id_token_hint": forged, "post_logout_redirect_uri": "http://hoso.test/"}))
    assert refused.status_code == 400 and "Location" not in refused.headers
    assert "Yêu cầu đăng xuất không hợp lệ" in refused.get_data(as_text=True)
    assert _refresh(client, body).status_code == 200, "the session lives on"
    resp = client.get("/oauth/logout?" + urlencode({"id_token_hint": body["id_token"], "client_id": "hoso-web",
                                                     "post_logout_redirect_uri": "http://hoso.test/", "state": "x"}))
    assert resp.status_code == 302 and resp.headers["Location"] == "http://hoso.test/?state=x"
    assert client.get("/oauth/authorize?" + authorize_query(pkce_pair()[1], nonce="n-3")).headers["Location"].startswith(
        "../auth/sign-in"), "the session has ended"


def test_client_credentials_for_a_service(client, clock):
    resp = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "approvals",
                                             "client_secret": "approvals-secret-123"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    principal = _verifier(client, clock).verify(resp.get_json()["access_token"])  # approvals calls documents
    assert principal.is_service and principal.client_id == "approvals" and principal.tenant is None
    basic = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        headers={"Authorization": "Basic " + base64.b64encode(b"approvals:approvals-secret-123").decode()})
    assert basic.status_code == 200, basic.get_data(as_text=True)  # client_secret_basic
    wrong = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        headers={"Authorization": "Basic " + base64.b64encode(b"documents:nope").decode()})
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "invalid_client"
    assert wrong.headers["WWW-Authenticate"].startswith("Basic ")
    public = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "hoso-web"})
    assert public.status_code == 401 and "access_token" not in public.get_json()
