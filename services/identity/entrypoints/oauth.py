"""The OpenID Connect provider (authlib): discovery, JWKS, authorize (code + PKCE S256), token
(authorization code, rotating refresh tokens, client credentials), userinfo, revocation, logout.

Endpoints live under ``/oauth/...``; discovery at ``/.well-known/openid-configuration``. Through
the gateway they are under the issuer, ``<public url>/api/identity``. The platform's own clients
are consent-free: a signed-in person is sent straight back with a code.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from authlib.common.encoding import to_unicode
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core.grants import OpenIDCode
from flask import Blueprint, Flask, Response, jsonify, redirect, request
from joserfc.util import urlsafe_b64encode

from services.identity.adapters.documents import IdentityAuthorizationCodeDoc, IdentityRefreshTokenDoc, IdentitySessionDoc
from services.identity.bootstrap import Container
from services.identity.domain import signin_steps as steps
from services.identity.entrypoints.clients import OAuthClient, platform_clients
from services.identity.entrypoints.cookies import SESSION_COOKIE
from services.identity.service_layer.tokens import AccountUnavailable, GrantUser, RefreshRefused, new_refresh_token, token_hash
from services.kernel.context import current_principal
from services.kernel.permissions import require_principal


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
        if grant_type == "client_credentials":
            return tokens.service_access_token(client.client_id)
        assert user is not None
        return tokens.person_access_token(user, client.client_id)

    def save_token(token: dict, req) -> None:
        if "refresh_token" not in token:
            return
        previous = getattr(req, "refresh_token", None)
        family = previous.doc.family_id if isinstance(previous, ConsumedRefreshToken) else None
        tokens.store_refresh_token(token["refresh_token"], user=req.user, client_id=req.client.client_id,
                                   scope=token.get("scope"), family_id=family)

    app.config.update(
        OAUTH2_ACCESS_TOKEN_GENERATOR=access_token,
        OAUTH2_REFRESH_TOKEN_GENERATOR=lambda **_: new_refresh_token(),
        OAUTH2_TOKEN_EXPIRES_IN={g: settings.access_token_seconds for g in
                                 ("authorization_code", "refresh_token", "client_credentials")},
        OAUTH2_SCOPES_SUPPORTED=["openid", "profile", "email", "offline_access", "hoso.service"],
    )
    server = AuthorizationServer(app, query_client=clients.get, save_token=save_token)

    def live_user(person_id: str, tenant: str | None, session_id: str | None) -> GrantUser | None:
        """The grant's person while their browser session lives; each use of it is its last use
        ("Dùng lần cuối" on the person's list of sessions)."""
        if session_id and not IdentitySessionDoc.objects(public_id=session_id, revoked_at=None).update_one(
                set__last_seen_at=clock.now()):
            return None
        return GrantUser(person_id, tenant, session_id)

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_post"]

        def save_authorization_code(self, code: str, req) -> None:
            user: GrantUser = req.user
            data = req.payload.data
            now = clock.now()
            IdentityAuthorizationCodeDoc(
                id=token_hash(code), client_id=req.client.client_id, redirect_uri=req.payload.redirect_uri,
                scope=req.payload.scope, nonce=data.get("nonce"), person_id=user.person_id, session_id=user.session_id,
                tenant=user.tenant, code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"), auth_time=int(now.timestamp()),
                expires_at=now + timedelta(seconds=settings.authorization_code_seconds),
            ).save(force_insert=True)

        def query_authorization_code(self, code: str, client: OAuthClient) -> IssuedCode | None:
            raw = IdentityAuthorizationCodeDoc._get_collection().find_one_and_update(
                {"_id": token_hash(code), "client_id": client.client_id, "used": False, "expires_at": {"$gt": clock.now()}},
                {"$set": {"used": True}},  # a code is exchanged once, even under concurrent requests
            )
            return IssuedCode(IdentityAuthorizationCodeDoc._from_son(raw)) if raw else None

        def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
            authorization_code.doc.delete()

        def authenticate_user(self, authorization_code: IssuedCode) -> GrantUser | None:
            d = authorization_code.doc
            return live_user(d.person_id, d.tenant, d.session_id)

    class RefreshGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_post"]
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
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]

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
            return container.keys.sign(claims)

    class Revocation(RevocationEndpoint):
        CLIENT_AUTH_METHODS = ["none", "client_secret_post"]

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
    """OIDC user info: who the person is, with their school and roles (one read per source)."""
    person = container.directory.get(person_id)
    if person is None:
        return {"sub": person_id}
    info: dict = {"sub": person.id, "name": person.full_name, "preferred_username": person.id}
    if "email" in (scope or "").split() and person.email:
        info["email"] = person.email
    return info


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
            "id_token_signing_alg_values_supported": ["ES256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "jti", "name", "email", "preferred_username",
                                 "tenant", "district", "province", "roles", "unit_roles", "act", "client_id"],
            "ui_locales_supported": ["vi"],
        })

    @bp.get("/oauth/jwks")
    def jwks() -> Response:
        resp = jsonify(container.keys.jwks())
        resp.headers["Cache-Control"] = "public, max-age=60"
        return resp

    @bp.get("/oauth/authorize")
    def authorize() -> Response:
        session = container.signin.session(request.cookies.get(SESSION_COOKIE))
        signed_in = session is not None and session.step == steps.ACTIVE
        if not signed_in and request.args.get("prompt") != "none":
            target = "/oauth/authorize?" + request.query_string.decode()
            return redirect("../auth/sign-in?" + urlencode({"next": target}), code=302)
        user = GrantUser(session.person_id, request.args.get("tenant"), session.public_id) if signed_in else None
        try:
            grant = server.get_consent_grant(end_user=user)
        except OAuth2Error as exc:  # unknown client or redirect URI: never redirect there
            return jsonify(dict(exc.get_body())), exc.status_code
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
        info = user_info(container, me.sub, "openid profile email")
        info.update({"tenant": me.tenant, "district": me.district, "province": me.province,
                     "roles": sorted(me.roles), "unit_roles": sorted([list(p) for p in me.unit_roles]),
                     "act": [dict(on_behalf_of=d.on_behalf_of, role=d.role, unit=d.unit, book_types=list(d.book_types),
                                  until=d.until) for d in me.act]})
        return jsonify(info)

    @bp.route("/oauth/logout", methods=["GET", "POST"])
    def logout() -> Response:
        container.signin.sign_out(request.cookies.get(SESSION_COOKIE))
        target = request.values.get("post_logout_redirect_uri")
        client = platform_clients(settings).get(request.values.get("client_id") or settings.web_client_id)
        allowed = {settings.public_url.rstrip("/") + "/"} | set(client.redirect_uris if client else ())
        resp = redirect(target if target in allowed else "../auth/signed-out", code=302)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    return bp
