"""A fake outside OpenID Connect provider for identity's unit tests, at the HTTP boundary
(``OutsideHttp``): it serves a discovery document and a JWKS, "signs in" an account when the
test follows the authorization URL, and answers the code exchange with an ID token it signs
with its own RSA key after checking the client's secret, the redirect URI and PKCE. Everything
on HoSo's side (discovery checks, state, nonce, PKCE, signature, claims) runs for real."""
from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from services.identity.adapters.outside_oidc import OutsideUnreachable
from services.kernel.clock import Clock

ISSUER = "https://sso.giaoduc.test"
CLIENT_ID = "hoso-th-hoa-phong"
CLIENT_SECRET = "outside-secret-7f3a"


class FakeOutsideProvider:
    """One provider with one registered client and the accounts a test adds."""

    def __init__(self, clock: Clock, *, issuer: str = ISSUER) -> None:
        self.clock = clock
        self.issuer = issuer
        self.key = RSAKey.generate_key(2048, parameters={"kid": "outside-1", "use": "sig", "alg": "RS256"})
        self.signing_key = self.key  # a test may sign with another key to forge a token
        self.reachable = True
        self.discovery_overrides: dict[str, Any] = {}
        self.id_token_overrides: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []

    # -- OutsideHttp ----------------------------------------------------------------------
    def get_json(self, url: str) -> Any:
        self.requests.append(url)
        if not self.reachable:
            raise OutsideUnreachable("connection refused")
        if url == self.issuer + "/.well-known/openid-configuration":
            return {"issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                    "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                    "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                    **self.discovery_overrides}
        if url == self.issuer + "/jwks":
            return {"keys": [self.key.as_dict(private=False)]}
        raise OutsideUnreachable(f"404 {url}")

    def post_form(self, url: str, data: Mapping[str, str], *, basic: tuple[str, str] | None) -> Any:
        if url != self.issuer + "/token" or basic != (CLIENT_ID, CLIENT_SECRET):
            return {"error": "invalid_client"}
        grant = self.codes.pop(data.get("code", ""), None)
        if grant is None or data.get("redirect_uri") != grant["redirect_uri"]:
            return {"error": "invalid_grant"}
        verifier = data.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["code_challenge"]:
            return {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(self.clock.now().timestamp())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": grant["nonce"],
                  **grant["account"], **self.id_token_overrides}
        token = jwt.encode({"alg": "RS256", "kid": "outside-1"}, claims, self.signing_key)
        return {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": token}

    # -- the browser at the provider ------------------------------------------------------
    def authorize(self, url: str, account: Mapping[str, Any]) -> str:
        """Sign ``account`` in at the provider for the authorization URL HoSo redirected to; the
        callback query HoSo's redirect URI receives (``code`` and ``state``)."""
        assert url.startswith(self.issuer + "/authorize?"), url
        q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert q["client_id"] == CLIENT_ID and q["response_type"] == "code" and q["code_challenge_method"] == "S256"
        assert "openid" in q["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"redirect_uri": q["redirect_uri"], "nonce": q["nonce"], "code_challenge": q["code_challenge"],
                            "account": dict(account)}
        return f"code={code}&state={q['state']}"
