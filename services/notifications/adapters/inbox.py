"""The inbox in MongoDB. An inbox belongs to one person: every query is scoped by recipient, and
for a token of one school also by that school: someone working in two schools reads, counts and
marks only the notices of the school they are working in, plus those tied to no school (a sign-in
from a new device)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import mongoengine
from mongoengine import DateTimeField, StringField

from services.kernel.errors import NotFound
from services.kernel.pagination import paginate


class NotificationDoc(mongoengine.Document):
    meta: ClassVar[dict[str, Any]] = {
        "db_alias": "notifications",
        "collection": "inbox",
        "indexes": [
            {"fields": ["recipient", "-id"]},
            {"fields": ["recipient", "key"], "unique": True},
            {"fields": ["recipient", "school", "-id"]},
        ],
    }

    id = StringField(primary_key=True)
    recipient = StringField(required=True)
    title = StringField(required=True)
    body = StringField(required=True)
    link = StringField()
    kind = StringField(required=True)
    #: the notice's idempotency key: one inbox entry per (recipient, key)
    key = StringField(required=True)
    #: the school the notice is about (None: about no school, or a district or province matter)
    school = StringField()
    created_at = DateTimeField(required=True)
    read_at = DateTimeField()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "link": self.link,
            "created_at": self.created_at.isoformat(),
            "read_at": self.read_at.isoformat() if self.read_at else None,
        }


class InboxRepository:
    """One person's inbox, as seen with a token of ``school`` (None: every notice of the person, as
    district and province staff, whose tokens speak for no school, see them)."""

    def __init__(self, *, recipient: str, school: str | None = None) -> None:
        self.recipient = recipient
        self.school = school

    def _mine(self, **more: Any):
        scope: dict[str, Any] = {"recipient": self.recipient, **more}
        if self.school is not None:
            scope["school__in"] = [self.school, None]
        return NotificationDoc.objects(**scope)

    def add(self, doc: NotificationDoc) -> bool:
        """Store ``doc`` unless this person already has the notice with its key."""
        if doc.recipient != self.recipient:
            raise ValueError("notification for another recipient")
        try:
            doc.save(force_insert=True)
        except mongoengine.NotUniqueError:
            return False
        return True

    def page(self, *, cursor: str | None, limit: int, unread_only: bool) -> tuple[list[NotificationDoc], str | None]:
        qs = self._mine()
        if unread_only:
            qs = qs.filter(read_at=None)
        return paginate(qs, cursor=cursor, limit=limit, descending=True)

    def unread_count(self) -> int:
        return self._mine(read_at=None).count()

    def mark_read(self, notification_id: str, at: datetime) -> NotificationDoc:
        doc = self._mine(id=notification_id).first()
        if doc is None:
            raise NotFound()
        if doc.read_at is None:
            doc.read_at = at
            doc.save()
        return doc

    def mark_all_read(self, at: datetime) -> int:
        """Mark every unread notification read in one update; returns how many changed."""
        return self._mine(read_at=None).update(set__read_at=at)
