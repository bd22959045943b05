"""Throttling and temporary lockout of password sign-ins, per account and per client IP.

Counters are kept by the adapter (in MongoDB, shared by every process); this module decides.
An account key is derived from the login as typed, whether or not the account exists, so the
behaviour (and the message) gives no hint about which accounts exist.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.identity.domain.people import normalise_login

LOCKED_MESSAGE = (
    "Đăng nhập tạm thời bị khóa vì có quá nhiều lần thử không thành công. "
    "Vui lòng thử lại sau {minutes} phút."
)
WRONG_CREDENTIALS_MESSAGE = "Tên đăng nhập hoặc mật khẩu không đúng."


@dataclass(frozen=True)
class ThrottleRule:
    """``max_failures`` failures within ``window`` lock the key for ``lock_for``."""

    max_failures: int
    window: timedelta
    lock_for: timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    account: ThrottleRule = ThrottleRule(5, timedelta(minutes=15), timedelta(minutes=15))
    ip: ThrottleRule = ThrottleRule(30, timedelta(minutes=15), timedelta(minutes=15))
    #: reset e-mails per account: the third request within an hour is the last for an hour
    reset_mail: ThrottleRule = ThrottleRule(3, timedelta(hours=1), timedelta(hours=1))


@dataclass(frozen=True)
class Counter:
    """State of one throttle key."""

    failures: int
    window_started: datetime | None
    locked_until: datetime | None


def account_key(login: str) -> str:
    """Throttle key of a typed login (hashed so that the collection holds no login names)."""
    return "acct:" + hashlib.sha256(normalise_login(login).encode()).hexdigest()[:32]


def reset_key(person_id: str) -> str:
    return "reset:" + person_id


def ip_key(ip: str) -> str:
    return "ip:" + (ip or "unknown")


def locked_until(counter: Counter | None, now: datetime) -> datetime | None:
    """When the key is locked at ``now``, the end of the lock; otherwise None."""
    if counter and counter.locked_until and counter.locked_until > now:
        return counter.locked_until
    return None


def after_failure(counter: Counter | None, rule: ThrottleRule, now: datetime) -> Counter:
    """The counter after one more failure: a new window when the old one ended, a lock at the limit."""
    if counter is None or counter.window_started is None or now - counter.window_started >= rule.window:
        counter = Counter(0, now, None)
    failures = counter.failures + 1
    if failures >= rule.max_failures:
        return Counter(0, None, now + rule.lock_for)
    return Counter(failures, counter.window_started, None)


def lock_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return LOCKED_MESSAGE.format(minutes=minutes)
