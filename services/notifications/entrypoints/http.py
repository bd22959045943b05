"""HTTP API of the notifications service: my inbox, my notification settings, and the admins' dead letters."""
from __future__ import annotations

from typing import Literal

from flask import Blueprint
from pydantic import BaseModel, Field

from services.kernel.api import Api
from services.kernel.context import current_principal
from services.kernel.permissions import require_principal

from ..adapters.inbox import InboxRepository
from ..bootstrap import Container


class InboxQuery(BaseModel):
    cursor: str | None = None
    limit: int = Field(default=20, ge=1, le=200)
    unread: bool = False


class DeliveryStateOut(BaseModel):
    channel: str
    state: str


class NotificationOut(BaseModel):
    id: str
    title: str
    body: str
    link: str | None
    created_at: str
    read_at: str | None
    deliveries: list[DeliveryStateOut] = []


class InboxPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class UnreadOut(BaseModel):
    unread: int


class ReadAllOut(BaseModel):
    marked: int
    unread: int


def inbox_blueprint(container: Container, api: Api) -> Blueprint:
    bp = Blueprint("inbox", __name__, url_prefix="/api/v1")

    @api.route(bp, "/inbox", query=InboxQuery, response=InboxPage, tags=["inbox"])
    def list_inbox(query: InboxQuery) -> InboxPage:
        """My notifications, newest first, each with its delivery state per channel (one more query per page)."""
        me = require_principal(current_principal())
        repo = InboxRepository(recipient=me.sub, school=me.tenant)
        items, nxt = repo.page(cursor=query.cursor, limit=query.limit, unread_only=query.unread)
        states = container.deliveries.states(me.sub, [d.key for d in items])
        return InboxPage(items=[NotificationOut(**d.as_dict(), deliveries=states.get(d.key, [])) for d in items],
                         next_cursor=nxt, unread=repo.unread_count())

    @api.route(bp, "/inbox/<notification_id>/read", methods=["POST"], response=NotificationOut, tags=["inbox"])
    def mark_read(notification_id: str) -> NotificationOut:
        """Mark one of my notifications as read."""
        me = require_principal(current_principal())
        doc = InboxRepository(recipient=me.sub, school=me.tenant).mark_read(notification_id, container.runtime.clock.now())
        return NotificationOut(**doc.as_dict())

    @api.route(bp, "/inbox/unread-count", response=UnreadOut, tags=["inbox"])
    def unread_count() -> UnreadOut:
        """How many of my notifications are unread: the number on the web app's bell (one count query)."""
        me = require_principal(current_principal())
        return UnreadOut(unread=InboxRepository(recipient=me.sub, school=me.tenant).unread_count())

    @api.route(bp, "/inbox/read-all", methods=["POST"], response=ReadAllOut, tags=["inbox"])
    def mark_all_read() -> ReadAllOut:
        """Mark all my notifications read (only mine: the update is scoped by recipient)."""
        me = require_principal(current_principal())
        repo = InboxRepository(recipient=me.sub, school=me.tenant)
        marked = repo.mark_all_read(container.runtime.clock.now())
        return ReadAllOut(marked=marked, unread=repo.unread_count())

    return bp


# ----- my notification settings ------------------------------------------------------------------------
class ChannelCell(BaseModel):
    on: bool
    locked: bool
    available: bool


class KindRow(BaseModel):
    kind: str
    name: str
    mutable: bool
    locked_reason: str | None
    channels: dict[str, ChannelCell]


class Undeliverable(BaseModel):
    channel: str
    address: str
    reason: str
    message: str


class SettingsOut(BaseModel):
    kinds: list[KindRow]
    zalo_phone: str | None
    email: str | None
    problems: list[Undeliverable]


class Choice(BaseModel):
    kind: str
    channel: Literal["email", "zalo"]
    on: bool


class SettingsIn(BaseModel):
    choices: list[Choice] = Field(max_length=100)


class ZaloIn(BaseModel):
    phone: str | None = Field(default=None, max_length=20)


def settings_blueprint(container: Container, api: Api) -> Blueprint:
    bp = Blueprint("notification_settings", __name__, url_prefix="/api/v1")
    page = container.settings_page

    @api.route(bp, "/notification-settings", response=SettingsOut, tags=["settings"])
    def my_settings() -> SettingsOut:
        """My channels per kind of message, my Zalo phone and the addresses that did not work."""
        return SettingsOut(**page.view(require_principal(current_principal())))

    @api.route(bp, "/notification-settings", methods=["PUT"], body=SettingsIn, response=SettingsOut, tags=["settings"])
    def change_settings(body: SettingsIn) -> SettingsOut:
        """Turn channels on or off per kind; security, overdue and escalation cannot be turned off (422)."""
        me = require_principal(current_principal())
        return SettingsOut(**page.change(me, [(c.kind, c.channel, c.on) for c in body.choices]))

    @api.route(bp, "/notification-settings/zalo", methods=["PUT"], body=ZaloIn, response=SettingsOut, tags=["settings"])
    def set_zalo(body: ZaloIn) -> SettingsOut:
        """My Zalo phone (empty: none, and no Zalo messages)."""
        return SettingsOut(**page.set_zalo(require_principal(current_principal()), body.phone))

    return bp


# ----- administrators: dead letters and webhooks ------------------------------------------------------
class DeliveriesQuery(BaseModel):
    state: Literal["dead"] = "dead"
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=200)


class DeliveryOut(BaseModel):
    id: str
    key: str
    recipient: str
    channel: str
    address: str
    kind: str
    title: str
    state: str
    attempts: int
    last_error: str | None
    school: str | None
    next_attempt_at: str | None
    created_at: str | None
    sent_at: str | None


class DeliveriesPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


class WebhookIn(BaseModel):
    url: str = Field(max_length=2000)
    kinds: list[str] = Field(default_factory=list, max_length=50)


class WebhookOut(BaseModel):
    id: str
    url: str
    kinds: list[str]
    created_by: str
    created_at: str
    #: shown once, when the subscription is made
    secret: str | None = None


class WebhooksOut(BaseModel):
    items: list[WebhookOut]


def admin_blueprint(container: Container, api: Api) -> Blueprint:
    bp = Blueprint("deliveries", __name__, url_prefix="/api/v1")
    admin = container.dead_letters

    @api.route(bp, "/deliveries", query=DeliveriesQuery, response=DeliveriesPage, tags=["deliveries"])
    def dead_letters(query: DeliveriesQuery) -> DeliveriesPage:
        """Deliveries that failed for good: my school's people (school admin) or everyone's (platform admin)."""
        items, nxt = admin.dead(require_principal(current_principal()), cursor=query.cursor, limit=query.limit)
        return DeliveriesPage(items=[DeliveryOut(**d.as_dict()) for d in items], next_cursor=nxt)

    @api.route(bp, "/deliveries/<delivery_id>/replay", methods=["POST"], response=DeliveryOut, tags=["deliveries"])
    def replay(delivery_id: str) -> DeliveryOut:
        """Send a dead delivery again (audited); another school's delivery is not found."""
        return DeliveryOut(**admin.replay(require_principal(current_principal()), delivery_id).as_dict())

    @api.route(bp, "/webhook-subscriptions", response=WebhooksOut, tags=["deliveries"])
    def webhooks() -> WebhooksOut:
        """My school's webhook subscriptions (school administrator)."""
        return WebhooksOut(items=[WebhookOut(**d.as_dict()) for d in admin.subscriptions(require_principal(current_principal()))])

    @api.route(bp, "/webhook-subscriptions", methods=["POST"], body=WebhookIn, response=WebhookOut, status=201,
               tags=["deliveries"])
    def subscribe(body: WebhookIn) -> WebhookOut:
        """Subscribe my school to a webhook (https, public address); the signing secret is shown once."""
        doc, secret = admin.subscribe(require_principal(current_principal()), url=body.url, kinds=body.kinds)
        return WebhookOut(**doc.as_dict(), secret=secret)

    @api.route(bp, "/webhook-subscriptions/<subscription_id>", methods=["DELETE"], status=204, tags=["deliveries"])
    def unsubscribe(subscription_id: str) -> tuple[str, int]:
        """Remove one of my school's webhooks (audited); another school's is not found."""
        admin.unsubscribe(require_principal(current_principal()), subscription_id)
        return "", 204

    return bp
