"""Signing in on the identity pages: password (growing delays per account from unknown devices,
spraying limits per address; devices the person signed in from keep working) or a passkey alone,
second factor (a passkey or a TOTP code), forced password change, the one-time passkey offer, TOTP
enrolment, sign-out, password reset by e-mailed single-use link, and a person's list of active sessions.

A browser session is a random token in a cookie; the database keeps only its SHA-256. Every
refusal of a password says the same thing whether or not the account exists.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp

from services.identity.adapters.documents import IdentityPasswordResetDoc, IdentityPersonDoc, IdentitySessionDoc
from services.identity.adapters.passwords import PasswordHasher
from services.identity.adapters.repositories import PersonDirectory
from services.identity.adapters.secrets_box import SecretBox
from services.identity.adapters.throttle_store import ThrottleStore
from services.identity.adapters.mail import Mailer
from services.identity.domain import signin_steps as steps
from services.identity.domain.errors import InvalidValue
from services.identity.domain.passwords import check_new_password
from services.identity.domain.roles import needs_second_factor, passkey_first
from services.identity.domain.throttle import (
    WRONG_CREDENTIALS_MESSAGE, LockoutPolicy, account_key, known_device_key, lock_message, locked_until, reset_key,
    second_factor_key, spray_key,
)
from services.identity.service_layer.events import person_event
from services.identity.service_layer.passkeys import PasskeyRefused, PasskeyService
from services.identity.service_layer.tokens import TokenService, token_hash
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.ids import new_id

MAX_KNOWN_DEVICES = 20
#: accounts one browser is remembered for in its known-device cookie (a shared staff-room computer)
MAX_KNOWN_ACCOUNTS = 8
WRONG_CODE_MESSAGE = "Mã xác thực không đúng hoặc đã hết hạn."
PASSKEY_SIGN_IN_REFUSED = "Không đăng nhập được bằng passkey này. Vui lòng thử lại hoặc đăng nhập bằng mật khẩu."
INVITATION_LIFETIME = timedelta(days=7)
RESET_EXPIRED_MESSAGE = "Liên kết đặt lại mật khẩu không còn hiệu lực. Vui lòng yêu cầu liên kết mới."


def describe_device(user_agent: str) -> str:
    """A short human description of a browser from its User-Agent (browser on system)."""
    ua = user_agent or ""
    browser = next((name for key, name in (("Edg/", "Edge"), ("OPR/", "Opera"), ("CocCoc", "Cốc Cốc"),
                                            ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
                    if key in ua), "trình duyệt không rõ")
    system = next((name for key, name in (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
                                          ("Windows", "Windows"), ("Mac OS", "macOS"), ("Linux", "Linux"))
                   if key in ua), "hệ điều hành không rõ")
    return f"{browser} trên {system}"


class SignInRefused(Exception):
    """A sign-in step failed; ``message`` is shown to the person as is (Vietnamese)."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.locked = locked


@dataclass(frozen=True)
class SessionView:
    """A browser session as the pages see it."""

    token: str
    public_id: str
    person_id: str
    step: str
    #: the known-device cookie value to set after a correct password (None: leave the cookie as is)
    known_cookie: str | None = None
    #: when the person completed the sign-in (None until then): the ID token's ``auth_time``
    authenticated_at: datetime | None = None


class SignInService:
    def __init__(
        self, *, directory: PersonDirectory, throttle: ThrottleStore, hasher: PasswordHasher, box: SecretBox,
        clock: Clock, audit: AuditLog, tokens: TokenService, mailer: Mailer, policy: LockoutPolicy,
        session_lifetime: timedelta, reset_lifetime: timedelta, demo_mode: bool, passkeys: PasskeyService,
        totp_issuer: str = "HoSo",
    ) -> None:
        self._directory = directory
        self._throttle = throttle
        self._hasher = hasher
        self._box = box
        self._clock = clock
        self._audit = audit
        self._tokens = tokens
        self._mailer = mailer
        self._policy = policy
        self._session_lifetime = session_lifetime
        self._reset_lifetime = reset_lifetime
        self.demo_mode = demo_mode
        self.passkeys = passkeys
        self._totp_issuer = totp_issuer

    # -- password ------------------------------------------------------------------------------
    def sign_in(self, *, login: str, password: str, ip: str, user_agent: str, device: str | None,
                known: str = "") -> SessionView:
        """Check the password; returns a new session at its next step. Raises SignInRefused.

        ``device`` is the browser's device cookie and ``known`` its signed known-device cookie: a
        browser the person signed in from before is throttled on its own key, so nobody else's
        failures slow it down. Other attempts are throttled per account (as typed) and, against
        spraying, per address.
        """
        now = self._clock.now()
        person = self._directory.find_by_login(login)
        tag = self._device_tag(person.id, device) if person is not None and device else None
        recognised = tag is not None and tag in self._known_tags(known)
        acct = known_device_key(tag) if recognised and tag else account_key(login)
        rule = self._policy.spray
        spray_now, spray_before = spray_key(ip, rule.bucket(now)), spray_key(ip, rule.bucket(now) - 1)
        counters, distinct = self._throttle.state([acct] if recognised else [acct, spray_now, spray_before])
        until = max(filter(None, (
            locked_until(counters.get(acct), now),
            None if recognised else rule.refused_until(distinct.get(spray_now, 0), distinct.get(spray_before, 0), now),
        )), default=None)
        if until is not None:
            raise SignInRefused(lock_message(until, now), locked=True)
        usable = person is not None and person.active
        ok = self._hasher.verify(person.password_hash if usable else None, password or "")
        if not ok:
            self._fail(acct, now, spray=None if recognised else (spray_now, account_key(login)))
        assert person is not None
        self._throttle.clear(acct)
        if self._hasher.needs_rehash(person.password_hash):
            person.password_hash = self._hasher.hash(password)
        self._note_device(person, device, ip, user_agent)
        person.save()
        view = self._open_session(person, ip=ip, user_agent=user_agent, device=device)
        if tag is None:
            return view
        tags = [t for t in self._known_tags(known) if t != tag][-(MAX_KNOWN_ACCOUNTS - 1):] + [tag]
        return SessionView(view.token, view.public_id, view.person_id, view.step, known_cookie=".".join(tags))

    def sign_in_with_passkey(self, *, credential: str, ip: str, user_agent: str, device: str | None) -> SessionView:
        """"Đăng nhập bằng passkey": the passkey alone (user verification stands for the password).
        Refusals say one thing; a refused answer for a known passkey counts on its holder's
        second-factor key (the same growing delays as wrong codes)."""
        passkey = self.passkeys.holder(credential) if self.passkeys.available else None
        person = self._directory.get(passkey.person_id) if passkey is not None else None
        if passkey is None or person is None or not person.active:
            raise SignInRefused(PASSKEY_SIGN_IN_REFUSED)
        key = self._second_factor_allowed(person)
        try:
            self.passkeys.sign_in(passkey, credential)
        except PasskeyRefused:
            self._throttle.record(key, self._policy.second_factor, self._clock.now())
            self._audit.append(action="passkey.refused", actor=person.id, tenant=None, target=person.id,
                               data={"passwordless": True})
            raise SignInRefused(PASSKEY_SIGN_IN_REFUSED) from None
        self._throttle.clear(key)
        self._note_device(person, device, ip, user_agent)
        person.save()
        return self._open_session(person, ip=ip, user_agent=user_agent, device=device,
                                  done=(steps.PASSWORD, steps.SECOND_FACTOR))

    def sign_in_federated(self, person_id: str, *, ip: str, user_agent: str, device: str | None) -> SessionView:
        """A sign-in whose first factor an outside provider proved for a linked account: the password
        step (and a forced password change) count as done; a second factor the roles need still follows."""
        person = self._directory.get(person_id)
        if person is None or not person.active:
            raise SignInRefused("Tài khoản HoSo liên kết với tài khoản này đã bị khóa. Hãy liên hệ quản trị của trường.")
        self._note_device(person, device, ip, user_agent)
        person.save()
        return self._open_session(person, ip=ip, user_agent=user_agent, device=device,
                                  done=(steps.PASSWORD, steps.CHANGE_PASSWORD))

    def _device_tag(self, person_id: str, device: str) -> str:
        """The signed tag binding this browser's device cookie to one account."""
        return self._box.mac(f"{person_id}\0{device}", context="known-device")

    @staticmethod
    def _known_tags(cookie: str | None) -> list[str]:
        return [t for t in (cookie or "").split(".") if t][-MAX_KNOWN_ACCOUNTS:]

    def _fail(self, acct: str, now: datetime, *, spray: tuple[str, str] | None) -> None:
        """Count a wrong password (on the account or known-device key, and for spraying on the
        address) and refuse with the one message that never says whether the account exists."""
        counter = self._throttle.record(acct, self._policy.account, now)
        if spray is not None:
            key, member = spray
            self._throttle.add_distinct(key, member, expires_at=now + 2 * self._policy.spray.window)
        if counter.locked_until is not None and counter.failures == self._policy.account.free_failures:
            self._audit.append(action="signin.throttled", actor=None, tenant=None, target=acct,
                               data={"failures": counter.failures})
        raise SignInRefused(WRONG_CREDENTIALS_MESSAGE)

    def _note_device(self, person: IdentityPersonDoc, device: str | None, ip: str, user_agent: str) -> None:
        """Remember the device; a sign-in from an unknown device of a returning person raises an event."""
        if not device:
            return
        digest = token_hash(device)
        known = list(person.known_devices or [])
        if digest in known:
            return
        if known:
            person.record_event(person_event(
                "identity.signin.new_device", person, clock=self._clock,
                data={"person": person.id, "email": person.email, "device": describe_device(user_agent), "ip": ip,
                      "at": self._clock.now().isoformat()},
            ))
        person.known_devices = (known + [digest])[-MAX_KNOWN_DEVICES:]

    def _open_session(self, person: IdentityPersonDoc, *, ip: str, user_agent: str, device: str | None,
                      done: tuple[str, ...] = (steps.PASSWORD,)) -> SessionView:
        now = self._clock.now()
        token = secrets.token_urlsafe(32)
        doc = IdentitySessionDoc(
            id=token_hash(token), public_id=new_id(), person_id=person.id, stage="", done=list(done),
            device=token_hash(device) if device else None, user_agent=user_agent[:300],
            ip=ip, created_at=now, last_seen_at=now, expires_at=now + self._session_lifetime,
        )
        doc.stage = self._next(doc, person)
        doc.save(force_insert=True)
        if doc.stage == steps.ACTIVE:
            self._signed_in(doc, person)
        return self._view(token, doc)

    def _next(self, session: IdentitySessionDoc, person: IdentityPersonDoc) -> str:
        roles = {m.role for m in self._directory.memberships_of(person.id)}
        # passkeys only count where browsers can use them (not when the platform is reached by an IP address)
        has_passkey = self.passkeys.available and (person.passkey_count or 0) > 0
        return steps.next_step(
            done=set(session.done or ()), totp_enabled=bool(person.totp_enabled),
            must_change_password=bool(person.must_change_password), totp_required=needs_second_factor(roles),
            has_passkey=has_passkey,
            offer_passkey=self.passkeys.available and passkey_first(roles) and person.second_factor_choice is None,
        )

    def _signed_in(self, session: IdentitySessionDoc, person: IdentityPersonDoc) -> None:
        session.authenticated_at = self._clock.now()
        IdentitySessionDoc.objects(id=session.id).update_one(set__authenticated_at=session.authenticated_at)
        self._audit.append(action="signin.succeeded", actor=person.id, tenant=None, target=session.public_id,
                           data={"ip": session.ip})

    def _view(self, token: str, doc: IdentitySessionDoc) -> SessionView:
        return SessionView(token, doc.public_id, doc.person_id, doc.stage,
                           authenticated_at=doc.authenticated_at or (doc.created_at if doc.stage == steps.ACTIVE else None))

    def _advance(self, token: str, doc: IdentitySessionDoc, person: IdentityPersonDoc, *steps_done: str) -> SessionView:
        doc.done = sorted(set(doc.done or ()) | set(steps_done))
        before = doc.stage
        doc.stage = self._next(doc, person)
        doc.last_seen_at = self._clock.now()
        doc.save()
        if doc.stage == steps.ACTIVE and before != steps.ACTIVE:
            self._signed_in(doc, person)
        return self._view(token, doc)

    # -- sessions ------------------------------------------------------------------------------
    def session(self, token: str | None) -> SessionView | None:
        """The live session of a cookie token (at whatever step), or None."""
        if not token:
            return None
        doc = IdentitySessionDoc.objects(id=token_hash(token), revoked_at=None, expires_at__gt=self._clock.now()).first()
        return self._view(token, doc) if doc else None

    def _live(self, token: str, step: str) -> tuple[IdentitySessionDoc, IdentityPersonDoc]:
        doc = IdentitySessionDoc.objects(id=token_hash(token), revoked_at=None, expires_at__gt=self._clock.now()).first()
        if doc is None or doc.stage != step:
            raise SignInRefused("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.")
        person = self._directory.get(doc.person_id)
        if person is None or not person.active:
            raise SignInRefused("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.")
        return doc, person

    def sign_out(self, token: str | None) -> None:
        """End the browser session and every refresh token issued through it."""
        if not token:
            return
        doc = IdentitySessionDoc.objects(id=token_hash(token), revoked_at=None).first()
        if doc is not None:
            self._end_session(doc, actor=doc.person_id)

    def _end_session(self, doc: IdentitySessionDoc, *, actor: str) -> None:
        doc.revoked_at = self._clock.now()
        doc.save()
        self._tokens.revoke_session_tokens(doc.public_id)
        self._audit.append(action="session.revoked", actor=actor, tenant=None, target=doc.public_id,
                           data={"person_id": doc.person_id})

    def sessions_of(self, person_id: str) -> list[IdentitySessionDoc]:
        """The person's active sessions, newest first."""
        return list(IdentitySessionDoc.objects(person_id=person_id, revoked_at=None, expires_at__gt=self._clock.now(),
                                       stage=steps.ACTIVE).order_by("-created_at"))

    def revoke_session(self, person_id: str, public_id: str) -> bool:
        """A person ends one of their own sessions (signing that device out)."""
        doc = IdentitySessionDoc.objects(person_id=person_id, public_id=public_id, revoked_at=None).first()
        if doc is None:
            return False
        self._end_session(doc, actor=person_id)
        return True

    def end_every_session(self, person_id: str) -> int:
        """"Đăng xuất khỏi mọi thiết bị": every browser session of the person ends, the asking one
        included, with every refresh-token family (also those issued without a session); audited
        once with the count. Returns how many sessions ended."""
        now = self._clock.now()
        ended = IdentitySessionDoc.objects(person_id=person_id, revoked_at=None).update(set__revoked_at=now)
        families = self._tokens.revoke_person_tokens(person_id)
        self._audit.append(action="sessions.ended_everywhere", actor=person_id, tenant=None, target=person_id,
                           data={"sessions": ended, "refresh_tokens": families})
        return ended

    # -- second factor -------------------------------------------------------------------------
    def _check_code(self, person: IdentityPersonDoc, secret: str, code: str) -> bool:
        totp = pyotp.TOTP(secret)
        now = self._clock.now()
        code = "".join((code or "").split())
        for offset in (0, -1, 1):
            at = now + timedelta(seconds=30 * offset)
            step = int(at.timestamp()) // 30
            if step > (person.totp_last_step or 0) and secrets.compare_digest(totp.at(at), code):
                person.totp_last_step = step  # each code works once
                return True
        return False

    def _second_factor_allowed(self, person: IdentityPersonDoc) -> str:
        """The person's second-factor throttle key; refuses while a growing delay runs."""
        key = second_factor_key(person.id)
        now = self._clock.now()
        until = locked_until(self._throttle.counters([key]).get(key), now)
        if until is not None:
            raise SignInRefused(lock_message(until, now), locked=True)
        return key

    def second_factor_methods(self, token: str) -> tuple[bool, bool]:
        """Which second factors the person can use now: (passkey, TOTP code)."""
        _, person = self._live(token, steps.SECOND_FACTOR)
        return (self.passkeys.available and (person.passkey_count or 0) > 0), bool(person.totp_enabled)

    def passkey_request(self, token: str) -> str:
        """Options for ``navigator.credentials.get`` at the second-factor step (a new challenge)."""
        doc, person = self._live(token, steps.SECOND_FACTOR)
        return self.passkeys.authentication_options(doc, person)

    def verify_passkey(self, token: str, credential: str) -> SessionView:
        """The second factor by passkey; failures get the same growing delays as wrong codes."""
        doc, person = self._live(token, steps.SECOND_FACTOR)
        key = self._second_factor_allowed(person)
        try:
            self.passkeys.authenticate(doc, person, credential)
        except PasskeyRefused as exc:
            self._throttle.record(key, self._policy.second_factor, self._clock.now())
            self._audit.append(action="passkey.refused", actor=person.id, tenant=None, target=person.id,
                               data={"session": doc.public_id})
            raise SignInRefused(exc.message) from None
        self._throttle.clear(key)
        return self._advance(token, doc, person, steps.SECOND_FACTOR)

    # -- the passkey offer ---------------------------------------------------------------------
    def passkey_offer(self, token: str) -> str:
        """Options for ``navigator.credentials.create`` on the offer page (a new challenge)."""
        doc, person = self._live(token, steps.OFFER_PASSKEY)
        return self.passkeys.registration_options(doc, person)

    def accept_passkey_offer(self, token: str, credential: str, name: str) -> SessionView:
        """Register the passkey just created: it is the person's second factor from now on (user
        verification at its creation proves it for this sign-in too)."""
        doc, person = self._live(token, steps.OFFER_PASSKEY)
        try:
            self.passkeys.register(doc, person, credential, name)
        except PasskeyRefused as exc:
            raise SignInRefused(exc.message) from None
        person.second_factor_choice = "passkey"
        person.save()
        return self._advance(token, doc, person, steps.OFFER_PASSKEY, steps.SECOND_FACTOR)

    def choose_totp(self, token: str) -> SessionView:
        """The person prefers an authenticator app: stored, so the offer is never shown again."""
        doc, person = self._live(token, steps.OFFER_PASSKEY)
        person.second_factor_choice = "totp"
        person.save()
        self._audit.append(action="passkey.offer_declined", actor=person.id, tenant=None, target=person.id, data={})
        return self._advance(token, doc, person, steps.OFFER_PASSKEY)

    def postpone_passkey_offer(self, token: str) -> SessionView:
        """Demo mode only: no passkey and no TOTP for this session; the offer comes back next time."""
        if not self.demo_mode:
            raise SignInRefused("Vai trò của bạn bắt buộc xác thực hai lớp.")
        doc, person = self._live(token, steps.OFFER_PASSKEY)
        self._audit.append(action="passkey.postponed_demo", actor=person.id, tenant=None, target=person.id, data={})
        return self._advance(token, doc, person, steps.OFFER_PASSKEY, steps.ENROL_TOTP)

    # -- the person's own passkeys (signed in) -------------------------------------------------
    def signed_in_person(self, token: str) -> tuple[IdentitySessionDoc, IdentityPersonDoc]:
        """The active session and its person (the passkey list page); raises SignInRefused."""
        return self._live(token, steps.ACTIVE)

    def factor_required(self, person: IdentityPersonDoc) -> bool:
        """Whether the person's roles require a second factor (then the last one cannot be removed)."""
        return needs_second_factor({m.role for m in self._directory.memberships_of(person.id)})

    def verify_totp(self, token: str, code: str, *, ip: str) -> SessionView:
        doc, person = self._live(token, steps.SECOND_FACTOR)
        key = self._second_factor_allowed(person)
        now = self._clock.now()
        secret = self._box.open(person.totp_secret, context=f"totp:{person.id}").decode()
        if not self._check_code(person, secret, code):
            self._throttle.record(key, self._policy.second_factor, now)
            raise SignInRefused(WRONG_CODE_MESSAGE)
        self._throttle.clear(key)
        person.save()
        return self._advance(token, doc, person, steps.SECOND_FACTOR)

    def enrolment(self, token: str) -> tuple[str, str]:
        """The secret and ``otpauth://`` URI to enrol (created once per person until confirmed)."""
        doc, person = self._live(token, steps.ENROL_TOTP)
        if person.totp_secret:
            secret = self._box.open(person.totp_secret, context=f"totp:{person.id}").decode()
        else:
            secret = pyotp.random_base32()
            person.totp_secret = self._box.seal(secret.encode(), context=f"totp:{person.id}")
            person.save()
        uri = pyotp.TOTP(secret).provisioning_uri(name=person.email or person.id, issuer_name=self._totp_issuer)
        return secret, uri

    def confirm_enrolment(self, token: str, code: str) -> SessionView:
        doc, person = self._live(token, steps.ENROL_TOTP)
        if not person.totp_secret:
            raise SignInRefused(WRONG_CODE_MESSAGE)
        secret = self._box.open(person.totp_secret, context=f"totp:{person.id}").decode()
        if not self._check_code(person, secret, code):
            raise SignInRefused(WRONG_CODE_MESSAGE)
        person.totp_enabled = True
        person.save()
        self._audit.append(action="totp.enrolled", actor=person.id, tenant=None, target=person.id, data={})
        return self._advance(token, doc, person, steps.ENROL_TOTP, steps.SECOND_FACTOR)  # the code just proved the factor

    def postpone_enrolment(self, token: str) -> SessionView:
        """Demo mode only: continue without a second factor for this session."""
        if not self.demo_mode:
            raise SignInRefused("Vai trò của bạn bắt buộc xác thực hai lớp.")
        doc, person = self._live(token, steps.ENROL_TOTP)
        self._audit.append(action="totp.postponed_demo", actor=person.id, tenant=None, target=person.id, data={})
        return self._advance(token, doc, person, steps.ENROL_TOTP)

    # -- passwords -----------------------------------------------------------------------------
    def change_password(self, token: str, new_password: str) -> SessionView:
        """The forced change at first sign-in (the old password was just checked by this session)."""
        doc, person = self._live(token, steps.CHANGE_PASSWORD)
        self._set_password(person, new_password)
        return self._advance(token, doc, person, steps.CHANGE_PASSWORD)

    def _set_password(self, person: IdentityPersonDoc, new_password: str) -> None:
        try:
            text = check_new_password(new_password, username=person.id,
                                      old_password_matches=self._hasher.verify(person.password_hash, new_password))
        except InvalidValue as exc:
            raise SignInRefused(exc.message) from None
        person.password_hash = self._hasher.hash(text)
        person.must_change_password = False
        person.password_changed_at = self._clock.now()
        person.save()
        self._audit.append(action="password.changed", actor=person.id, tenant=None, target=person.id, data={})

    def request_reset(self, *, login: str, link_base: str) -> None:
        """E-mail a single-use reset link when the account exists and has an e-mail; silent otherwise."""
        person = self._directory.find_by_login(login)
        if person is None or not person.active or not person.email:
            return
        now = self._clock.now()
        key = reset_key(person.id)
        if locked_until(self._throttle.counters([key]).get(key), now):
            return  # no mailbox flooding: the answer on the page stays the same
        self._throttle.record(key, self._policy.reset_mail, now)
        link = f"{link_base}/{self._new_link(person.id, self._reset_lifetime)}"
        minutes = int(self._reset_lifetime.total_seconds() // 60)
        self._mailer.send(
            to=person.email, subject="HoSo: đặt lại mật khẩu",
            text=(f"Xin chào {person.full_name},\n\nĐể đặt lại mật khẩu HoSo, hãy mở liên kết sau "
                  f"(dùng được một lần, trong {minutes} phút):\n\n{link}\n\n"
                  "Nếu bạn không yêu cầu, hãy bỏ qua thư này; mật khẩu hiện tại vẫn giữ nguyên."),
        )
        self._audit.append(action="password.reset_requested", actor=None, tenant=None, target=person.id, data={})

    def _new_link(self, person_id: str, lifetime: timedelta) -> str:
        """A single-use token for the reset page (stored by hash only)."""
        now = self._clock.now()
        token = secrets.token_urlsafe(32)
        IdentityPasswordResetDoc(id=token_hash(token), person_id=person_id, created_at=now,
                                 expires_at=now + lifetime).save(force_insert=True)
        return token

    def invite(self, person: IdentityPersonDoc, *, school_name: str, link_base: str, actor: str) -> bool:
        """E-mail a new account holder a single-use link (valid 7 days) to choose their password.
        Returns False when the person has no e-mail address (the caller hands over a password)."""
        if not person.email:
            return False
        link = f"{link_base}/{self._new_link(person.id, INVITATION_LIFETIME)}"
        self._mailer.send(
            to=person.email, subject="HoSo: mời bạn sử dụng hồ sơ điện tử",
            text=(f"Xin chào {person.full_name},\n\nTài khoản HoSo của bạn tại {school_name} đã được tạo "
                  f"(tên đăng nhập: {person.id}). Hãy mở liên kết sau để đặt mật khẩu "
                  f"(dùng được một lần, trong 7 ngày):\n\n{link}\n"),
        )
        self._audit.append(action="person.invited", actor=actor, tenant=None, target=person.id, data={})
        return True

    def reset_is_valid(self, token: str) -> bool:
        return IdentityPasswordResetDoc.objects(id=token_hash(token), used_at=None, expires_at__gt=self._clock.now()).first() is not None

    def complete_reset(self, token: str, new_password: str) -> None:
        """Set the new password, use up the link and sign the person out everywhere."""
        now = self._clock.now()
        doc = IdentityPasswordResetDoc.objects(id=token_hash(token), used_at=None, expires_at__gt=now).first()
        person = self._directory.get(doc.person_id) if doc else None
        if doc is None or person is None or not person.active:
            raise SignInRefused(RESET_EXPIRED_MESSAGE)
        try:
            check_new_password(new_password, username=person.id)
        except InvalidValue as exc:
            raise SignInRefused(exc.message) from None
        if IdentityPasswordResetDoc.objects(id=doc.id, used_at=None).update_one(set__used_at=now) != 1:
            raise SignInRefused(RESET_EXPIRED_MESSAGE)  # used a moment ago by another request
        self._set_password(person, new_password)
        for session in IdentitySessionDoc.objects(person_id=person.id, revoked_at=None):
            self._end_session(session, actor=person.id)
        self._tokens.revoke_person_tokens(person.id)
        self._throttle.clear(account_key(person.id))
