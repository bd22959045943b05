"""The OpenID Connect provider (authlib): discovery, JWKS, authorize (code + PKCE S256), token
(authorization code, rotating refresh tokens, client credentials), userinfo, revocation, logout.

Endpoints live under ``/oauth/...``; discovery at ``/.well-known/openid-configuration``. Through
the gateway they are under the issuer, ``<public url>/api/identity``. The platform's own clients
are consent-free: a signed-in person is sent straight back with a code.

Conformance (issue 16): an authorization request from a known client with a registered
``redirect_uri`` is answered at that URI, errors included (``error``, ``error_description``,
``state``); an unknown client or URI gets a Vietnamese page and is never redirected to.
``prompt=login`` and ``max_age`` send a signed-in person through the sign-in form again. ID tokens
are ``typ: JWT``, signed with the client's registered algorithm (RS256 by default), and carry
``auth_time`` (when the person signed in) and ``sid`` (the browser session). Logout asks the person
unless the request carries an ``id_token_hint`` of the very session it ends.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from authlib.common.encoding import to_unicode
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core.grants import OpenIDCode
from flask import Blueprint, Flask, Response, jsonify, make_response, redirect, render_template, request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.util import urlsafe_b64encode

from services.identity.adapters.documents import IdentityAuthorizationCodeDoc, IdentityRefreshTokenDoc, IdentitySessionDoc
from services.identity.adapters.keystore import ID_TOKEN_ALGORITHMS
from services.identity.bootstrap import Container
from services.identity.domain import signin_steps as steps
from services.identity.domain.audiences import InvalidTarget
from services.identity.entrypoints.clients import SUPPORTED_SCOPES, OAuthClient, platform_clients
from services.identity.entrypoints.cookies import CSRF_COOKIE, SESSION_COOKIE, csrf_ok, csrf_token, set_cookie
from services.identity.entrypoints.pages import private_page
from services.identity.service_layer.tokens import AccountUnavailable, GrantUser, RefreshRefused, new_refresh_token, token_hash
from services.kernel.context import current_principal
from services.kernel.permissions import require_principal

#: Token endpoint client authentication: public PKCE clients, and secrets by HTTP Basic or form.
TOKEN_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]
#: OIDC claims each scope releases (OIDC Core §5.4); ``sub`` is always released.
SCOPE_CLAIMS = {"profile": ("name", "preferred_username"), "email": ("email",)}
BAD_AUTHORIZE = ("Yêu cầu đăng nhập không hợp lệ: ứng dụng gửi yêu cầu không được đăng ký, hoặc địa chỉ quay về "
                 "(redirect_uri) không được phép. Vui lòng quay lại ứng dụng và thử lại.")
SOMEONE_ELSES_LOGOUT = ("Yêu cầu đăng xuất không hợp lệ: mã định danh (id_token_hint) là của một người khác, không phải "
                        "người đang đăng nhập trên trình duyệt này. Bạn vẫn đang đăng nhập.")
BAD_LOGOUT = ("Yêu cầu đăng xuất không hợp lệ: mã định danh (id_token_hint) không do HoSo cấp hoặc không dành cho "
              "ứng dụng này. Bạn vẫn đang đăng nhập.")


@dataclass(frozen=True)
class IssuedCode:
    """An authorization code as authlib sees it (``AuthorizationCodeMixin``)."""

    doc: IdentityAuthorizationCodeDoc

    @property
    def code_challenge(self) -> str | None:
        return self.doc.code_challenge

    @property
    def code_challenge_method(self) -> str | None:
        return self.doc.code_challenge_method

    def get_redirect_uri(self) -> str | None:
        return self.doc.redirect_uri

    def get_scope(self) -> str:
        return self.doc.scope or ""

    def get_nonce(self) -> str | None:
        return self.doc.nonce

    def get_auth_time(self) -> int | None:
        return self.doc.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass(frozen=True)
class ConsumedRefreshToken:
    """A refresh token that was just used (``TokenMixin`` enough for the refresh grant)."""

    doc: IdentityRefreshTokenDoc

    def check_client(self, client: OAuthClient) -> bool:
        return self.doc.client_id == client.client_id

    def get_scope(self) -> str:
        return self.doc.scope or ""


class InvalidTargetError(OAuth2Error):
    """RFC 8707 §2: a ``resource`` names no HoSo service or one outside the grant's scopes."""

    error = "invalid_target"
    description = "The resource indicator names no service this grant covers."


class PkceS256(CodeChallenge):
    """PKCE with S256 only, and mandatory at the authorization request (not only at the token
    request): a public client's authorization without a code challenge is refused at once."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri) -> None:
        if not grant.request.payload.data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge' (PKCE S256 is required).")
        super().validate_code_challenge(grant, redirect_uri)


def build_server(app: Flask, container: Container) -> AuthorizationServer:
    """An authlib authorization server wired to identity's token service and stores."""
    settings, tokens, clock = container.settings, container.tokens, container.runtime.clock
    clients = platform_clients(settings)

    def access_token(client: OAuthClient, grant_type: str, user: GrantUser | None, scope: str) -> str:
        """A service token limited to the client's declared calls, or a person's token for the
        services its API scopes and RFC 8707 ``resource`` indicators name (docs/identity-audiences.md)."""
        if grant_type == "client_credentials":
            return tokens.service_access_token(client.client_id, scope or "")
        assert user is not None
        try:
            grant = tokens.person_grant(scope or "", tuple(request.form.getlist("resource")))
        except InvalidTarget:
            raise InvalidTargetError() from None
        return tokens.person_access_token(user, client.client_id, grant)

    def save_token(token: dict, req) -> None:
        if "refresh_token" not in token:
            return
        previous = getattr(req, "refresh_token", None)
        family = previous.doc.family_id if isinstance(previous, ConsumedRefreshToken) else None
        family = tokens.store_refresh_token(token["refresh_token"], user=req.user, client_id=req.client.client_id,
                                            scope=token.get("scope"), family_id=family)
        code = getattr(req, "authorization_code", None)
        if isinstance(code, IssuedCode):  # remembered so that a replay of the code can revoke this family
            IdentityAuthorizationCodeDoc.objects(id=code.doc.id).update_one(set__family_id=family)

    app.config.update(
        OAUTH2_ACCESS_TOKEN_GENERATOR=access_token,
        OAUTH2_REFRESH_TOKEN_GENERATOR=lambda **_: new_refresh_token(),
        OAUTH2_TOKEN_EXPIRES_IN={g: settings.access_token_seconds for g in
                                 ("authorization_code", "refresh_token", "client_credentials")},
        OAUTH2_SCOPES_SUPPORTED=list(SUPPORTED_SCOPES),
    )
    server = AuthorizationServer(app, query_client=clients.get, save_token=save_token)

    def live_user(person_id: str, tenant: str | None, session_id: str | None, auth_time: int | None = None) -> GrantUser | None:
        """The grant's person while their browser session lives; each use of it is its last use
        ("Dùng lần cuối" on the person's list of sessions)."""
        if session_id and not IdentitySessionDoc.objects(public_id=session_id, revoked_at=None).update_one(
                set__last_seen_at=clock.now()):
            return None
        return GrantUser(person_id, tenant, session_id, auth_time)

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS

        def save_authorization_code(self, code: str, req) -> None:
            user: GrantUser = req.user
            data = req.payload.data
            now = clock.now()
            IdentityAuthorizationCodeDoc(
                id=token_hash(code), client_id=req.client.client_id, redirect_uri=req.payload.redirect_uri,
                scope=req.payload.scope, nonce=data.get("nonce"), person_id=user.person_id, session_id=user.session_id,
                tenant=user.tenant, code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"), auth_time=user.auth_time,
                expires_at=now + timedelta(seconds=settings.authorization_code_seconds),
            ).save(force_insert=True)

        def query_authorization_code(self, code: str, client: OAuthClient) -> IssuedCode | None:
            raw = IdentityAuthorizationCodeDoc._get_collection().find_one_and_update(
                {"_id": token_hash(code), "client_id": client.client_id, "used": False, "expires_at": {"$gt": clock.now()}},
                {"$set": {"used": True}},  # a code is exchanged once, even under concurrent requests
            )
            if raw is not None:
                return IssuedCode(IdentityAuthorizationCodeDoc._from_son(raw))
            replayed = IdentityAuthorizationCodeDoc.objects(id=token_hash(code), client_id=client.client_id, used=True).first()
            if replayed is not None:
                tokens.code_replayed(family_id=replayed.family_id, person_id=replayed.person_id, tenant=replayed.tenant,
                                     client_id=client.client_id)
            return None

        def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
            """Keep the used code (marked ``used``) for the refresh-token lifetime, so that a replay is
            recognised and revokes what its first exchange issued."""
            IdentityAuthorizationCodeDoc.objects(id=authorization_code.doc.id).update_one(
                set__expires_at=clock.now() + timedelta(days=settings.refresh_token_days))

        def authenticate_user(self, authorization_code: IssuedCode) -> GrantUser | None:
            d = authorization_code.doc
            return live_user(d.person_id, d.tenant, d.session_id, d.auth_time)

    class RefreshGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token: str) -> ConsumedRefreshToken:
            try:
                return ConsumedRefreshToken(tokens.use_refresh_token(refresh_token, self.request.client.client_id))
            except RefreshRefused as exc:
                if exc.reused:
                    raise InvalidGrantError("Refresh token reuse detected; the whole token family is revoked.") from None
                raise InvalidGrantError() from None

        def authenticate_user(self, refresh_token: ConsumedRefreshToken) -> GrantUser | None:
            d = refresh_token.doc
            return live_user(d.person_id, d.tenant, d.session_id)

        def revoke_old_credential(self, refresh_token: ConsumedRefreshToken) -> None:
            """Nothing left to do: ``use_refresh_token`` marked the old token used atomically."""

    class ServiceGrant(grants.ClientCredentialsGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    class IdToken(OpenIDCode):
        def exists_nonce(self, nonce: str, req) -> bool:
            return IdentityAuthorizationCodeDoc.objects(client_id=req.payload.client_id, nonce=nonce).only("id").first() is not None

        def generate_user_info(self, user: GrantUser, scope: str) -> dict:
            return user_info(container, user.person_id, scope)

        def encode_id_token(self, token: dict, req) -> str:
            now = int(clock.now().timestamp())
            code: IssuedCode = req.authorization_code
            digest = hashlib.sha256(token["access_token"].encode()).digest()
            claims = {
                "iss": settings.issuer, "sub": req.user.person_id, "aud": req.client.client_id, "iat": now,
                "exp": now + settings.access_token_seconds, "auth_time": code.get_auth_time(),
                "at_hash": to_unicode(urlsafe_b64encode(digest[:16])),
                **self.generate_user_info(req.user, token.get("scope", "")),
            }
            if code.get_nonce():
                claims["nonce"] = code.get_nonce()
            if req.user.session_id:
                claims["sid"] = req.user.session_id
            return container.keys.sign_id_token(claims, algorithm=req.client.id_token_alg)

    class Revocation(RevocationEndpoint):
        CLIENT_AUTH_METHODS = TOKEN_AUTH_METHODS

        def query_token(self, token_string: str, token_type_hint: str | None) -> ConsumedRefreshToken | None:
            doc = IdentityRefreshTokenDoc.objects(id=token_hash(token_string)).first()
            return ConsumedRefreshToken(doc) if doc else None

        def revoke_token(self, token: ConsumedRefreshToken, req) -> None:
            tokens.revoke_refresh_token(token.doc)

    server.register_grant(CodeGrant, [PkceS256(required=True), IdToken(require_nonce=False)])
    server.register_grant(RefreshGrant)
    server.register_grant(ServiceGrant)
    server.register_endpoint(Revocation)
    return server


def user_info(container: Container, person_id: str, scope: str) -> dict:
    """OIDC user info: ``sub``, plus the claims the granted ``scope`` releases (``profile``: name and
    login; ``email``: the address)."""
    person = container.directory.get(person_id)
    if person is None:
        return {"sub": person_id}
    values = {"name": person.full_name, "preferred_username": person.id, "email": person.email}
    granted = (scope or "").split()
    return {"sub": person.id, **{claim: values[claim] for s in granted for claim in SCOPE_CLAIMS.get(s, ())
                                 if values[claim]}}


def authorization_error(redirect_uri: str, error: str, description: str, state: str | None) -> Response:
    """An authorization error answered at the client's (registered) redirect URI (RFC 6749 §4.1.2.1)."""
    params = [("error", error), ("error_description", description)] + ([("state", state)] if state else [])
    return redirect(add_params_to_uri(redirect_uri, params), code=302)


def without_reauthentication(args) -> str:
    """The authorization request to come back to after the sign-in form: ``prompt=login`` and
    ``max_age`` are satisfied by that sign-in, so they are taken out (no loop)."""
    kept = []
    for key, value in args.items(multi=True):
        if key == "max_age":
            continue
        if key == "prompt":
            value = " ".join(p for p in value.split() if p != "login")
            if not value:
                continue
        kept.append((key, value))
    return "/oauth/authorize?" + urlencode(kept)


def refusal_page(message: str, title: str) -> Response:
    """A Vietnamese error page (400) where redirecting would be unsafe."""
    return private_page(make_response(render_template("message.html", title=title, message=message,
                                                      link=None, link_text=None, extra_link=None), 400))


def oauth_blueprint(container: Container, server: AuthorizationServer) -> Blueprint:
    bp = Blueprint("oauth", __name__)
    settings = container.settings
    issuer = settings.issuer

    @bp.get("/.well-known/openid-configuration")
    def discovery() -> Response:
        return jsonify({
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/oauth/authorize",
            "token_endpoint": f"{issuer}/oauth/token",
            "userinfo_endpoint": f"{issuer}/oauth/userinfo",
            "jwks_uri": f"{issuer}/oauth/jwks",
            "revocation_endpoint": f"{issuer}/oauth/revoke",
            "end_session_endpoint": f"{issuer}/oauth/logout",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": list(ID_TOKEN_ALGORITHMS),
            "token_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
            "scopes_supported": list(SUPPORTED_SCOPES),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "jti", "auth_time", "nonce", "sid", "name", "email",
                                 "preferred_username", "tenant", "district", "province", "roles", "unit_roles", "act",
                                 "client_id", "scope"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "ui_locales_supported": ["vi"],
        })

    @bp.get("/oauth/jwks")
    def jwks() -> Response:
        resp = jsonify(container.keys.jwks())
        resp.headers["Cache-Control"] = "public, max-age=60"
        return resp

    @bp.get("/oauth/authorize")
    def authorize() -> Response:
        args = request.args
        client = platform_clients(settings).get(args.get("client_id") or "")
        redirect_uri = args.get("redirect_uri")
        if client is None or not redirect_uri or not client.check_redirect_uri(redirect_uri):
            return refusal_page(BAD_AUTHORIZE, "Không thể đăng nhập")  # never redirect to an unknown URI
        state = args.get("state")
        response_type = args.get("response_type")
        if not response_type:
            return authorization_error(redirect_uri, "invalid_request", "Missing 'response_type'.", state)
        if response_type != "code":
            return authorization_error(redirect_uri, "unsupported_response_type", "Only 'code' is supported.", state)
        if not args.get("code_challenge") or (args.get("code_challenge_method") or "plain") != "S256":
            return authorization_error(redirect_uri, "invalid_request", "PKCE with S256 is required.", state)
        prompt = set((args.get("prompt") or "").split())
        if "none" in prompt and len(prompt) > 1:
            return authorization_error(redirect_uri, "invalid_request", "'prompt=none' cannot be combined.", state)
        max_age = args.get("max_age")
        if max_age is not None and not (max_age.isdigit() and len(max_age) < 10):
            return authorization_error(redirect_uri, "invalid_request", "'max_age' must be a number of seconds.", state)
        session = container.signin.session(request.cookies.get(SESSION_COOKIE))
        signed_in = session is not None and session.step == steps.ACTIVE
        auth_time = int(session.authenticated_at.timestamp()) if signed_in and session.authenticated_at else None
        stale = max_age is not None and (int(max_age) == 0 or auth_time is None
                                         or container.runtime.clock.now().timestamp() - auth_time > int(max_age))
        if not signed_in or "login" in prompt or stale:
            if "none" in prompt:
                return authorization_error(redirect_uri, "login_required", "The person must sign in.", state)
            query = {"next": without_reauthentication(args)}
            if signed_in:
                query["reauth"] = "1"  # the form again, although a session is live
            return redirect("../auth/sign-in?" + urlencode(query), code=302)
        user = GrantUser(session.person_id, args.get("tenant"), session.public_id, auth_time)
        try:
            grant = server.get_consent_grant(end_user=user)
        except OAuth2Error as exc:  # client and redirect URI were checked above: answer at the client
            return authorization_error(redirect_uri, exc.error, exc.get_error_description() or exc.error, state)
        if user is not None and not container.tokens.may_speak_for(user):  # a school the person holds no role in
            return server.create_authorization_response(grant_user=None, grant=grant)  # access_denied, with state
        return server.create_authorization_response(grant_user=user, grant=grant)

    @bp.post("/oauth/token")
    def token() -> Response:
        try:
            resp = server.create_token_response()
        except AccountUnavailable:
            resp = jsonify({"error": "invalid_grant"}), 400
        return resp

    @bp.post("/oauth/revoke")
    def revoke() -> Response:
        return server.create_endpoint_response("revocation")

    @bp.route("/oauth/userinfo", methods=["GET", "POST"])
    def userinfo() -> Response:
        me = require_principal(current_principal())
        info = user_info(container, me.sub, str(me.claims.get("scope") or ""))
        info.update({"tenant": me.tenant, "district": me.district, "province": me.province,
                     "roles": sorted(me.roles), "unit_roles": sorted([list(p) for p in me.unit_roles]),
                     "act": [dict(on_behalf_of=d.on_behalf_of, role=d.role, unit=d.unit, book_types=list(d.book_types),
                                  until=d.until) for d in me.act]})
        return jsonify(info)

    def hint_claims(hint: str) -> dict | None:
        """The claims of an ``id_token_hint`` this provider issued (expired ones included), else None."""
        try:
            decoded = jwt.decode(hint, lambda guest: container.keys.id_token_key(str(guest.headers().get("kid") or "")),
                                 algorithms=list(ID_TOKEN_ALGORITHMS))
        except (JoseError, ValueError, TypeError, UnicodeError):
            return None
        return decoded.claims if decoded.claims.get("iss") == issuer and decoded.claims.get("sub") else None

    @bp.route("/oauth/logout", methods=["GET", "POST"])
    def logout() -> Response:
        """RP-initiated logout 1.0. Without a valid hint of this very session the person is asked
        ("Đăng xuất khỏi HoSo?"); the form's POST (CSRF-checked) ends the session."""
        values = request.values
        hint = values.get("id_token_hint")
        claims = hint_claims(hint) if hint else None
        if hint and claims is None:
            return refusal_page(BAD_LOGOUT, "Không thể đăng xuất")
        audiences = claims.get("aud") if claims else None
        audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
        client_id = values.get("client_id") or (audiences[0] if audiences else settings.web_client_id)
        client = platform_clients(settings).get(client_id)
        if client is None or (claims is not None and client_id not in audiences):
            return refusal_page(BAD_LOGOUT, "Không thể đăng xuất")
        target = values.get("post_logout_redirect_uri")
        state = values.get("state")
        allowed = {settings.public_url.rstrip("/") + "/"} | set(client.redirect_uris)
        if target in allowed:
            destination = add_params_to_uri(target, [("state", state)]) if state else target
        else:
            destination = "../auth/signed-out"
        cookie = request.cookies.get(SESSION_COOKIE)
        session = container.signin.session(cookie)
        if session is not None and claims is not None and claims.get("sub") != session.person_id:
            return refusal_page(SOMEONE_ELSES_LOGOUT, "Không thể đăng xuất")
        same_session = session is not None and claims is not None and claims.get("sid") == session.public_id
        confirmed = request.method == "POST" and csrf_ok(request)
        if session is not None and not (same_session or confirmed):
            person = container.directory.get(session.person_id)
            csrf = csrf_token(request)
            resp = make_response(render_template(
                "logout.html", title="Đăng xuất khỏi HoSo?", csrf=csrf, name=person.full_name if person else "",
                fields={k: v for k, v in (("id_token_hint", hint), ("client_id", values.get("client_id")),
                                          ("post_logout_redirect_uri", target), ("state", state)) if v},
                stay=settings.public_url.rstrip("/") + "/"))
            if request.cookies.get(CSRF_COOKIE) != csrf:
                set_cookie(resp, CSRF_COOKIE, csrf, secure=settings.public_url.startswith("https://"))
            return private_page(resp)
        container.signin.sign_out(cookie)
        resp = redirect(destination, code=302)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    return bp
