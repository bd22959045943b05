"""The federated sign-in API under ``/api/v1``: an organisation's outside provider
(``GET|PUT|DELETE /schools/<id>/federation``, ``/districts/<id>/federation``) and a person's own
links (``GET /me/federated-identities``, ``DELETE /me/federated-identities/<id>``). The client
secret is write-only. Rights are checked in the service layer; another organisation is 404."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from services.identity.bootstrap import Container
from services.identity.domain.federation import DISTRICT, MAX_DOMAINS, SCHOOL
from services.identity.service_layer.federation import FederationIn, FederationView
from services.kernel.api import Api
from services.kernel.context import current_principal
from services.kernel.errors import NotFound
from services.kernel.permissions import require_principal


class FederationBody(BaseModel):
    """An organisation's provider; the organisation is the one in the path (a body naming another is refused)."""

    model_config = ConfigDict(extra="forbid")
    display_name: str = Field(min_length=1, max_length=120,
                              description="the sign-in button: “Đăng nhập bằng Google Workspace của trường”")
    issuer: str = Field(min_length=8, max_length=300, description="the provider's issuer URL (https)")
    client_id: str = Field(min_length=1, max_length=300)
    client_secret: str | None = Field(default=None, min_length=1, max_length=500,
                                      description="write-only; omitted on a change: the stored secret is kept")
    email_domains: list[str] = Field(default_factory=list, max_length=MAX_DOMAINS,
                                     description="allowed e-mail domains; empty: any address the school recorded")


class FederationOut(BaseModel):
    id: str
    org_kind: str
    org_id: str
    org_name: str
    display_name: str
    issuer: str
    client_id: str
    email_domains: list[str]
    updated_at: datetime
    updated_by: str


class FederationState(BaseModel):
    federation: FederationOut | None = Field(description="null: the organisation lets nobody sign in from outside")
    redirect_uri: str = Field(description="the redirect URI to register with the provider")


class LinkOut(BaseModel):
    id: str
    provider_name: str
    issuer: str
    email: str | None
    created_at: datetime
    last_used_at: datetime | None


class LinkList(BaseModel):
    items: list[LinkOut]


def _out(view: FederationView) -> FederationOut:
    return FederationOut.model_validate(view, from_attributes=True)


def federation_api_blueprint(container: Container, api: Api) -> Blueprint:
    """The routes of the module docstring."""
    bp = Blueprint("identity_federation_api", __name__, url_prefix="/api/v1")
    service = container.federation

    def me():
        return require_principal(current_principal())

    def state(kind: str, org_id: str) -> FederationState:
        view = service.get(me(), kind, org_id)
        return FederationState(federation=_out(view) if view else None, redirect_uri=service.redirect_uri)

    def save(kind: str, org_id: str, body: FederationBody) -> FederationState:
        view = service.configure(me(), kind, org_id, FederationIn(
            display_name=body.display_name, issuer=body.issuer, client_id=body.client_id,
            client_secret=body.client_secret, email_domains=tuple(body.email_domains)))
        return FederationState(federation=_out(view), redirect_uri=service.redirect_uri)

    def remove(kind: str, org_id: str):
        if not service.remove(me(), kind, org_id):
            raise NotFound("Trường hoặc đơn vị chưa cấu hình đăng nhập bằng tài khoản khác.")
        return "", 204

    @api.route(bp, "/schools/<school_id>/federation", response=FederationState, tags=["federation"])
    def get_school_federation(school_id: str) -> FederationState:
        """The school's outside provider (never its secret), and the redirect URI to register."""
        return state(SCHOOL, school_id)

    @api.route(bp, "/schools/<school_id>/federation", methods=["PUT"], body=FederationBody, response=FederationState,
               tags=["federation"])
    def put_school_federation(school_id: str, body: FederationBody) -> FederationState:
        """Let the school's people sign in with an outside provider (discovery is checked first)."""
        return save(SCHOOL, school_id, body)

    @api.route(bp, "/schools/<school_id>/federation", methods=["DELETE"], status=204, tags=["federation"])
    def delete_school_federation(school_id: str):
        """Stop it; every link made through it is removed."""
        return remove(SCHOOL, school_id)

    @api.route(bp, "/districts/<district_id>/federation", response=FederationState, tags=["federation"])
    def get_district_federation(district_id: str) -> FederationState:
        """The oversight unit's outside provider (never its secret), and the redirect URI to register."""
        return state(DISTRICT, district_id)

    @api.route(bp, "/districts/<district_id>/federation", methods=["PUT"], body=FederationBody,
               response=FederationState, tags=["federation"])
    def put_district_federation(district_id: str, body: FederationBody) -> FederationState:
        """Let the unit's people (its staff and its schools' people) sign in with an outside provider."""
        return save(DISTRICT, district_id, body)

    @api.route(bp, "/districts/<district_id>/federation", methods=["DELETE"], status=204, tags=["federation"])
    def delete_district_federation(district_id: str):
        """Stop it; every link made through it is removed."""
        return remove(DISTRICT, district_id)

    @api.route(bp, "/me/federated-identities", response=LinkList, tags=["me"])
    def my_links() -> LinkList:
        """The outside accounts linked to mine."""
        return LinkList(items=[LinkOut(**link.__dict__) for link in service.links_of(me().sub)])

    @api.route(bp, "/me/federated-identities/<link_id>", methods=["DELETE"], status=204, tags=["me"])
    def remove_my_link(link_id: str):
        """Remove one of my links (another person's is not found)."""
        if not service.unlink(me().sub, link_id):
            raise NotFound()
        return "", 204

    return bp
