"""The steps of a sign-in, in order: password, second factor (when enrolled), forced password
change (first sign-in or after an administrator's reset), second-factor enrolment (when a role
requires it and none is enrolled yet). The session is usable only when no step remains."""
from __future__ import annotations

PASSWORD = "password"
TOTP = "totp"
CHANGE_PASSWORD = "change_password"
ENROL_TOTP = "enrol_totp"
ACTIVE = "active"


def next_step(
    *, done: set[str] | frozenset[str], totp_enabled: bool, must_change_password: bool, totp_required: bool,
) -> str:
    """The step a sign-in must do next, or ``ACTIVE`` when it is complete. (In demo mode the
    enrolment page offers to postpone, which marks ``enrol_totp`` done for that session only.)"""
    if PASSWORD not in done:
        return PASSWORD
    if totp_enabled and TOTP not in done:
        return TOTP
    if must_change_password and CHANGE_PASSWORD not in done:
        return CHANGE_PASSWORD
    if totp_required and not totp_enabled and ENROL_TOTP not in done:
        return ENROL_TOTP
    return ACTIVE
