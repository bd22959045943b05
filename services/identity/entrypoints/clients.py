"""The OAuth clients of the platform, from settings (no database read per request): the web
app's public PKCE client (OpenID Connect and API scopes) and one confidential client-credentials
client per HoSo service, which may ask only for the scopes of its declared calls."""
from __future__ import annotations

import hmac
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.util import scope_to_list

from services.identity.domain.audiences import OIDC_SCOPES
from services.identity.settings import IdentitySettings
from services.kernel.audiences import ALL_API_SCOPES, SERVICE_CALLS, call_scopes

WEB_SCOPES = (*OIDC_SCOPES, *ALL_API_SCOPES)
#: Every scope a client may ask for: OpenID Connect's, the API scopes, the declared service calls.
SUPPORTED_SCOPES = (*WEB_SCOPES, *dict.fromkeys(c.scope for c in SERVICE_CALLS))
SECRET_METHODS = ("client_secret_basic", "client_secret_post")


@dataclass(frozen=True)
class OAuthClient(ClientMixin):
    client_id: str
    secret: str | None
    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]
    auth_methods: tuple[str, ...]
    #: the registered ``id_token_signed_response_alg`` (OIDC Registration; RS256 unless registered otherwise)
    id_token_alg: str = "RS256"

    @property
    def is_public(self) -> bool:
        return self.secret is None

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        return " ".join(s for s in scope_to_list(scope) if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.secret is not None and hmac.compare_digest(self.secret.encode(), (client_secret or "").encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in self.auth_methods

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


def platform_clients(settings: IdentitySettings) -> dict[str, OAuthClient]:
    """The web client (public, PKCE) and the service clients that have a secret configured.

    Service clients authenticate with ``client_secret_basic`` or ``client_secret_post`` (the
    kernel's web shell leaves non-Bearer ``Authorization`` headers to the route).
    """
    clients = {settings.web_client_id: OAuthClient(
        client_id=settings.web_client_id, secret=None, redirect_uris=tuple(settings.redirect_uris()),
        grant_types=("authorization_code", "refresh_token"), scopes=WEB_SCOPES, auth_methods=("none",),
        id_token_alg=settings.web_id_token_alg,
    )}
    for name, secret in settings.service_client_secrets().items():
        clients[name] = OAuthClient(client_id=name, secret=secret, redirect_uris=(), grant_types=("client_credentials",),
                                    scopes=call_scopes(name), auth_methods=SECRET_METHODS)
    return clients
