"""The steps of a sign-in, in order: password, second factor (a passkey or a TOTP code, when the
person has either), forced password change (first sign-in or after an administrator's reset), the
one-time passkey offer (principals and oversight staff without a passkey who never answered it),
TOTP enrolment (when a role requires a second factor and the person has none). The session is
usable only when no step remains."""
from __future__ import annotations

PASSWORD = "password"
SECOND_FACTOR = "second_factor"
CHANGE_PASSWORD = "change_password"
OFFER_PASSKEY = "offer_passkey"
ENROL_TOTP = "enrol_totp"
ACTIVE = "active"


def next_step(
    *, done: set[str] | frozenset[str], totp_enabled: bool, must_change_password: bool, totp_required: bool,
    has_passkey: bool = False, offer_passkey: bool = False,
) -> str:
    """The step a sign-in must do next, or ``ACTIVE`` when it is complete.

    ``offer_passkey`` is true while the person should be offered a passkey (the caller decides:
    a passkey-first role, passkeys usable on this host, none registered, the offer never answered).
    In demo mode the offer and the enrolment pages offer to postpone, which marks their step done
    for that session only."""
    has_factor = totp_enabled or has_passkey
    if PASSWORD not in done:
        return PASSWORD
    if has_factor and SECOND_FACTOR not in done:
        return SECOND_FACTOR
    if must_change_password and CHANGE_PASSWORD not in done:
        return CHANGE_PASSWORD
    if offer_passkey and not has_passkey and OFFER_PASSKEY not in done:
        return OFFER_PASSKEY
    if totp_required and not has_factor and ENROL_TOTP not in done:
        return ENROL_TOTP
    return ACTIVE
