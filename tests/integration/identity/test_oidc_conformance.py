"""OpenID Connect conformance of the identity provider (issue 16, point 1), driven by an independent
relying-party library, idpyoidc (the Identity Python project's certified RP, not authlib), over real
HTTP against identity served on loopback; the sign-in form is posted with requests as a browser would.

Tests are named after the OpenID Foundation conformance suite's test ids of the
"oidcc-basic-certification-test-plan", "oidcc-config-certification-test-plan" and the RP-initiated
logout plan where one exists (``oidcc-prompt-login`` → ``test_oidcc_prompt_login``); the others
(PKCE, client_secret_basic, RFC 6750 challenges, code replay revocation) check what the issue lists.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from idpyoidc.client.defaults import DEFAULT_KEY_DEFS, DEFAULT_OIDC_SERVICES
from idpyoidc.client.rp_handler import RPHandler
from joserfc import jwt
from joserfc.jwk import KeySet
from werkzeug.serving import make_server

from infra.allinone import free_port
from services.identity.bootstrap import Container, bootstrap
from services.identity.entrypoints.app import create_app
from services.identity.entrypoints.demo import seed_demo
from services.kernel.errors import Unauthorized
from services.kernel.messaging import InMemoryPublisher
from services.kernel.tokens import JwksKeySource, TokenVerifier

pytestmark = pytest.mark.integration

PASSWORD = "HoSo@2026"
TEACHER = "thcsnh.giaovien"
TEACHER_NAME = "Kiều Thị Minh Nguyệt"
SERVICE_SECRET = "documents-conformance-secret"


@dataclass
class Provider:
    """Identity served over HTTP on loopback, with its container (for the audit chain)."""

    base: str
    container: Container

    @property
    def callback(self) -> str:
        return self.base + "/auth/callback"


def _serve(config: dict) -> Iterator[Provider]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    container = bootstrap(
        {"mode": "test", "db_name": f"hoso_identity_oidcc_{uuid.uuid4().hex[:10]}", "public_url": base,
         "jwt_issuer": base, "documents_client_secret": SERVICE_SECRET, **config},
        environ={"MONGO_URI": os.environ["MONGO_URI"]} if os.environ.get("MONGO_URI") else {},
        publisher=InMemoryPublisher())
    seed_demo(container)
    httpd = make_server("127.0.0.1", port, create_app(container=container), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Provider(base, container)
    finally:
        httpd.shutdown()
        thread.join(timeout=5)
        container.runtime.db.client.drop_database(container.runtime.db.name)


@pytest.fixture(scope="module")
def op() -> Iterator[Provider]:
    """The provider as deployed by default: the web client's ID tokens are RS256."""
    yield from _serve({})


@pytest.fixture(scope="module")
def op_es256() -> Iterator[Provider]:
    """The provider with the web client registered for ES256 ID tokens."""
    yield from _serve({"web_id_token_alg": "ES256"})


def relying_party(op: Provider, *, alg: str = "RS256") -> RPHandler:
    """An idpyoidc relying party statically registered as the web client (public, PKCE S256)."""
    config = {"hoso": {
        "issuer": op.base, "client_id": "hoso-web", "redirect_uris": [op.callback], "client_type": "oidc",
        "preference": {"response_types": ["code"], "token_endpoint_auth_method": "none",
                       "id_token_signed_response_alg": alg},
        "add_ons": {"pkce": {"function": "idpyoidc.client.oauth2.add_on.pkce.add_support",
                             "kwargs": {"code_challenge_length": 64, "code_challenge_method": "S256"}}},
    }}
    services = {**DEFAULT_OIDC_SERVICES, "end_session": {"class": "idpyoidc.client.oidc.end_session.EndSession"}}
    # key_defs without paths: the RP's own keys stay in memory (the defaults write private/ and static/)
    return RPHandler(base_url=op.base, client_configs=config, services=services, verify_ssl=False,
                     key_conf={"key_defs": DEFAULT_KEY_DEFS})


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def walk(op: Provider, browser: requests.Session, url: str, *, login: str | None = TEACHER) -> tuple[dict[str, str], int]:
    """Follow the browser from an authorization URL to the client's callback, filling the sign-in
    form with ``login`` whenever it is shown; returns the callback's query parameters and how many
    times the form was shown."""
    shown = 0
    for _ in range(10):
        resp = browser.get(url, allow_redirects=False)
        if resp.status_code == 200 and 'name="password"' in resp.text:
            assert login is not None, "the sign-in form was shown"
            shown += 1
            nxt = parse_qs(urlsplit(url).query)["next"][0]
            resp = browser.post(urljoin(url, "sign-in"), data={"login": login, "password": PASSWORD,
                                                               "csrf": csrf_of(resp.text), "next": nxt},
                                allow_redirects=False)
            assert resp.status_code == 303, resp.text
        assert resp.status_code in (302, 303), (resp.status_code, resp.text[:300])
        url = urljoin(url, resp.headers["Location"])
        if url.startswith(op.callback):
            return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}, shown
    raise AssertionError("the browser never reached the callback")


def to_callback(op: Provider, browser: requests.Session, url: str, *, login: str | None = TEACHER) -> dict[str, str]:
    return walk(op, browser, url, login=login)[0]


def forms_shown(op: Provider, browser: requests.Session, url: str) -> int:
    """How many times the sign-in form is shown on the way from ``url`` to the callback."""
    return walk(op, browser, url)[1]


def sign_in_with(rp: RPHandler, op: Provider, browser: requests.Session, *, login: str = TEACHER, **req_args) -> dict:
    """The whole code flow through idpyoidc: begin, the browser, finalize (tokens, ID token, userinfo)."""
    url = rp.begin(issuer_id="hoso", req_args=req_args or None)
    result = rp.finalize(op.base, to_callback(op, browser, url, login=login))
    assert "error" not in result, result
    return result


def header_of(token: str) -> dict:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def raw_id_token(rp: RPHandler, op: Provider, state: str) -> str:
    """The ID token exactly as the provider sent it (idpyoidc keeps it in its session state)."""
    return rp.issuer2rp[op.base].get_context().cstate.get(state)["id_token"]


def invalid_token_challenge(header: str) -> bool:
    """An RFC 6750 §3 challenge for a refused token (an ``error_description`` may follow)."""
    return header.startswith('Bearer realm="hoso", ') and 'error="invalid_token"' in header


def pkce_query(op: Provider, **overrides) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"response_type": "code", "client_id": "hoso-web", "redirect_uri": op.callback, "scope": "openid",
              "state": "st-" + secrets.token_hex(4), "nonce": secrets.token_hex(8), "code_challenge": challenge,
              "code_challenge_method": "S256", **overrides}
    return op.base + "/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})


def error_redirect(op: Provider, browser: requests.Session, url: str) -> dict[str, str]:
    resp = browser.get(url, allow_redirects=False)
    assert resp.status_code == 302, resp.text[:300]
    location = resp.headers["Location"]
    assert location.startswith(op.callback + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


# -- discovery (oidcc-config-certification-test-plan) ---------------------------------------------

def test_oidcc_discovery_endpoint_verification(op):
    doc = requests.get(op.base + "/.well-known/openid-configuration").json()
    assert doc["issuer"] == op.base
    assert "RS256" in doc["id_token_signing_alg_values_supported"]  # OIDC Discovery §3: REQUIRED
    assert {"client_secret_basic", "client_secret_post", "none"} <= set(doc["token_endpoint_auth_methods_supported"])
    keys = requests.get(doc["jwks_uri"]).json()["keys"]
    assert {k["kty"] for k in keys} == {"EC", "RSA"} and all(k.get("use") == "sig" and "d" not in k for k in keys)


def test_unknown_well_known_path_is_a_404_problem(op):
    resp = requests.get(op.base + "/.well-known/webfinger-nothing-here")
    assert resp.status_code == 404 and resp.headers["Content-Type"].startswith("application/problem+json")


# -- the basic flow (oidcc-basic-certification-test-plan) -----------------------------------------

def test_oidcc_server(op):
    rp = relying_party(op)
    result = sign_in_with(rp, op, requests.Session(), scope="openid profile")
    id_token = result["id_token"]
    assert id_token["iss"] == op.base and id_token["sub"] == TEACHER and id_token["aud"] == ["hoso-web"]
    assert result["userinfo"]["sub"] == TEACHER and result["userinfo"]["name"] == TEACHER_NAME


def test_oidcc_idtoken_rs256(op):
    rp = relying_party(op, alg="RS256")
    result = sign_in_with(rp, op, requests.Session())
    header = header_of(raw_id_token(rp, op, result["state"]))
    assert header["alg"] == "RS256" and header["typ"] == "JWT", "the ID token is not typed as an access token"
    assert header_of(result["token"])["typ"] == "at+jwt", "access tokens keep their own type"


def test_oidcc_idtoken_signature_es256_when_registered(op_es256):
    rp = relying_party(op_es256, alg="ES256")
    result = sign_in_with(rp, op_es256, requests.Session())
    assert result["id_token"]["sub"] == TEACHER  # idpyoidc verified an ES256 signature against the JWKS
    assert header_of(raw_id_token(rp, op_es256, result["state"]))["alg"] == "ES256"


def test_an_id_token_is_refused_as_an_access_token(op):
    rp = relying_party(op)
    result = sign_in_with(rp, op, requests.Session())
    raw = raw_id_token(rp, op, result["state"])
    verifier = TokenVerifier(keys=JwksKeySource(url=op.base + "/oauth/jwks"), issuer=op.base, audience="hoso-documents")
    assert verifier.verify(result["token"]).sub == TEACHER
    with pytest.raises(Unauthorized, match="không phải mã truy cập"):
        verifier.verify(raw)
    resp = requests.get(op.base + "/oauth/userinfo", headers={"Authorization": f"Bearer {raw}"})
    assert resp.status_code == 401
    assert invalid_token_challenge(resp.headers["WWW-Authenticate"])


def test_oidcc_userinfo_get(op):
    rp = relying_party(op)
    result = sign_in_with(rp, op, requests.Session(), scope="openid profile")
    resp = requests.get(op.base + "/oauth/userinfo", headers={"Authorization": f"Bearer {result['token']}"})
    assert resp.status_code == 200 and resp.json()["sub"] == TEACHER


def test_oidcc_userinfo_post_header(op):
    rp = relying_party(op)
    result = sign_in_with(rp, op, requests.Session(), scope="openid profile")
    resp = requests.post(op.base + "/oauth/userinfo", headers={"Authorization": f"Bearer {result['token']}"})
    assert resp.status_code == 200 and resp.json()["name"] == TEACHER_NAME


def test_oidcc_scope_email(op):
    rp = relying_party(op)
    with_email = sign_in_with(rp, op, requests.Session(), scope="openid email")
    assert "@" in with_email["userinfo"]["email"]
    assert "name" not in with_email["userinfo"].to_dict(), "profile claims need the profile scope"
    claims = jwt.decode(with_email["token"], KeySet.import_key_set(requests.get(op.base + "/oauth/jwks").json()),
                        algorithms=["ES256"]).claims
    assert claims["scope"].split()[:2] == ["openid", "email"]  # then the API scopes (docs/identity-audiences.md)
    assert "profile" not in claims["scope"].split()
    without = sign_in_with(relying_party(op), op, requests.Session(), scope="openid")
    assert set(without["userinfo"].to_dict()) - {"tenant", "district", "province", "roles", "unit_roles", "act"} == {"sub"}


def test_oidcc_scope_profile(op):
    result = sign_in_with(relying_party(op), op, requests.Session(), scope="openid profile")
    info = result["userinfo"].to_dict()
    assert info["name"] == TEACHER_NAME and info["preferred_username"] == TEACHER and "email" not in info


def test_oidcc_refresh_token(op):
    """The refresh is posted with requests: idpyoidc's refresh service has no public-client ("none")
    authentication."""
    rp = relying_party(op)
    result = sign_in_with(rp, op, requests.Session(), scope="openid offline_access")
    refresh_token = rp.issuer2rp[op.base].get_context().cstate.get(result["state"])["refresh_token"]
    refreshed = requests.post(op.base + "/oauth/token", data={"grant_type": "refresh_token", "client_id": "hoso-web",
                                                              "refresh_token": refresh_token})
    assert refreshed.status_code == 200 and refreshed.json()["access_token"] != result["token"]
    assert refreshed.json()["refresh_token"] != refresh_token, "rotated"
    verifier = TokenVerifier(keys=JwksKeySource(url=op.base + "/oauth/jwks"), issuer=op.base, audience="hoso-documents")
    assert verifier.verify(refreshed.json()["access_token"]).claims["scope"].split()[:2] == ["openid", "offline_access"]


# -- authorization errors go back to the client (redirect with error and state) ------------------

def test_oidcc_response_type_missing(op):
    url = pkce_query(op, response_type=None, state="st-missing")
    params = error_redirect(op, requests.Session(), url)
    assert params["error"] == "invalid_request" and params["state"] == "st-missing" and params["error_description"]


def test_response_type_token_is_unsupported(op):
    params = error_redirect(op, requests.Session(), pkce_query(op, response_type="token", state="st-token"))
    assert params["error"] == "unsupported_response_type" and params["state"] == "st-token"


@pytest.mark.parametrize("overrides", [{"code_challenge": None, "code_challenge_method": None},
                                       {"code_challenge_method": "plain"}, {"code_challenge_method": None}])
def test_pkce_missing_or_plain_is_an_invalid_request_redirect(op, overrides):
    params = error_redirect(op, requests.Session(), pkce_query(op, state="st-pkce", **overrides))
    assert params["error"] == "invalid_request" and params["state"] == "st-pkce" and "code" not in params


def test_oidcc_prompt_none_not_logged_in(op):
    params = error_redirect(op, requests.Session(), pkce_query(op, prompt="none", state="st-none"))
    assert params == {"error": "login_required", "error_description": params["error_description"], "state": "st-none"}


def test_oidcc_prompt_none_logged_in(op):
    browser = requests.Session()
    rp = relying_party(op)
    sign_in_with(rp, op, browser)
    again = rp.begin(issuer_id="hoso", req_args={"prompt": "none"})
    assert forms_shown(op, browser, again) == 0


@pytest.mark.parametrize("redirect_uri", [None, "https://evil.test/auth/callback"])
def test_oidcc_ensure_redirect_uri_in_authorization_request(op, redirect_uri):
    """Without a registered redirect URI nothing is redirected: a Vietnamese page says why."""
    resp = requests.get(pkce_query(op, redirect_uri=redirect_uri), allow_redirects=False)
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert "Yêu cầu đăng nhập không hợp lệ" in resp.text and "<html lang=\"vi\">" in resp.text


def test_unknown_client_gets_the_page_not_a_redirect(op):
    resp = requests.get(pkce_query(op, client_id="stranger"), allow_redirects=False)
    assert resp.status_code == 400 and "Location" not in resp.headers


# -- re-authentication and auth_time -----------------------------------------------------------------

def test_oidcc_prompt_login(op):
    browser = requests.Session()
    rp = relying_party(op)
    first = sign_in_with(rp, op, browser)
    time.sleep(1.1)  # auth_time has a one-second resolution
    url = rp.begin(issuer_id="hoso", req_args={"prompt": "login"})
    page = browser.get(urljoin(url, browser.get(url, allow_redirects=False).headers["Location"]))
    assert 'name="password"' in page.text and "Ứng dụng yêu cầu bạn đăng nhập lại để tiếp tục." in page.text
    second = rp.finalize(op.base, to_callback(op, browser, url))
    assert second["id_token"]["auth_time"] > first["id_token"]["auth_time"], "auth_time is the new sign-in"


def test_oidcc_max_age_1(op):
    browser = requests.Session()
    rp = relying_party(op)
    first = sign_in_with(rp, op, browser)
    time.sleep(2.1)
    url = rp.begin(issuer_id="hoso", req_args={"max_age": 1})
    assert forms_shown(op, requests.Session(), url) == 1  # a stranger signs in once, as always
    url = rp.begin(issuer_id="hoso", req_args={"max_age": 1})
    second = rp.finalize(op.base, to_callback(op, browser, url))
    assert second["id_token"]["auth_time"] > first["id_token"]["auth_time"]


def test_oidcc_max_age_0_is_like_prompt_login(op):
    browser = requests.Session()
    rp = relying_party(op)
    sign_in_with(rp, op, browser)
    assert forms_shown(op, browser, rp.begin(issuer_id="hoso", req_args={"max_age": 0})) == 1


def test_oidcc_max_age_10000(op):
    browser = requests.Session()
    rp = relying_party(op)
    first = sign_in_with(rp, op, browser)
    url = rp.begin(issuer_id="hoso", req_args={"max_age": 10000})
    assert forms_shown(op, browser, url) == 0
    url = rp.begin(issuer_id="hoso", req_args={"max_age": 10000})
    second = rp.finalize(op.base, to_callback(op, browser, url, login=None))
    assert second["id_token"]["auth_time"] == first["id_token"]["auth_time"], "auth_time is the sign-in, not the code"


# -- code reuse -----------------------------------------------------------------------------------------

def test_oidcc_codereuse(op):
    browser = requests.Session()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = to_callback(op, browser, pkce_query(op, scope="openid offline_access", code_challenge=challenge))
    exchange = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": op.callback,
                "client_id": "hoso-web", "code_verifier": verifier}
    first = requests.post(op.base + "/oauth/token", data=exchange)
    assert first.status_code == 200
    replay = requests.post(op.base + "/oauth/token", data=exchange)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    refresh = requests.post(op.base + "/oauth/token", data={"grant_type": "refresh_token", "client_id": "hoso-web",
                                                            "refresh_token": first.json()["refresh_token"]})
    assert refresh.status_code == 400, "the replay revoked the tokens of the first exchange"
    audited = op.container.runtime.audit.entries(match={"action": "authorization_code.reuse_detected", "actor": TEACHER})
    assert audited and audited[0]["data"]["revoked"] == 1


# -- client authentication and bearer challenges --------------------------------------------------------

def test_client_secret_basic_at_the_token_endpoint(op):
    ok = requests.post(op.base + "/oauth/token", data={"grant_type": "client_credentials"},
                       auth=requests.auth.HTTPBasicAuth("documents", SERVICE_SECRET))
    assert ok.status_code == 200 and ok.json()["token_type"] == "Bearer"
    wrong = requests.post(op.base + "/oauth/token", data={"grant_type": "client_credentials"},
                          auth=requests.auth.HTTPBasicAuth("documents", "not-the-secret"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.headers["WWW-Authenticate"].startswith("Basic ")


def test_expired_or_forged_bearer_gets_invalid_token_challenge(op):
    resp = requests.get(op.base + "/oauth/userinfo", headers={"Authorization": "Bearer not.a.token"})
    assert resp.status_code == 401 and invalid_token_challenge(resp.headers["WWW-Authenticate"])
    bare = requests.get(op.base + "/oauth/userinfo")
    assert bare.status_code == 401 and bare.headers["WWW-Authenticate"] == 'Bearer realm="hoso"'


# -- RP-initiated logout (oidcc-rp-initiated-logout plan) -----------------------------------------------

def test_oidcc_rp_initiated_logout(op):
    browser = requests.Session()
    rp = relying_party(op)
    result = sign_in_with(rp, op, browser)
    request = rp.logout(result["state"], post_logout_redirect_uri=op.base + "/")
    resp = browser.get(request["url"], allow_redirects=False)
    assert resp.status_code == 302
    location = urlsplit(resp.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == op.base + "/"
    sent_state = parse_qs(urlsplit(request["url"]).query).get("state")
    assert parse_qs(location.query).get("state") == sent_state, "state comes back"
    assert forms_shown(op, browser, rp.begin(issuer_id="hoso")) == 1, "the session has ended"


def test_oidcc_rp_initiated_logout_bad_id_token_hint(op):
    browser = requests.Session()
    rp = relying_party(op)
    result = sign_in_with(rp, op, browser)
    raw = raw_id_token(rp, op, result["state"])
    forged = raw[:-6] + ("AAAAAA" if not raw.endswith("AAAAAA") else "BBBBBB")
    resp = browser.get(op.base + "/oauth/logout?" + urlencode(
        {"id_token_hint": forged, "post_logout_redirect_uri": op.base + "/", "state": "s"}), allow_redirects=False)
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert "Yêu cầu đăng xuất không hợp lệ" in resp.text
    assert forms_shown(op, browser, rp.begin(issuer_id="hoso")) == 0, "still signed in"


def test_oidcc_rp_initiated_logout_no_params_asks_first(op):
    browser = requests.Session()
    rp = relying_party(op)
    sign_in_with(rp, op, browser)
    page = browser.get(op.base + "/oauth/logout", allow_redirects=False)
    assert page.status_code == 200 and "Đăng xuất khỏi HoSo?" in page.text and TEACHER_NAME in page.text
    assert forms_shown(op, browser, rp.begin(issuer_id="hoso")) == 0, "a bare GET ends nothing"
    page = browser.get(op.base + "/oauth/logout", allow_redirects=False)
    ended = browser.post(op.base + "/oauth/logout", data={"csrf": csrf_of(page.text)}, allow_redirects=False)
    assert ended.status_code == 302
    assert forms_shown(op, browser, rp.begin(issuer_id="hoso")) == 1, "the confirmation ended the session"


def test_another_persons_id_token_hint_is_refused_in_the_query_and_in_the_body(op):
    mine, theirs = requests.Session(), requests.Session()
    rp = relying_party(op)
    sign_in_with(rp, op, mine)
    other_rp = relying_party(op)
    other = sign_in_with(other_rp, op, theirs, login="thhp.giaovien")
    hint = raw_id_token(other_rp, op, other["state"])
    resp = mine.get(op.base + "/oauth/logout?" + urlencode({"id_token_hint": hint}), allow_redirects=False)
    assert resp.status_code == 400 and "là của một người khác" in resp.text
    page = mine.get(op.base + "/oauth/logout", allow_redirects=False)
    posted = mine.post(op.base + "/oauth/logout", data={"csrf": csrf_of(page.text), "id_token_hint": hint},
                       allow_redirects=False)
    assert posted.status_code == 400 and "Location" not in posted.headers
    assert forms_shown(op, mine, rp.begin(issuer_id="hoso")) == 0, "my session lives on"
    assert forms_shown(op, theirs, other_rp.begin(issuer_id="hoso")) == 0, "and theirs too"


def test_logging_out_one_browser_leaves_the_same_persons_other_browser_signed_in(op):
    laptop, phone = requests.Session(), requests.Session()
    rp_laptop, rp_phone = relying_party(op), relying_party(op)
    on_laptop = sign_in_with(rp_laptop, op, laptop)
    sign_in_with(rp_phone, op, phone)
    request = rp_laptop.logout(on_laptop["state"], post_logout_redirect_uri=op.base + "/")
    assert laptop.get(request["url"], allow_redirects=False).status_code == 302
    assert forms_shown(op, laptop, rp_laptop.begin(issuer_id="hoso")) == 1
    assert forms_shown(op, phone, rp_phone.begin(issuer_id="hoso")) == 0
