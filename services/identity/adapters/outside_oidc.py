"""The relying-party side of federated sign-in: talking to an outside OpenID Connect provider
(Google Workspace for Education, Microsoft Entra ID, the sector's SSO) over HTTP.

Discovery, the authorization request (code + PKCE S256 + state + nonce), the code exchange with
the client secret, and ID-token validation: signature by a key of the provider's JWKS (fetched
at each validation, so a rotated key is met at once), issuer, audience (and ``azp`` when there
are several), nonce, ``exp`` and ``iat``. The HTTP transport is injected (``OutsideHttp``): the
service uses ``RequestsHttp``; unit tests a fake provider at that boundary, so everything here
runs for real in them.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlencode

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from services.identity.domain.errors import InvalidValue
from services.identity.domain.federation import Discovery, OutsideAccount, check_discovery
from services.kernel.clock import Clock

#: signature algorithms accepted in an outside ID token (never ``none`` nor HMAC with the client secret)
ID_TOKEN_ALGORITHMS = ["RS256", "ES256", "PS256", "EdDSA", "RS384", "RS512", "ES384"]
LEEWAY_SECONDS = 60
SCOPE = "openid email profile"


class OutsideUnreachable(Exception):
    """The provider did not answer, or answered with an error or something that is not JSON."""


class OutsideTokenInvalid(Exception):
    """The provider's answer to the code exchange, or its ID token, is not acceptable."""


class OutsideHttp(Protocol):
    """The two kinds of request a relying party makes."""

    def get_json(self, url: str) -> Any:
        """GET ``url`` and return its JSON; raises OutsideUnreachable."""

    def post_form(self, url: str, data: Mapping[str, str], *, basic: tuple[str, str] | None) -> Any:
        """POST a form (with HTTP Basic credentials when given) and return the JSON answer; raises
        OutsideUnreachable for a transport failure or a non-JSON answer, not for an OAuth error body."""


class RequestsHttp:
    """``OutsideHttp`` over requests, one session per process (opened at first use)."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self._timeout = timeout
        self._session: requests.Session | None = None

    def _http(self) -> requests.Session:
        if self._session is None:
            self._session = requests.Session()
        return self._session

    def get_json(self, url: str) -> Any:
        try:
            resp = self._http().get(url, timeout=self._timeout, headers={"Accept": "application/json"})
            resp.raise_for_status()
            return resp.json()
        except (requests.RequestException, ValueError) as exc:
            raise OutsideUnreachable(str(exc)) from None

    def post_form(self, url: str, data: Mapping[str, str], *, basic: tuple[str, str] | None) -> Any:
        try:
            resp = self._http().post(url, data=dict(data), auth=basic, timeout=self._timeout,
                                     headers={"Accept": "application/json"})
            return resp.json()
        except (requests.RequestException, ValueError) as exc:
            raise OutsideUnreachable(str(exc)) from None


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier (RFC 7636)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class OutsideOidcClient:
    """An OpenID Connect relying party for any number of outside providers."""

    def __init__(self, *, http: OutsideHttp, clock: Clock) -> None:
        self._http = http
        self._clock = clock

    def discover(self, issuer: str, *, allow_loopback_http: bool) -> Discovery:
        """Fetch and check ``<issuer>/.well-known/openid-configuration`` and that its JWKS has a key.
        Raises InvalidValue with a Vietnamese reason."""
        url = issuer + "/.well-known/openid-configuration"
        try:
            doc = self._http.get_json(url)
        except OutsideUnreachable:
            raise InvalidValue(f"Không đọc được cấu hình OpenID Connect tại {url}. Hãy kiểm tra địa chỉ nhà cung cấp.",
                               field="issuer") from None
        if not isinstance(doc, Mapping):
            raise InvalidValue(f"Địa chỉ {url} không trả về cấu hình OpenID Connect.", field="issuer")
        discovery = check_discovery(doc, issuer, allow_loopback_http=allow_loopback_http)
        try:
            keys = self._keys(discovery)
        except OutsideTokenInvalid:
            keys = None
        if not keys:
            raise InvalidValue("Nhà cung cấp không công bố khóa ký (jwks_uri) dùng được.", field="issuer")
        return discovery

    def _keys(self, discovery: Discovery) -> KeySet:
        try:
            return KeySet.import_key_set(self._http.get_json(discovery.jwks_uri))
        except OutsideUnreachable:
            raise OutsideTokenInvalid("jwks unreachable") from None
        except (JoseError, ValueError, TypeError, KeyError):
            raise OutsideTokenInvalid("jwks invalid") from None

    @staticmethod
    def authorization_url(discovery: Discovery, *, client_id: str, redirect_uri: str, state: str, nonce: str,
                          verifier: str, login_hint: str = "") -> str:
        """Where to send the browser: the provider's authorization endpoint with code + PKCE."""
        params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": SCOPE,
                  "state": state, "nonce": nonce, "code_challenge": pkce_challenge(verifier),
                  "code_challenge_method": "S256"}
        if login_hint:
            params["login_hint"] = login_hint
        sep = "&" if "?" in discovery.authorization_endpoint else "?"
        return discovery.authorization_endpoint + sep + urlencode(params)

    def sign_in(self, discovery: Discovery, *, client_id: str, client_secret: str, code: str, redirect_uri: str,
                verifier: str, nonce: str) -> OutsideAccount:
        """Exchange the code and validate the ID token; the account it names. Raises
        OutsideUnreachable or OutsideTokenInvalid."""
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
        basic = None
        if discovery.token_auth == "client_secret_basic":
            basic = (client_id, client_secret)
        else:
            data.update(client_id=client_id, client_secret=client_secret)
        answer = self._http.post_form(discovery.token_endpoint, data, basic=basic)
        id_token = answer.get("id_token") if isinstance(answer, Mapping) else None
        if not isinstance(id_token, str):
            raise OutsideTokenInvalid(f"no id_token: {answer.get('error') if isinstance(answer, Mapping) else answer}")
        return self.verify_id_token(discovery, id_token, client_id=client_id, nonce=nonce)

    def verify_id_token(self, discovery: Discovery, id_token: str, *, client_id: str, nonce: str) -> OutsideAccount:
        """Signature (a key of the JWKS), issuer, audience/azp, nonce, exp and iat of an ID token."""
        keys = self._keys(discovery)
        try:
            claims = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS).claims
        except (JoseError, ValueError, TypeError, UnicodeError) as exc:
            raise OutsideTokenInvalid(f"signature: {exc}") from None
        now = int(self._clock.now().timestamp())
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        exp, iat, sub = claims.get("exp"), claims.get("iat"), claims.get("sub")
        checks = {
            "iss": claims.get("iss") == discovery.issuer,
            "aud": client_id in audiences,
            "azp": len(audiences) == 1 or claims.get("azp") == client_id,
            "nonce": claims.get("nonce") == nonce,
            "exp": isinstance(exp, int) and exp + LEEWAY_SECONDS >= now,
            "iat": isinstance(iat, int) and iat - LEEWAY_SECONDS <= now,
            "sub": isinstance(sub, str) and bool(sub),
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            raise OutsideTokenInvalid("claims: " + ", ".join(wrong))
        verified = claims.get("email_verified")
        return OutsideAccount(issuer=discovery.issuer, subject=claims["sub"], email=str(claims.get("email") or "").strip().lower(),
                              email_verified=verified is True or verified == "true", name=str(claims.get("name") or ""))
