"""A person's notification settings: the grid of kinds × channels, the Zalo phone, unusable addresses.

Only the caller's own settings are read or changed (the person id is the token's subject, never a
parameter). Every change is an audit entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.kernel.audit import AuditLog
from services.kernel.errors import Problem
from services.kernel.principal import Principal

from ..adapters.people import PeopleDirectory
from ..adapters.preferences import PreferencesRepository
from ..domain.delivery import Channel
from ..domain.notices import Kind
from ..domain.preferences import (
    KIND_NAMES_VI, LOCKED_REASON_VI, PERSONAL_CHANNELS, InvalidPhone, NotMutable, Preferences, normalise_phone,
)

UNDELIVERABLE_VI = {"email": "Địa chỉ {address} không nhận được thư: {reason}.",
                    "zalo": "Số Zalo {address} không nhận được tin: {reason}."}


class KindNotMutable(Problem):
    status, code, title = 422, "kind-not-mutable", "Loại thông báo này không thể tắt."


class InvalidZaloPhone(Problem):
    status, code, title = 422, "invalid-phone", "Số điện thoại Zalo không hợp lệ."


@dataclass
class NotificationSettings:
    preferences: PreferencesRepository
    people: PeopleDirectory
    audit: AuditLog

    def view(self, me: Principal) -> dict[str, Any]:
        prefs = self.preferences.get(me.sub)
        person = self.people.person(me.sub)
        return {
            "kinds": [self._row(prefs, kind) for kind in Kind],
            "zalo_phone": prefs.zalo_phone,
            "email": person.email if person else None,
            "problems": [{**p, "message": UNDELIVERABLE_VI.get(p["channel"], "{address}: {reason}").format(**p)}
                         for p in (person.undeliverable if person else [])],
        }

    @staticmethod
    def _row(prefs: Preferences, kind: Kind) -> dict[str, Any]:
        locked = any(prefs.locked(kind, c) for c in PERSONAL_CHANNELS) or not kind.mutable
        return {"kind": kind.value, "name": KIND_NAMES_VI[kind], "mutable": kind.mutable,
                "locked_reason": None if kind.mutable or not locked else LOCKED_REASON_VI,
                "channels": {c.value: {"on": prefs.wants(kind, c), "locked": prefs.locked(kind, c),
                                       "available": c is not Channel.ZALO or bool(prefs.zalo_phone)}
                             for c in PERSONAL_CHANNELS}}

    def change(self, me: Principal, cells: list[tuple[str, str, bool]]) -> dict[str, Any]:
        """Set cells ``(kind, channel, on)``; all or nothing."""
        prefs = self.preferences.get(me.sub)
        for i, (kind, channel, on) in enumerate(cells):
            try:
                prefs.choose(Kind(kind), Channel(channel), on)
            except NotMutable as exc:
                raise KindNotMutable(f"«{KIND_NAMES_VI[exc.kind]}» luôn được gửi: {LOCKED_REASON_VI}",
                                     field=f"choices[{i}]") from exc
            except ValueError as exc:
                raise Problem(f"Không có kênh hoặc loại thông báo «{kind}/{channel}».", status=422,
                              code="validation-failed", field=f"choices[{i}]") from exc
        self.preferences.save(prefs)
        self.audit.append(action="notifications.settings.changed", actor=me.sub, tenant=me.tenant,
                          district=me.district, target=me.sub,
                          data={"choices": [{"kind": k, "channel": c, "on": on} for k, c, on in cells]})
        return self.view(me)

    def set_zalo(self, me: Principal, phone: str | None) -> dict[str, Any]:
        """Enter (or, with an empty value, remove) the phone Zalo messages go to."""
        prefs = self.preferences.get(me.sub)
        try:
            prefs.zalo_phone = normalise_phone(phone) if phone else None
        except InvalidPhone as exc:
            raise InvalidZaloPhone("Nhập số di động Việt Nam, ví dụ 0905 123 456.", field="phone") from exc
        self.preferences.save(prefs)
        self.people.clear_undeliverable(me.sub, channel="zalo")
        self.audit.append(action="notifications.zalo_phone.changed", actor=me.sub, tenant=me.tenant,
                          district=me.district, target=me.sub, data={"set": prefs.zalo_phone is not None})
        return self.view(me)
