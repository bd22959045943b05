"""A person's choice of channels per kind of message, with the platform's defaults and limits.

The inbox always receives everything. E-mail is on by default for every kind but the purely
informative ones; Zalo is off until the person enters a phone number, then on for what needs
action. Kinds that are not ``mutable`` (security, overdue, escalation) cannot be turned off on
e-mail, nor on Zalo once a phone is set. Webhooks are not a person's choice: an administrator
subscribes a school to them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .delivery import Channel
from .notices import Kind

#: Channels a person chooses per kind (the inbox is always on, webhooks belong to the school).
PERSONAL_CHANNELS: tuple[Channel, ...] = (Channel.EMAIL, Channel.ZALO)

EMAIL_OFF_BY_DEFAULT = frozenset({Kind.APPROVED, Kind.BATCH_DONE, Kind.ROLE})
ZALO_ON_BY_DEFAULT = frozenset({Kind.SUBMISSION_WAITING, Kind.SIGNING_TURN, Kind.REMINDER, Kind.OVERDUE,
                                Kind.ESCALATION, Kind.SECURITY, Kind.RETURNED})

#: Vietnamese names of the kinds, as the settings page shows them.
KIND_NAMES_VI: dict[Kind, str] = {
    Kind.SUBMISSION_WAITING: "Hồ sơ chờ tôi duyệt",
    Kind.RETURNED: "Hồ sơ bị trả lại",
    Kind.APPROVED: "Hồ sơ đã được duyệt",
    Kind.SIGNING_TURN: "Đến lượt tôi ký",
    Kind.BATCH_DONE: "Lô ký hoàn tất hoặc lỗi",
    Kind.CORRECTION_WITNESS: "Biên bản sửa chữa chờ tôi xác nhận",
    Kind.RECALLED: "Học bạ, hồ sơ bị thu hồi",
    Kind.INSPECTION: "Đợt kiểm tra",
    Kind.FINDING: "Kết luận kiểm tra cần trả lời",
    Kind.REMINDER: "Nhắc hạn nộp",
    Kind.OVERDUE: "Quá hạn",
    Kind.ESCALATION: "Báo cáo quá hạn lên cấp trên",
    Kind.DIGEST: "Bản tin tổng hợp",
    Kind.REPORT: "Báo cáo định kỳ",
    Kind.SECURITY: "Bảo mật tài khoản",
    Kind.ROLE: "Được giao, thu hồi vai trò",
}

LOCKED_REASON_VI = "Thông báo bảo mật và quá hạn luôn được gửi, không thể tắt."

_PHONE = re.compile(r"^(?:\+?84|0)(\d{9})$")


class NotMutable(ValueError):
    """Turning off a kind that cannot be muted."""

    def __init__(self, kind: Kind, channel: Channel) -> None:
        super().__init__(f"{kind.value} cannot be turned off on {channel.value}")
        self.kind, self.channel = kind, channel


class InvalidPhone(ValueError):
    """Not a Vietnamese mobile number."""


def normalise_phone(raw: str) -> str:
    """``0905 123 456`` or ``+84905123456`` → ``84905123456`` (the form Zalo ZNS expects)."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    m = _PHONE.match(digits)
    if not m:
        raise InvalidPhone(raw)
    return "84" + m.group(1)


def default(kind: Kind, channel: Channel, *, has_phone: bool) -> bool:
    """The platform's default for one cell of the grid."""
    if channel is Channel.EMAIL:
        return kind not in EMAIL_OFF_BY_DEFAULT
    if channel is Channel.ZALO:
        return has_phone and kind in ZALO_ON_BY_DEFAULT
    return False


@dataclass
class Preferences:
    """One person's grid: explicit choices over the defaults, and the Zalo phone."""

    person: str
    choices: dict[tuple[Kind, Channel], bool] = field(default_factory=dict)
    zalo_phone: str | None = None

    def locked(self, kind: Kind, channel: Channel) -> bool:
        """A cell the person cannot turn off."""
        if kind.mutable:
            return False
        return channel is Channel.EMAIL or (channel is Channel.ZALO and bool(self.zalo_phone))

    def wants(self, kind: Kind, channel: Channel) -> bool:
        """Whether a notice of ``kind`` goes to ``channel`` for this person."""
        if channel is Channel.INBOX:
            return True
        if channel is Channel.ZALO and not self.zalo_phone:
            return False
        if self.locked(kind, channel):
            return True
        return self.choices.get((kind, channel), default(kind, channel, has_phone=bool(self.zalo_phone)))

    def choose(self, kind: Kind, channel: Channel, on: bool) -> None:
        """Set one cell; refuses to turn off a kind that cannot be muted."""
        if channel not in PERSONAL_CHANNELS:
            raise ValueError(f"{channel.value} is not a personal channel")
        if not on and not kind.mutable:
            raise NotMutable(kind, channel)
        self.choices[(kind, channel)] = on
