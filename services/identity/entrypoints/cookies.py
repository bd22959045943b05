"""Cookies of the sign-in pages: the session, a long-lived device marker, the signed
known-device tags (set after a correct password, each bound to one account and this device
marker; they keep the person's own browser out of other people's throttling) and a CSRF token.

All are HttpOnly and SameSite=Lax; Secure when the public URL is HTTPS.
"""
from __future__ import annotations

import hmac
import secrets

from flask import Request, Response

SESSION_COOKIE = "hoso_sid"
DEVICE_COOKIE = "hoso_device"
KNOWN_COOKIE = "hoso_known"
CSRF_COOKIE = "hoso_csrf"
DEVICE_MAX_AGE = 400 * 24 * 3600


def set_cookie(resp: Response, name: str, value: str, *, secure: bool, max_age: int | None = None) -> None:
    resp.set_cookie(name, value, max_age=max_age, path="/", secure=secure, httponly=True, samesite="Lax")


def csrf_token(req: Request) -> str:
    """The CSRF token to embed in a form (the cookie's, or a new one the response must set)."""
    return req.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def csrf_ok(req: Request) -> bool:
    """Double-submit check: the form field equals the cookie."""
    cookie = req.cookies.get(CSRF_COOKIE) or ""
    field = req.form.get("csrf") or ""
    return bool(cookie) and hmac.compare_digest(cookie.encode(), field.encode())


def device_token(req: Request) -> tuple[str, bool]:
    """The browser's device marker and whether it is new (then the response must set it)."""
    existing = req.cookies.get(DEVICE_COOKIE)
    return (existing, False) if existing else (secrets.token_urlsafe(24), True)
