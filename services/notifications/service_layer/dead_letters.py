"""What administrators do with deliveries and webhooks: read dead letters, replay them, subscribe.

A school's administrator (quản trị or hiệu trưởng of the school) sees and replays the deliveries
of the school's people only, through the tenant-scoped repository: another school's delivery is
not found. A platform administrator (quản trị with no school and no district role) sees every
school's, and that read is an audit entry. Replays and subscriptions are audit entries.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, Forbidden, NotFound, Problem
from services.kernel.ids import new_id
from services.kernel.permissions import HIEU_TRUONG, QUAN_TRI, is_district_staff, require_principal
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope

from ..adapters.channels.webhook import UnsafeUrl, check_url
from ..adapters.deliveries import DeliveryDoc, DeliveryRepository, DeliveryStore, replay
from ..adapters.webhooks import WebhookDoc, WebhookRepository
from ..domain import quiet_hours
from ..domain.delivery import State
from ..domain.notices import Kind

SCHOOL_ADMINS = (QUAN_TRI, HIEU_TRUONG)


class UnsafeWebhookUrl(Problem):
    status, code, title = 422, "unsafe-webhook-url", "Địa chỉ webhook không được phép."


def is_platform_admin(me: Principal) -> bool:
    return me.has_role(QUAN_TRI) and not me.tenant and not is_district_staff(me)


@dataclass
class DeadLetters:
    deliveries: DeliveryStore
    audit: AuditLog
    clock: Clock
    allow_loopback: bool

    def _school(self, me: Principal) -> DeliveryRepository | None:
        """The caller's school repository; None for a platform administrator; 403 for anyone else."""
        me = require_principal(me)
        if is_platform_admin(me):
            return None
        if me.tenant and any(me.has_role(r) for r in SCHOOL_ADMINS):
            return DeliveryRepository(scope=TenantScope.for_principal(me))
        raise Forbidden("Chỉ quản trị của trường hoặc của hệ thống được xem thư lỗi.")

    def dead(self, me: Principal, *, cursor: str | None, limit: int) -> tuple[list[DeliveryDoc], str | None]:
        repo = self._school(me)
        if repo is not None:
            return repo.dead(cursor=cursor, limit=limit)
        self.audit.append(action="notifications.deliveries.read_all", actor=me.sub, tenant=None, data={"state": "dead"})
        return self.deliveries.dead_everywhere(cursor=cursor, limit=limit)

    def replay(self, me: Principal, delivery_id: str) -> DeliveryDoc:
        """Queue a dead delivery again (held to the morning in quiet hours, like any push)."""
        repo = self._school(me)
        doc = repo.get(delivery_id) if repo is not None else DeliveryDoc.objects(id=delivery_id).first()
        if doc is None:
            raise NotFound()
        if doc.state != State.DEAD.value:
            raise Conflict("Chỉ gửi lại được thư đã lỗi hẳn.")
        doc = replay(doc, quiet_hours.send_at(self.clock.now(), Kind(doc.kind)))
        self.audit.append(action="notifications.delivery.replayed", actor=me.sub, tenant=doc.tenant_id or None,
                          district=doc.district_id or None, target=doc.id,
                          data={"channel": doc.channel, "recipient": doc.recipient, "last_error": doc.last_error})
        return doc

    def subscriptions(self, me: Principal) -> list[WebhookDoc]:
        return list(self._webhooks(me).query())

    def subscribe(self, me: Principal, *, url: str, kinds: list[str]) -> tuple[WebhookDoc, str]:
        """A new webhook of the caller's school; returns it with its secret (shown once)."""
        repo = self._webhooks(me)
        try:
            check_url(url, allow_loopback=self.allow_loopback)
        except UnsafeUrl as exc:
            raise UnsafeWebhookUrl(str(exc), field="url") from exc
        unknown = [k for k in kinds if k not in Kind._value2member_map_]
        if unknown:
            raise Problem(f"Không có loại thông báo «{unknown[0]}».", status=422, code="validation-failed", field="kinds")
        secret = secrets.token_hex(32)
        doc = repo.add(WebhookDoc(id=new_id(), url=url, secret=secret, kinds=kinds, created_by=me.sub,
                                  created_at=self.clock.now()))
        self.audit.append(action="notifications.webhook.subscribed", actor=me.sub, tenant=me.tenant,
                          district=me.district, target=doc.id, data={"url": url, "kinds": kinds})
        return doc, secret

    def unsubscribe(self, me: Principal, subscription: str) -> None:
        """Remove one of the school's webhooks (another school's is not found); its pending deliveries die."""
        doc = self._webhooks(me).get(subscription)
        doc.delete()
        self.audit.append(action="notifications.webhook.unsubscribed", actor=me.sub, tenant=me.tenant,
                          district=me.district, target=doc.id, data={"url": doc.url})

    def _webhooks(self, me: Principal) -> WebhookRepository:
        """Only the school's administrator subscribes the school (the person never chooses a URL)."""
        me = require_principal(me)
        if not (me.tenant and me.has_role(QUAN_TRI)):
            raise Forbidden("Chỉ quản trị của trường được đăng ký webhook.")
        return WebhookRepository(scope=TenantScope.for_principal(me))
