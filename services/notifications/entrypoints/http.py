"""HTTP API of the notifications service: a person's own inbox."""
from __future__ import annotations

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


class NotificationOut(BaseModel):
    id: str
    title: str
    body: str
    link: str | None
    created_at: str
    read_at: str | None


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
        """My notifications, newest first."""
        me = require_principal(current_principal())
        repo = InboxRepository(recipient=me.sub)
        items, nxt = repo.page(cursor=query.cursor, limit=query.limit, unread_only=query.unread)
        return InboxPage(items=[NotificationOut(**d.as_dict()) for d in items], next_cursor=nxt, unread=repo.unread_count())

    @api.route(bp, "/inbox/<notification_id>/read", methods=["POST"], response=NotificationOut, tags=["inbox"])
    def mark_read(notification_id: str) -> NotificationOut:
        """Mark one of my notifications as read."""
        me = require_principal(current_principal())
        doc = InboxRepository(recipient=me.sub).mark_read(notification_id, container.runtime.clock.now())
        return NotificationOut(**doc.as_dict())

    @api.route(bp, "/inbox/unread-count", response=UnreadOut, tags=["inbox"])
    def unread_count() -> UnreadOut:
        """How many of my notifications are unread: the number on the web app's bell (one count query)."""
        me = require_principal(current_principal())
        return UnreadOut(unread=InboxRepository(recipient=me.sub).unread_count())

    @api.route(bp, "/inbox/read-all", methods=["POST"], response=ReadAllOut, tags=["inbox"])
    def mark_all_read() -> ReadAllOut:
        """Mark all my notifications read (only mine: the update is scoped by recipient)."""
        me = require_principal(current_principal())
        repo = InboxRepository(recipient=me.sub)
        marked = repo.mark_all_read(container.runtime.clock.now())
        return ReadAllOut(marked=marked, unread=repo.unread_count())

    return bp
