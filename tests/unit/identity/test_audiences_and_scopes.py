"""What identity's tokens say they are for (issue 16, point 2): the web app's normal token names
every service with every API scope; API scopes or RFC 8707 resource indicators narrow it; a
service client's token carries only its declared calls and names their callees."""
from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import KeySet

from services.kernel.audiences import ALL_API_SCOPES, ALL_AUDIENCES, call_scopes

from .conftest import PUBLIC, browser_login_code, exchange_code


def _claims(client, token: str) -> dict:
    return jwt.decode(token, KeySet.import_key_set(client.get("/oauth/jwks").get_json())).claims


def test_the_web_apps_normal_token_names_every_service_with_every_api_scope(client):
    body = exchange_code(client, *browser_login_code(client, "thhp.giaovien")).get_json()
    claims = _claims(client, body["access_token"])
    assert claims["aud"] == list(ALL_AUDIENCES)
    assert claims["scope"].split() == ["openid", "profile", "email", "offline_access", *ALL_API_SCOPES]
    refreshed = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"],
                                                  "client_id": "hoso-web"}).get_json()
    assert _claims(client, refreshed["access_token"])["aud"] == list(ALL_AUDIENCES), "a refresh keeps the grant"


def test_a_resource_indicator_narrows_the_token_to_that_service(client):
    answer = exchange_code(client, *browser_login_code(client, "thhp.giaovien"), resource=PUBLIC + "/api/documents")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    claims = _claims(client, answer.get_json()["access_token"])
    assert claims["aud"] == ["hoso-identity", "hoso-documents"], "openid keeps userinfo reachable"
    assert claims["scope"].split() == ["openid", "profile", "email", "offline_access",
                                       "documents:read", "documents:write"]


def test_api_scopes_narrow_the_grant_and_a_resource_outside_it_is_invalid_target(client):
    code, verifier = browser_login_code(client, "thhp.giaovien", scope="openid approvals:read approvals:decide")
    claims = _claims(client, exchange_code(client, code, verifier).get_json()["access_token"])
    assert claims["aud"] == ["hoso-identity", "hoso-approvals"]
    assert claims["scope"] == "openid approvals:read approvals:decide"
    code, verifier = browser_login_code(client, "thhp.giaovien", scope="openid approvals:read")
    outside = exchange_code(client, code, verifier, resource=PUBLIC + "/api/signing")
    assert outside.status_code == 400 and outside.get_json()["error"] == "invalid_target"
    code, verifier = browser_login_code(client, "thhp.giaovien")
    unknown = exchange_code(client, code, verifier, resource="https://elsewhere.example/api")
    assert unknown.status_code == 400 and unknown.get_json()["error"] == "invalid_target"


def test_a_service_token_carries_its_declared_calls_and_names_their_callees(client):
    def token(**extra: str):
        return client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "approvals",
                                                 "client_secret": "approvals-secret-123", **extra})

    claims = _claims(client, token().get_json()["access_token"])
    assert claims["aud"] == ["hoso-documents"] and claims["scope"].split() == list(call_scopes("approvals"))
    narrowed = _claims(client, token(scope="documents:catalog").get_json()["access_token"])
    assert narrowed["scope"] == "documents:catalog"
    undeclared = token(scope="approvals:obligations-due")  # notifications' call, not approvals'
    assert _claims(client, undeclared.get_json()["access_token"])["scope"].split() == list(call_scopes("approvals"))
    assert token(scope="documents:everything").get_json()["error"] == "invalid_scope"
