"""Federated sign-in: a school or an oversight unit lets its people sign in with an outside
OpenID Connect provider.

- Configuration (one per school or unit): only the school's ``hieu_truong``/``quan_tri`` (or a PHT
  holding the principal's delegation) or the unit's ``truong_phong``; another organisation is 404.
  The provider's discovery document is fetched and checked when saved; the client secret is sealed
  and never returned nor written to the audit chain (``federation.configured``, ``federation.removed``).
- Sign-in: code + PKCE + state + nonce at the provider, the ID token validated
  (``adapters.outside_oidc``); the outside account counts as the password step only, so roles that
  need a second factor still do it.
- Linking: an outside account (issuer, subject) is linked once, to the person whose recorded e-mail
  equals the provider's *verified* address and who holds a role in the configured organisation,
  and only after that person confirms (their password, or a single-use link mailed to the recorded
  address when they have none). Anything else is refused, nothing is linked, and the refusal is
  audited (``federation.link_refused``). Linked accounts then sign in directly.
"""
from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from mongoengine import NotUniqueError

from services.identity.adapters.documents import (
    IdentityDistrictDoc, IdentityFederatedIdentityDoc, IdentityFederationDoc, IdentityFederationFlowDoc, IdentitySchoolDoc,
)
from services.identity.adapters.mail import Mailer
from services.identity.adapters.outside_oidc import OutsideOidcClient, OutsideTokenInvalid, OutsideUnreachable
from services.identity.adapters.repositories import PersonDirectory, PersonFederatedIdentities, federated_identity
from services.identity.adapters.secrets_box import SecretBox
from services.identity.domain import federation as rules
from services.identity.domain.errors import InvalidValue
from services.identity.domain.federation import Discovery, OutsideAccount
from services.identity.domain.roles import DISTRICT_ONBOARD_ROLES
from services.identity.service_layer.access import Access, Actor
from services.identity.service_layer.signin import SessionView, SignInRefused, SignInService
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.ids import new_id
from services.kernel.principal import Principal

START_LIFETIME = timedelta(minutes=10)
LINK_LIFETIME = timedelta(minutes=30)
MAX_CHOICES = 20
MAX_QUERY_WORDS = 6
DISCOVERY_FAILED = "federation-discovery-failed"
FLOW_EXPIRED = ("Phiên đăng nhập bằng tài khoản khác đã hết hạn hoặc không bắt đầu từ trình duyệt này. "
                "Vui lòng thử lại.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mask_email(email: str) -> str:
    """An address shown before anyone is signed in: "ng•••@truong.edu.vn"."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:2]}•••@{domain}" if domain else "—"


class FederationRefused(Exception):
    """A federated sign-in step cannot continue; ``message`` is shown to the person as is."""

    def __init__(self, message: str, *, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class FederationIn:
    """A configuration as an administrator enters it; ``client_secret`` None keeps the stored one."""

    display_name: str
    issuer: str
    client_id: str
    client_secret: str | None
    email_domains: tuple[str, ...]


@dataclass(frozen=True)
class FederationView:
    """A configuration as administrators read it: never the secret."""

    id: str
    org_kind: str
    org_id: str
    org_name: str
    display_name: str
    issuer: str
    client_id: str
    email_domains: tuple[str, ...]
    redirect_uri: str
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class ProviderChoice:
    """One button of the "Đăng nhập bằng tài khoản khác" page."""

    id: str
    display_name: str
    org_name: str


@dataclass(frozen=True)
class Started:
    """Where to send the browser, and the token its cookie must carry back (it is also ``state``)."""

    url: str
    token: str


@dataclass(frozen=True)
class SignedIn:
    view: SessionView
    next: str


@dataclass(frozen=True)
class NeedsConfirmation:
    """A verified outside account matched a person: the token of the pending link (a cookie)."""

    token: str


@dataclass(frozen=True)
class PendingLink:
    """What the confirmation page shows: whose account, which provider, how to confirm."""

    full_name: str
    email: str
    provider_name: str
    has_password: bool
    mailed: bool
    next: str


@dataclass(frozen=True)
class LinkView:
    id: str
    provider_name: str
    issuer: str
    email: str | None
    created_at: datetime
    last_used_at: datetime | None


class FederationService:
    def __init__(self, *, client: OutsideOidcClient, box: SecretBox, audit: AuditLog, clock: Clock, access: Access,
                 directory: PersonDirectory, signin: SignInService, mailer: Mailer, redirect_uri: str,
                 allow_loopback_http: bool) -> None:
        self._client = client
        self._box = box
        self._audit = audit
        self._clock = clock
        self._access = access
        self._directory = directory
        self._signin = signin
        self._mailer = mailer
        self.redirect_uri = redirect_uri
        self._allow_loopback_http = allow_loopback_http

    # -- configuration ---------------------------------------------------------------------
    def _authorise(self, principal: Principal, kind: str, org_id: str) -> tuple[Actor, str, str | None, str | None]:
        """(actor, organisation name, audit tenant, district) when the caller configures this
        organisation; 404 for another one, 403 for someone of it without the power."""
        if kind == rules.SCHOOL:
            school = IdentitySchoolDoc.objects(id=org_id).only("id", "name", "district_id").first()
            actor = self._access.admin_of(principal, org_id) if school is not None else None
            if actor is not None and school is not None:
                return actor, school.name, school.id, school.district_id
            if school is not None and principal.tenant == org_id:
                raise Forbidden("Chỉ hiệu trưởng và quản trị của trường mới cấu hình được đăng nhập bằng tài khoản khác.")
            raise NotFound()
        unit = IdentityDistrictDoc.objects(id=org_id).only("id", "name").first()
        if unit is not None and principal.district == org_id and principal.tenant is None:
            if principal.roles & DISTRICT_ONBOARD_ROLES:
                return Actor(principal.sub, None), unit.name, None, unit.id
            raise Forbidden("Chỉ trưởng phòng của đơn vị mới cấu hình được đăng nhập bằng tài khoản khác.")
        raise NotFound()

    def _view(self, doc: IdentityFederationDoc) -> FederationView:
        return FederationView(id=doc.id, org_kind=doc.org_kind, org_id=doc.org_id, org_name=doc.org_name,
                              display_name=doc.display_name, issuer=doc.issuer, client_id=doc.client_id,
                              email_domains=tuple(doc.email_domains or ()), redirect_uri=self.redirect_uri,
                              updated_at=doc.updated_at, updated_by=doc.updated_by)

    def get(self, principal: Principal, kind: str, org_id: str) -> FederationView | None:
        """The organisation's configuration, or None when it has none."""
        self._authorise(principal, kind, org_id)
        doc = IdentityFederationDoc.objects(id=rules.config_id(kind, org_id)).first()
        return self._view(doc) if doc else None

    def configure(self, principal: Principal, kind: str, org_id: str, change: FederationIn) -> FederationView:
        """Save the organisation's provider after fetching and checking its discovery document."""
        actor, org_name, tenant, district = self._authorise(principal, kind, org_id)
        fid = rules.config_id(kind, org_id)
        try:
            issuer = rules.check_issuer(change.issuer, allow_loopback_http=self._allow_loopback_http)
            domains = rules.normalise_domains(change.email_domains)
        except InvalidValue as exc:
            raise ValidationFailed(exc.message, field=exc.field) from None
        display = unicodedata.normalize("NFC", change.display_name.strip())
        if not display:
            raise ValidationFailed("Cần nhập tên nút đăng nhập.", field="display_name")
        existing = IdentityFederationDoc.objects(id=fid).first()
        secret = (change.client_secret or "").strip()
        if not secret and existing is None:
            raise ValidationFailed("Cần nhập client secret do nhà cung cấp cấp.", field="client_secret")
        try:
            discovery = self._client.discover(issuer, allow_loopback_http=self._allow_loopback_http)
        except InvalidValue as exc:
            raise ValidationFailed(exc.message, field="issuer", code=DISCOVERY_FAILED) from None
        doc = existing or IdentityFederationDoc(id=fid, org_kind=kind, org_id=org_id)
        issuer_changed = existing is not None and existing.issuer != discovery.issuer
        doc.org_name, doc.district_id, doc.display_name = org_name, district, display
        doc.org_prefixes = rules.search_prefixes(org_name)
        doc.issuer, doc.client_id, doc.email_domains = discovery.issuer, change.client_id.strip(), list(domains)
        doc.authorization_endpoint, doc.token_endpoint = discovery.authorization_endpoint, discovery.token_endpoint
        doc.jwks_uri, doc.token_auth = discovery.jwks_uri, discovery.token_auth
        if secret:
            doc.sealed_client_secret = self._box.seal(secret.encode(), context=f"federation:{fid}")
        doc.updated_at, doc.updated_by = self._clock.now(), actor.sub
        doc.save()
        # links made through another issuer would never match again: they go with it
        dropped = IdentityFederatedIdentityDoc.objects(federation_id=fid).delete() if issuer_changed else 0
        self._audit.append(action="federation.configured", actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                           tenant=tenant, district=district, target=fid,
                           data={"display_name": display, "issuer": doc.issuer, "client_id": doc.client_id,
                                 "email_domains": list(domains), "secret_changed": bool(secret),
                                 "links_removed": int(dropped or 0)})
        return self._view(doc)

    def remove(self, principal: Principal, kind: str, org_id: str) -> bool:
        """Remove the organisation's provider and every link made through it; False when none."""
        actor, _, tenant, district = self._authorise(principal, kind, org_id)
        fid = rules.config_id(kind, org_id)
        doc = IdentityFederationDoc.objects(id=fid).first()
        if doc is None:
            return False
        doc.delete()
        dropped = IdentityFederatedIdentityDoc.objects(federation_id=fid).delete()
        self._audit.append(action="federation.removed", actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                           tenant=tenant, district=district, target=fid,
                           data={"issuer": doc.issuer, "client_id": doc.client_id, "links_removed": int(dropped or 0)})
        return True

    # -- choosing a provider (before sign-in) ------------------------------------------------
    def choices(self, query: str) -> list[ProviderChoice]:
        """Providers for an e-mail address (by its domain) or a school/unit name (the beginnings of
        its words, with or without diacritics: "hoa pho" finds "Trường Tiểu học Hòa Phong")."""
        text = unicodedata.normalize("NFC", (query or "").strip())
        words = rules.search_words(text)[:MAX_QUERY_WORDS]
        if "@" in text:
            found = IdentityFederationDoc.objects(email_domains=rules.email_domain(text))
        elif len("".join(words)) >= 2:
            found = IdentityFederationDoc.objects(org_prefixes__all=words)
        else:
            return []
        docs = found.only("id", "display_name", "org_name").order_by("org_name").limit(MAX_CHOICES)
        return [ProviderChoice(id=d.id, display_name=d.display_name, org_name=d.org_name) for d in docs]

    # -- the flow at the provider ----------------------------------------------------------
    @staticmethod
    def _discovery(doc: IdentityFederationDoc) -> Discovery:
        return Discovery(issuer=doc.issuer, authorization_endpoint=doc.authorization_endpoint,
                         token_endpoint=doc.token_endpoint, jwks_uri=doc.jwks_uri, token_auth=doc.token_auth)

    def _federation(self, federation_id: str) -> IdentityFederationDoc:
        doc = IdentityFederationDoc.objects(id=federation_id).first() if federation_id else None
        if doc is None:
            raise FederationRefused("Cách đăng nhập này không còn được trường hoặc đơn vị cho phép.", status=404)
        return doc

    def start(self, federation_id: str, *, next_path: str, login_hint: str = "") -> Started:
        """A new request to the provider: state (= the browser cookie's token), nonce, PKCE verifier."""
        doc = self._federation(federation_id)
        token, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        IdentityFederationFlowDoc(id=_digest(token), stage="start", federation_id=doc.id, next=next_path, nonce=nonce,
                                  verifier=verifier, expires_at=self._clock.now() + START_LIFETIME).save(force_insert=True)
        url = self._client.authorization_url(self._discovery(doc), client_id=doc.client_id, redirect_uri=self.redirect_uri,
                                             state=token, nonce=nonce, verifier=verifier, login_hint=login_hint)
        return Started(url=url, token=token)

    def _take(self, token: str | None, *, stage: str, **match: str) -> IdentityFederationFlowDoc | None:
        """Remove and return a live flow (single use: of two requests with the same token one wins)."""
        if not token:
            return None
        return IdentityFederationFlowDoc.objects(id=_digest(token), stage=stage, expires_at__gt=self._clock.now(),
                                                 **match).modify(remove=True)

    def callback(self, *, state: str, cookie: str | None, code: str, error: str, ip: str, user_agent: str,
                 device: str | None) -> SignedIn | NeedsConfirmation:
        """The provider sent the browser back. Raises FederationRefused (nothing linked)."""
        if not state or not cookie or not secrets.compare_digest(state, cookie):
            raise FederationRefused(FLOW_EXPIRED, status=400)
        flow = self._take(state, stage="start")
        if flow is None:
            raise FederationRefused(FLOW_EXPIRED, status=400)
        doc = self._federation(flow.federation_id)
        if error or not code:
            raise FederationRefused(f"{doc.display_name}: đăng nhập đã bị hủy hoặc bị từ chối ở nhà cung cấp. "
                                    "Không có tài khoản nào được liên kết.", status=401)
        secret = self._box.open(doc.sealed_client_secret, context=f"federation:{doc.id}").decode()
        try:
            account = self._client.sign_in(self._discovery(doc), client_id=doc.client_id, client_secret=secret, code=code,
                                           redirect_uri=self.redirect_uri, verifier=flow.verifier or "",
                                           nonce=flow.nonce or "")
        except (OutsideUnreachable, OutsideTokenInvalid) as exc:
            self._audit.append(action="federation.sign_in_failed", actor=None, **self._where(doc), target=doc.id,
                               data={"issuer": doc.issuer, "reason": str(exc)[:200]})
            raise FederationRefused(f"Không xác thực được tài khoản với {doc.display_name}. Vui lòng thử lại sau.",
                                    status=502) from None
        link = federated_identity(account.issuer, account.subject)
        if link is not None:
            return self._signed_in_by_link(link, doc, flow.next or "", ip=ip, user_agent=user_agent, device=device)
        return self._propose_link(doc, account, flow.next or "")

    @staticmethod
    def _where(doc: IdentityFederationDoc) -> dict[str, str | None]:
        """The audit chain of an organisation's entries (the school's, else the unit's)."""
        return {"tenant": doc.org_id if doc.org_kind == rules.SCHOOL else None, "district": doc.district_id}

    def _in_org(self, person_id: str, doc: IdentityFederationDoc) -> bool:
        """Whether the person holds an active role in the configuration's school or unit."""
        memberships = self._directory.memberships_of(person_id)
        return any((m.school_id if doc.org_kind == rules.SCHOOL else m.district_id) == doc.org_id for m in memberships)

    def _signed_in_by_link(self, link: IdentityFederatedIdentityDoc, doc: IdentityFederationDoc, next_path: str, *,
                           ip: str, user_agent: str, device: str | None) -> SignedIn:
        if not self._in_org(link.person_id, doc):
            # the person left the organisation whose provider this is: its accounts sign nobody in any more
            self._audit.append(action="federation.link_refused", actor=None, **self._where(doc), target=doc.id,
                               data={"issuer": link.issuer, "subject": link.subject, "email": link.email,
                                     "reason": "left_organisation"})
            raise FederationRefused(rules.refusal_message("left", email=link.email or "", org=doc.org_name))
        try:
            view = self._signin.sign_in_federated(link.person_id, ip=ip, user_agent=user_agent, device=device)
        except SignInRefused as exc:
            raise FederationRefused(exc.message) from None
        IdentityFederatedIdentityDoc.objects(id=link.id).update_one(set__last_used_at=self._clock.now())
        self._audit.append(action="federation.signed_in", actor=link.person_id, tenant=None, target=view.public_id,
                           data={"issuer": link.issuer, "federation": doc.id, "ip": ip})
        return SignedIn(view=view, next=next_path)

    def _propose_link(self, doc: IdentityFederationDoc, account: OutsideAccount, next_path: str) -> NeedsConfirmation:
        reason = rules.link_refusal(account, domains=tuple(doc.email_domains or ()))
        person = None
        if reason is None:
            person = self._directory.find_by_login(account.email)
            if person is None or (person.email or "").lower() != account.email or not self._in_org(person.id, doc):
                reason = "no_person"
            elif not person.active:
                reason = "inactive"
        if reason is not None or person is None:
            self._audit.append(action="federation.link_refused", actor=None, **self._where(doc), target=doc.id,
                               data={"issuer": account.issuer, "subject": account.subject, "email": account.email,
                                     "email_verified": account.email_verified, "reason": reason})
            raise FederationRefused(rules.refusal_message(reason or "no_person", email=account.email, org=doc.org_name))
        token = secrets.token_urlsafe(32)
        IdentityFederationFlowDoc(id=_digest(token), stage="link", federation_id=doc.id, next=next_path,
                                  person_id=person.id, issuer=account.issuer, subject=account.subject, email=account.email,
                                  expires_at=self._clock.now() + LINK_LIFETIME).save(force_insert=True)
        return NeedsConfirmation(token=token)

    # -- confirming a link -----------------------------------------------------------------
    def _pending(self, token: str | None) -> IdentityFederationFlowDoc:
        doc = IdentityFederationFlowDoc.objects(id=_digest(token), stage="link",
                                                expires_at__gt=self._clock.now()).first() if token else None
        if doc is None:
            raise FederationRefused(FLOW_EXPIRED, status=400)
        return doc

    def pending(self, token: str | None) -> PendingLink:
        """The link waiting for confirmation in this browser; raises FederationRefused."""
        flow = self._pending(token)
        person = self._directory.get(flow.person_id or "")
        fed = self._federation(flow.federation_id)
        if person is None:
            raise FederationRefused(FLOW_EXPIRED, status=400)
        return PendingLink(full_name=person.full_name, email=mask_email(flow.email or ""), provider_name=fed.display_name,
                           has_password=bool(person.password_hash), mailed=bool(flow.mail_token), next=flow.next or "")

    def confirm_with_password(self, token: str | None, password: str, *, ip: str, user_agent: str, device: str | None,
                              known: str) -> tuple[SessionView, str]:
        """The person confirms with their password (the ordinary sign-in checks and delays apply);
        the link is made and the session continues as after a password. Raises SignInRefused for a
        wrong password, FederationRefused when the pending link is gone."""
        flow = self._pending(token)
        view = self._signin.sign_in(login=flow.person_id or "", password=password, ip=ip, user_agent=user_agent,
                                    device=device, known=known)
        taken = self._take(token, stage="link")
        if taken is None:
            self._signin.sign_out(view.token)
            raise FederationRefused(FLOW_EXPIRED, status=400)
        self._link(taken, how="password")
        return view, taken.next or ""

    def mail_confirmation(self, token: str | None, *, link_base: str) -> None:
        """For a person without a password: mail a single-use confirmation link to the recorded address."""
        flow = self._pending(token)
        person = self._directory.get(flow.person_id or "")
        fed = self._federation(flow.federation_id)
        if person is None or not person.email:
            raise FederationRefused(FLOW_EXPIRED, status=400)
        mail_token = secrets.token_urlsafe(32)
        IdentityFederationFlowDoc.objects(id=flow.id).update_one(set__mail_token=_digest(mail_token))
        minutes = int(LINK_LIFETIME.total_seconds() // 60)
        self._mailer.send(
            to=person.email, subject="HoSo: xác nhận liên kết tài khoản",
            text=(f"Xin chào {person.full_name},\n\nCó người vừa đăng nhập bằng {fed.display_name} với địa chỉ "
                  f"{person.email} và muốn liên kết với tài khoản HoSo của bạn. Nếu đó là bạn, hãy mở liên kết sau "
                  f"trên cùng trình duyệt đó (dùng được một lần, trong {minutes} phút):\n\n{link_base}?mail={mail_token}\n\n"
                  "Nếu không phải bạn, hãy bỏ qua thư này: không có gì được liên kết."),
        )
        self._audit.append(action="federation.link_mailed", actor=None, tenant=None, target=person.id,
                           data={"federation": fed.id, "issuer": flow.issuer})

    def confirm_by_mail(self, token: str | None, mail_token: str, *, ip: str, user_agent: str,
                        device: str | None) -> tuple[SessionView, str]:
        """The mailed link opened in the browser that started the sign-in: link and sign in."""
        flow = self._take(token, stage="link", mail_token=_digest(mail_token)) if mail_token else None
        if flow is None:
            raise FederationRefused("Liên kết xác nhận không còn hiệu lực hoặc được mở trên trình duyệt khác với "
                                    "trình duyệt đã đăng nhập. Vui lòng đăng nhập lại bằng tài khoản khác.", status=410)
        self._link(flow, how="mail")
        try:
            view = self._signin.sign_in_federated(flow.person_id or "", ip=ip, user_agent=user_agent, device=device)
        except SignInRefused as exc:
            raise FederationRefused(exc.message) from None
        return view, flow.next or ""

    def _link(self, flow: IdentityFederationFlowDoc, *, how: str) -> None:
        fed = self._federation(flow.federation_id)
        try:
            IdentityFederatedIdentityDoc(id=new_id(), person_id=flow.person_id, issuer=flow.issuer, subject=flow.subject,
                                         email=flow.email, federation_id=fed.id, provider_name=fed.display_name,
                                         created_at=self._clock.now()).save(force_insert=True)
        except NotUniqueError:
            raise FederationRefused("Tài khoản này đã được liên kết với một tài khoản HoSo.", status=409) from None
        self._audit.append(action="federation.linked", actor=flow.person_id, tenant=None, target=flow.person_id,
                           data={"federation": fed.id, "issuer": flow.issuer, "subject": flow.subject,
                                 "email": flow.email, "confirmed_by": how})

    # -- a person's own links --------------------------------------------------------------
    def links_of(self, person_id: str) -> list[LinkView]:
        return [LinkView(id=d.id, provider_name=d.provider_name, issuer=d.issuer, email=d.email, created_at=d.created_at,
                         last_used_at=d.last_used_at) for d in PersonFederatedIdentities(person_id).all()]

    def unlink(self, person_id: str, link_id: str) -> bool:
        """Remove one of the person's own links (another person's id is not found)."""
        removed = PersonFederatedIdentities(person_id).remove(link_id)
        if removed is None:
            return False
        self._audit.append(action="federation.unlinked", actor=person_id, tenant=None, target=person_id,
                           data={"issuer": removed.issuer, "federation": removed.federation_id})
        return True
