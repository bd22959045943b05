"""Passkeys (WebAuthn, with py_webauthn): registering one, using one as the second factor, and a
person's own list (rename, remove).

The relying party is the platform's public host (``HOSO_PUBLIC_URL``): RP id = its host name,
expected origin = its scheme, host and port, so a response made for another site or another
origin is refused. Registration asks for no attestation, prefers a resident key and requires
user verification; so does every authentication. Each challenge is random, kept on the browser
session that asked for it, valid five minutes and taken atomically when answered, so a response
can never be replayed. The signature counter must grow (a cloned authenticator shows an older
count). Browsers refuse WebAuthn on an IP address, so passkeys are not offered when the public
host is one (``available``): people there use TOTP.
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options, generate_registration_options, options_to_json, verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidJSONStructure, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria, AuthenticatorTransport, PublicKeyCredentialDescriptor, ResidentKeyRequirement,
    UserVerificationRequirement,
)

from services.identity.adapters.documents import (
    IdentityPasskeyChallengeDoc, IdentityPasskeyDoc, IdentityPersonDoc, IdentitySessionDoc,
)
from services.identity.adapters.repositories import PersonPasskeys, credential_registered, passkey_by_credential
from services.identity.adapters.secrets_box import SecretBox
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.ids import new_id

CHALLENGE_LIFETIME = timedelta(minutes=5)
REGISTER = "register"
AUTHENTICATE = "authenticate"
MAX_NAME = 60
FAILED_MESSAGE = "Không xác thực được bằng passkey. Vui lòng thử lại hoặc dùng cách xác thực khác."
NOT_CREATED_MESSAGE = "Không tạo được passkey. Vui lòng thử lại hoặc dùng ứng dụng mã xác thực."
ALREADY_MESSAGE = "Passkey này đã được đăng ký."
NAME_MESSAGE = f"Tên passkey gồm 1–{MAX_NAME} ký tự."
LAST_FACTOR_MESSAGE = ("Không thể xóa passkey cuối cùng: vai trò của bạn bắt buộc xác thực hai lớp. "
                       "Hãy thêm passkey khác hoặc bật ứng dụng mã xác thực trước.")
NOT_FOUND_MESSAGE = "Không tìm thấy passkey này."


class PasskeyRefused(Exception):
    """A passkey ceremony or change was refused; ``message`` is shown to the person (Vietnamese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: RP id (host name) and the one origin responses must come from."""

    rp_id: str
    origin: str
    name: str = "HoSo"

    @classmethod
    def from_public_url(cls, public_url: str) -> "RelyingParty":
        parts = urlsplit(public_url)
        return cls(rp_id=(parts.hostname or "").lower(), origin=f"{parts.scheme}://{parts.netloc}".lower())

    @property
    def available(self) -> bool:
        """False when the host is an IP address (browsers refuse WebAuthn there) or missing."""
        if not self.rp_id:
            return False
        try:
            ipaddress.ip_address(self.rp_id)
        except ValueError:
            return True
        return False


def clean_passkey_name(value: str) -> str:
    """A passkey's name as the person typed it, trimmed and on one line; refused when empty or long."""
    text = " ".join((value or "").split())
    if not text or len(text) > MAX_NAME:
        raise PasskeyRefused(NAME_MESSAGE)
    return text


class PasskeyService:
    def __init__(self, *, party: RelyingParty, box: SecretBox, clock: Clock, audit: AuditLog) -> None:
        self.party = party
        self._box = box
        self._clock = clock
        self._audit = audit

    @property
    def available(self) -> bool:
        return self.party.available

    # -- challenges ----------------------------------------------------------------------------
    def _keep_challenge(self, session: IdentitySessionDoc, purpose: str, challenge: bytes) -> None:
        IdentitySessionDoc.objects(id=session.id).update_one(
            set__passkey_challenge=challenge, set__passkey_purpose=purpose, set__passkey_challenge_at=self._clock.now())

    def _take_challenge(self, session: IdentitySessionDoc, purpose: str) -> bytes:
        """The session's pending challenge for ``purpose``, removed in the same atomic step."""
        before = IdentitySessionDoc.objects(
            id=session.id, passkey_purpose=purpose, passkey_challenge_at__gt=self._clock.now() - CHALLENGE_LIFETIME,
        ).modify(unset__passkey_challenge=True, unset__passkey_purpose=True, unset__passkey_challenge_at=True)
        if before is None or not before.passkey_challenge:
            raise PasskeyRefused(FAILED_MESSAGE if purpose == AUTHENTICATE else NOT_CREATED_MESSAGE)
        return bytes(before.passkey_challenge)

    def _user_handle(self, person_id: str) -> bytes:
        """A stable opaque user handle (no username inside, as WebAuthn asks)."""
        return self._box.mac(person_id, context="passkey-user").encode()

    # -- registration --------------------------------------------------------------------------
    def registration_options(self, session: IdentitySessionDoc, person: IdentityPersonDoc) -> str:
        """The JSON options for ``navigator.credentials.create`` (a fresh challenge on the session)."""
        existing = PersonPasskeys(person.id).all()
        options = generate_registration_options(
            rp_id=self.party.rp_id, rp_name=self.party.name, user_name=person.email or person.id,
            user_id=self._user_handle(person.id), user_display_name=person.full_name,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.REQUIRED),
            exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in existing],
        )
        self._keep_challenge(session, REGISTER, options.challenge)
        return options_to_json(options)

    def register(self, session: IdentitySessionDoc, person: IdentityPersonDoc, credential: str, name: str) -> IdentityPasskeyDoc:
        """Check the browser's answer to the registration options and store the passkey."""
        label = clean_passkey_name(name)
        challenge = self._take_challenge(session, REGISTER)
        try:
            verified = verify_registration_response(
                credential=credential, expected_challenge=challenge, expected_rp_id=self.party.rp_id,
                expected_origin=self.party.origin, require_user_verification=True,
            )
        except (InvalidRegistrationResponse, InvalidJSONStructure, ValueError, KeyError, TypeError):
            raise PasskeyRefused(NOT_CREATED_MESSAGE) from None
        credential_id = bytes_to_base64url(verified.credential_id)
        if credential_registered(credential_id):
            raise PasskeyRefused(ALREADY_MESSAGE)
        now = self._clock.now()
        doc = IdentityPasskeyDoc(
            id=new_id(), person_id=person.id, credential_id=credential_id, public_key=verified.credential_public_key,
            sign_count=verified.sign_count, name=label, transports=_transports(credential), aaguid=verified.aaguid,
            backed_up=verified.credential_backed_up, created_at=now,
        )
        doc.save(force_insert=True)
        PersonPasskeys(person.id).count_changed(+1)
        person.passkey_count = (person.passkey_count or 0) + 1
        self._audit.append(action="passkey.enrolled", actor=person.id, tenant=None, target=person.id,
                           data={"passkey": doc.id, "name": label, "aaguid": doc.aaguid, "session": session.public_id})
        return doc

    # -- authentication ------------------------------------------------------------------------
    def authentication_options(self, session: IdentitySessionDoc, person: IdentityPersonDoc) -> str:
        """The JSON options for ``navigator.credentials.get``, allowing only the person's own passkeys."""
        options = generate_authentication_options(
            rp_id=self.party.rp_id, user_verification=UserVerificationRequirement.REQUIRED,
            allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id),
                                                             transports=_known_transports(p.transports))
                               for p in PersonPasskeys(person.id).all()],
        )
        self._keep_challenge(session, AUTHENTICATE, options.challenge)
        return options_to_json(options)

    def authenticate(self, session: IdentitySessionDoc, person: IdentityPersonDoc, credential: str) -> IdentityPasskeyDoc:
        """Check an assertion: this session's challenge, one of the person's own passkeys, the RP id,
        the origin, user verification and a growing counter. Audited as ``passkey.used``."""
        challenge = self._take_challenge(session, AUTHENTICATE)
        passkey = PersonPasskeys(person.id).by_credential(_credential_id(credential))
        if passkey is None:  # unknown, or somebody else's
            raise PasskeyRefused(FAILED_MESSAGE)
        self._verify_assertion(passkey, credential, challenge)
        self._audit.append(action="passkey.used", actor=person.id, tenant=None, target=person.id,
                           data={"passkey": passkey.id, "session": session.public_id})
        return passkey

    def _verify_assertion(self, passkey: IdentityPasskeyDoc, credential: str, challenge: bytes) -> None:
        try:
            verified = verify_authentication_response(
                credential=credential, expected_challenge=challenge, expected_rp_id=self.party.rp_id,
                expected_origin=self.party.origin, credential_public_key=bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count or 0, require_user_verification=True,
            )
        except (InvalidAuthenticationResponse, InvalidJSONStructure, ValueError, KeyError, TypeError):
            raise PasskeyRefused(FAILED_MESSAGE) from None
        if not PersonPasskeys(passkey.person_id).advance_counter(passkey, verified.new_sign_count, self._clock.now()):
            raise PasskeyRefused(FAILED_MESSAGE)  # another sign-in used the same count a moment ago

    # -- passkey-only sign-in ("Đăng nhập bằng passkey") ---------------------------------------
    def sign_in_options(self) -> str:
        """Options for a passkey-only sign-in: any passkey of this site (discoverable), user
        verification required; the challenge is kept, single use, for five minutes."""
        options = generate_authentication_options(rp_id=self.party.rp_id,
                                                  user_verification=UserVerificationRequirement.REQUIRED)
        IdentityPasskeyChallengeDoc(id=hashlib.sha256(options.challenge).hexdigest(),
                                    expires_at=self._clock.now() + CHALLENGE_LIFETIME).save(force_insert=True)
        return options_to_json(options)

    def holder(self, credential: str) -> IdentityPasskeyDoc | None:
        """The passkey an answer names, when its user handle is its holder's (None otherwise)."""
        passkey = passkey_by_credential(_credential_id(credential))
        if passkey is None:
            return None
        handle = _user_handle_of(credential)
        return passkey if handle is None or handle == self._user_handle(passkey.person_id) else None

    def sign_in(self, passkey: IdentityPasskeyDoc, credential: str) -> None:
        """Check a passkey-only answer: a challenge this service made (taken once), then the same
        checks as the second factor. The passkey stands for both factors: something the person has,
        unlocked by something they know or are (user verification)."""
        challenge = _challenge_of(credential)
        taken = IdentityPasskeyChallengeDoc.objects(id=hashlib.sha256(challenge).hexdigest(),
                                                    expires_at__gt=self._clock.now()).delete()
        if not challenge or taken != 1:
            raise PasskeyRefused(FAILED_MESSAGE)
        self._verify_assertion(passkey, credential, challenge)
        self._audit.append(action="passkey.used", actor=passkey.person_id, tenant=None, target=passkey.person_id,
                           data={"passkey": passkey.id, "passwordless": True})

    # -- the person's own list -----------------------------------------------------------------
    def of(self, person_id: str) -> list[IdentityPasskeyDoc]:
        return PersonPasskeys(person_id).all()

    def rename(self, person: IdentityPersonDoc, passkey_id: str, name: str) -> None:
        label = clean_passkey_name(name)
        passkey = PersonPasskeys(person.id).get(passkey_id)
        if passkey is None:
            raise PasskeyRefused(NOT_FOUND_MESSAGE)
        previous, passkey.name = passkey.name, label
        passkey.save()
        self._audit.append(action="passkey.renamed", actor=person.id, tenant=None, target=person.id,
                           data={"passkey": passkey.id, "name": label, "previous": previous})

    def remove(self, person: IdentityPersonDoc, passkey_id: str, *, factor_required: bool) -> None:
        """Remove one passkey; the last factor of a person whose roles need one stays."""
        repo = PersonPasskeys(person.id)
        passkey = repo.get(passkey_id)
        if passkey is None:
            raise PasskeyRefused(NOT_FOUND_MESSAGE)
        if factor_required and not person.totp_enabled and len(repo.all()) <= 1:
            raise PasskeyRefused(LAST_FACTOR_MESSAGE)
        passkey.delete()
        repo.count_changed(-1)
        person.passkey_count = max(0, (person.passkey_count or 0) - 1)
        self._audit.append(action="passkey.removed", actor=person.id, tenant=None, target=person.id,
                           data={"passkey": passkey.id, "name": passkey.name})


def _credential_id(credential: str) -> str:
    """The credential id a browser's answer names (its ``rawId``), normalised to base64url."""
    try:
        data = json.loads(credential)
        return bytes_to_base64url(base64url_to_bytes(str(data.get("rawId") or data.get("id") or "")))
    except (ValueError, TypeError, AttributeError):
        return ""


def _client_data(credential: str) -> dict:
    try:
        return json.loads(base64url_to_bytes(json.loads(credential)["response"]["clientDataJSON"]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


def _challenge_of(credential: str) -> bytes:
    """The challenge an answer claims to answer (checked against a stored one before it counts)."""
    try:
        return base64url_to_bytes(str(_client_data(credential).get("challenge") or ""))
    except ValueError:
        return b""


def _user_handle_of(credential: str) -> bytes | None:
    try:
        handle = json.loads(credential)["response"].get("userHandle")
        return base64url_to_bytes(handle) if handle else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _transports(credential: str) -> list[str]:
    """The transports the browser reported at registration (kept to hint later sign-ins)."""
    try:
        found = json.loads(credential).get("response", {}).get("transports") or []
    except (ValueError, AttributeError):
        return []
    return [t for t in found if isinstance(t, str)][:8]


def _known_transports(values: list[str] | None) -> list[AuthenticatorTransport] | None:
    known = {t.value: t for t in AuthenticatorTransport}
    found = [known[v] for v in values or () if v in known]
    return found or None
