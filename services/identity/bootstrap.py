"""Composition root of the identity service: used by create_app, the demo seed, benchmarks and tests."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pymongo.collection import Collection

from services.kernel.clock import Clock
from services.kernel.messaging import Publisher
from services.kernel.mongo import ensure_indexes
from services.kernel.outbox import OutboxRelay
from services.kernel.runtime import Runtime, build_runtime
from services.kernel.settings import load_settings
from services.kernel.tokens import TokenVerifier

from .adapters.documents import ALL_DOCUMENTS, OUTBOX_DOCUMENTS
from .adapters.keystore import SigningKeys
from .adapters.local_keys import LocalKeySource
from .adapters.mail import Mailer, MemoryMailer, OutboxDirMailer, SmtpMailer
from .adapters.outside_oidc import OutsideHttp, OutsideOidcClient, RequestsHttp
from .adapters.passwords import PasswordHasher
from .adapters.repositories import PersonDirectory
from .adapters.secrets_box import SecretBox
from .adapters.throttle_store import ThrottleStore
from .domain.throttle import LockoutPolicy
from .service_layer.access import Access
from .service_layer.admin import AdminService
from .service_layer.campaigns import CampaignService
from .service_layer.delegations import DelegationService
from .service_layer.federation import FederationService
from .service_layer.oversight import OversightService
from .service_layer.passkeys import PasskeyService, RelyingParty
from .service_layer.signin import SignInService
from .service_layer.staff_import import StaffImportService
from .service_layer.tokens import TokenService
from .settings import IdentitySettings

#: Margin during which a superseded signing key stays published after its last token expired.
KEY_KEEP_MARGIN = timedelta(minutes=5)


@dataclass
class Container:
    runtime: Runtime
    settings: IdentitySettings
    keys: SigningKeys
    hasher: PasswordHasher
    box: SecretBox
    mailer: Mailer
    directory: PersonDirectory
    tokens: TokenService
    signin: SignInService
    admin: AdminService
    delegations: DelegationService
    oversight: OversightService
    campaigns: CampaignService
    staff_import: StaffImportService
    federation: FederationService

    def outbox_collections(self) -> list[Collection]:
        """The collections whose documents carry pending events (the all-in-one runner relays them)."""
        return [d._get_collection() for d in OUTBOX_DOCUMENTS]

    def relay(self) -> OutboxRelay:
        """The outbox relay publishing identity's events (run it in a thread or a process)."""
        return self.runtime.relay(self.outbox_collections())


def _mailer(settings: IdentitySettings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(host=settings.smtp_host, port=settings.smtp_port, sender=settings.mail_from,
                          starttls=settings.smtp_starttls, username=settings.smtp_username, password=settings.smtp_password)
    if settings.mail_outbox_dir:
        return OutboxDirMailer(directory=settings.mail_outbox_dir, sender=settings.mail_from)
    if settings.mode == "production":
        raise ValueError("HOSO_IDENTITY_SMTP_HOST is required in production (password reset e-mails)")
    return MemoryMailer()


def bootstrap(
    config: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None, clock: Clock | None = None,
    publisher: Publisher | None = None, verifier: TokenVerifier | None = None, mailer: Mailer | None = None,
    hasher: PasswordHasher | None = None, policy: LockoutPolicy | None = None, outside_http: OutsideHttp | None = None,
) -> Container:
    """Wire identity; ``outside_http`` is how federated sign-in reaches outside providers (tests: a fake)."""
    settings = load_settings(IdentitySettings, os.environ if environ is None else environ, config)
    runtime = build_runtime(settings, db_name=settings.db_name, clock=clock, publisher=publisher, verifier=verifier)
    ensure_indexes(*ALL_DOCUMENTS)
    box = SecretBox.from_base64(settings.kek())
    access_lifetime = timedelta(seconds=settings.access_token_seconds)
    keys = SigningKeys(box=box, clock=runtime.clock, rotate_after=timedelta(days=settings.key_rotation_days),
                       keep_after_superseded=access_lifetime + KEY_KEEP_MARGIN)
    if verifier is None:
        runtime.verifier = TokenVerifier(keys=LocalKeySource(keys=keys), issuer=settings.issuer,
                                         audience=settings.jwt_audience, clock=runtime.clock)
    hasher = hasher or PasswordHasher()
    mailer = mailer or _mailer(settings)
    directory = PersonDirectory()
    tokens = TokenService(keys=keys, directory=directory, clock=runtime.clock, audit=runtime.audit,
                          issuer=settings.issuer, public_url=settings.public_url,
                          access_seconds=settings.access_token_seconds,
                          refresh_lifetime=timedelta(days=settings.refresh_token_days))
    signin = SignInService(
        directory=directory, throttle=ThrottleStore(), hasher=hasher, box=box, clock=runtime.clock, audit=runtime.audit,
        tokens=tokens, mailer=mailer, policy=policy or LockoutPolicy(),
        session_lifetime=timedelta(hours=settings.session_hours),
        reset_lifetime=timedelta(minutes=settings.password_reset_minutes), demo_mode=settings.demo_mode,
        passkeys=PasskeyService(party=RelyingParty.from_public_url(settings.public_url), box=box, clock=runtime.clock,
                                audit=runtime.audit),
    )
    access = Access(audit=runtime.audit, clock=runtime.clock)
    admin = AdminService(access=access, audit=runtime.audit, clock=runtime.clock, hasher=hasher, tokens=tokens,
                         mailer=mailer)
    return Container(
        runtime=runtime, settings=settings, keys=keys, hasher=hasher, box=box, mailer=mailer, directory=directory,
        tokens=tokens, signin=signin, admin=admin,
        delegations=DelegationService(access=access, audit=runtime.audit, clock=runtime.clock),
        oversight=OversightService(admin=admin, audit=runtime.audit, clock=runtime.clock),
        campaigns=CampaignService(audit=runtime.audit, clock=runtime.clock),
        staff_import=StaffImportService(admin=admin, access=access, clock=runtime.clock),
        federation=FederationService(
            client=OutsideOidcClient(http=outside_http or RequestsHttp(), clock=runtime.clock), box=box, audit=runtime.audit,
            clock=runtime.clock, access=access, directory=directory, signin=signin, mailer=mailer,
            redirect_uri=settings.issuer + "/auth/federated-callback", allow_loopback_http=settings.mode != "production"),
    )
