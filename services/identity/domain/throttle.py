"""Throttling of password sign-ins: growing delays per account, limits on spraying per address,
and the reset e-mail limit.

Counters are kept by the adapter (in MongoDB, shared by every process); this module decides.

- Per account, from devices the person never signed in from: the first ``free_failures`` wrong
  passwords cost nothing; after that each further attempt must wait an interval that doubles with
  every failure (30 s, 1 min, 2 min ... at most 15 min). An attempt inside the wait is refused with
  the time to wait; it is never a hard lock, and it never touches a device the person signed in
  from before (that device has a throttle key of its own, bound to the account).
- Per address, only spraying: many *distinct* accounts failing from one address in a window. A
  school behind one shared address, whose people sign in correctly, never reaches it; when it is
  reached only unknown devices at that address wait, known devices go on.

An account key is derived from the login as typed, whether or not the account exists, so the
behaviour (and the message) gives no hint about which accounts exist.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from services.identity.domain.people import normalise_login

RETRY_MESSAGE = (
    "Có nhiều lần đăng nhập không thành công. Vui lòng thử lại sau {wait}. "
    "Trên thiết bị bạn đã từng đăng nhập, bạn vẫn đăng nhập được ngay."
)
WRONG_CREDENTIALS_MESSAGE = "Tên đăng nhập hoặc mật khẩu không đúng."


@dataclass(frozen=True)
class Counter:
    """State of one throttle key: failures counted, when counting started (or the last failure,
    for delay rules) and the instant before which the next attempt is refused."""

    failures: int
    window_started: datetime | None
    locked_until: datetime | None


@dataclass(frozen=True)
class ThrottleRule:
    """``max_failures`` events within ``window`` block the key for ``lock_for`` (reset e-mails)."""

    max_failures: int
    window: timedelta
    lock_for: timedelta

    @property
    def keep_for(self) -> timedelta:
        return self.window + self.lock_for

    def next(self, counter: Counter | None, now: datetime) -> Counter:
        return after_failure(counter, self, now)


@dataclass(frozen=True)
class DelayRule:
    """After ``free_failures`` failures each further attempt waits ``base`` × 2^(extra failures),
    at most ``cap``; the count is forgotten ``forget_after`` the last failure."""

    free_failures: int = 5
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=24)

    @property
    def keep_for(self) -> timedelta:
        return self.forget_after

    def wait_after(self, failures: int) -> timedelta | None:
        """The wait imposed after ``failures`` failures (None while they are free)."""
        if failures < self.free_failures:
            return None
        extra = failures - self.free_failures
        return self.cap if extra >= 20 else min(self.cap, self.base * (2 ** extra))

    def next(self, counter: Counter | None, now: datetime) -> Counter:
        """The counter after one more failure at ``now``."""
        failures = 0
        if counter is not None and counter.window_started is not None and now - counter.window_started < self.forget_after:
            failures = counter.failures
        failures += 1
        wait = self.wait_after(failures)
        return Counter(failures, now, now + wait if wait else None)


@dataclass(frozen=True)
class SprayRule:
    """``distinct_accounts`` different accounts failing from one address within one ``window``
    (fixed windows) make unknown devices at that address wait until the next window ends."""

    distinct_accounts: int = 100
    window: timedelta = timedelta(minutes=15)

    def bucket(self, now: datetime) -> int:
        return int(now.timestamp() // self.window.total_seconds())

    def bucket_end(self, bucket: int) -> datetime:
        return datetime.fromtimestamp((bucket + 1) * self.window.total_seconds(), tz=timezone.utc)

    def refused_until(self, distinct_now: int, distinct_before: int, now: datetime) -> datetime | None:
        """When the address is spraying (this or the previous window reached the limit), the end of
        the wait; otherwise None."""
        current = self.bucket(now)
        if distinct_now >= self.distinct_accounts:
            return self.bucket_end(current + 1)
        if distinct_before >= self.distinct_accounts:
            return self.bucket_end(current)
        return None


@dataclass(frozen=True)
class LockoutPolicy:
    account: DelayRule = DelayRule()
    #: wrong second-factor codes, per person (the password was right)
    second_factor: DelayRule = DelayRule()
    spray: SprayRule = SprayRule()
    #: reset e-mails per account: the third request within an hour is the last for an hour
    reset_mail: ThrottleRule = ThrottleRule(3, timedelta(hours=1), timedelta(hours=1))


def account_key(login: str) -> str:
    """Throttle key of a typed login (hashed so that the collection holds no login names)."""
    return "acct:" + hashlib.sha256(normalise_login(login).encode()).hexdigest()[:32]


def known_device_key(tag: str) -> str:
    """Throttle key of one known device of one account (``tag`` is the device's signed tag)."""
    return "kdev:" + hashlib.sha256(tag.encode()).hexdigest()[:32]


def second_factor_key(person_id: str) -> str:
    return "totp:" + hashlib.sha256(person_id.encode()).hexdigest()[:32]


def spray_key(ip: str, bucket: int) -> str:
    """Key of the distinct accounts failing from ``ip`` in one window."""
    return f"spray:{ip or 'unknown'}:{bucket}"


def reset_key(person_id: str) -> str:
    return "reset:" + person_id


def locked_until(counter: Counter | None, now: datetime) -> datetime | None:
    """When the key is waiting at ``now``, the end of the wait; otherwise None."""
    if counter and counter.locked_until and counter.locked_until > now:
        return counter.locked_until
    return None


def after_failure(counter: Counter | None, rule: ThrottleRule, now: datetime) -> Counter:
    """The counter after one more event: a new window when the old one ended, a block at the limit."""
    if counter is None or counter.window_started is None or now - counter.window_started >= rule.window:
        counter = Counter(0, now, None)
    failures = counter.failures + 1
    if failures >= rule.max_failures:
        return Counter(0, None, now + rule.lock_for)
    return Counter(failures, counter.window_started, None)


def wait_text(until: datetime, now: datetime) -> str:
    """"45 giây" or "3 phút": the time left until ``until``, rounded up."""
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    if seconds < 60:
        return f"{seconds} giây"
    return f"{(seconds + 59) // 60} phút"


def lock_message(until: datetime, now: datetime) -> str:
    """The refusal of an attempt made inside its wait, saying when to try again."""
    return RETRY_MESSAGE.format(wait=wait_text(until, now))
