"""Delivery records: one per (notice key, recipient, channel, webhook target), the idempotency key.

The unique index makes a notice reach each person once per channel however often it is
dispatched. The scheduler claims due records atomically (``find_one_and_update`` from
``pending``, or from an expired ``sending`` lease, to ``sending`` with a new lease), so any
number of replicas can run the job without sending twice. Records carry the school of the
recipient (``tenant_id``): administrators read them through the tenant-scoped repository.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar

import mongoengine
from mongoengine import DateTimeField, IntField, Q, StringField

from services.kernel.pagination import paginate
from services.kernel.tenancy import TenantOwned, TenantRepository

from ..domain.delivery import State
from ..domain.notices import Kind, Notice


class DeliveryDoc(TenantOwned):
    meta: ClassVar[dict[str, Any]] = {
        "db_alias": "notifications",
        "collection": "deliveries",
        "indexes": [
            {"fields": ["key", "recipient", "channel", "target"], "unique": True},
            {"fields": ["state", "next_attempt_at"]},
            {"fields": ["state", "lease_until"]},
            {"fields": ["recipient", "key"]},
            {"fields": ["tenant_id", "district_id", "state", "-id"]},
            {"fields": ["state", "-id"]},
        ],
    }

    id = StringField(primary_key=True)
    key = StringField(required=True)
    recipient = StringField(required=True)
    channel = StringField(required=True)
    #: the webhook subscription id; "" for the person's own channels
    target = StringField(default="")
    address = StringField(required=True)
    kind = StringField(required=True)
    title = StringField(required=True)
    body = StringField(required=True)
    link = StringField()
    state = StringField(required=True, default=State.PENDING.value)
    attempts = IntField(default=0)
    last_error = StringField()
    next_attempt_at = DateTimeField()
    lease_until = DateTimeField()
    created_at = DateTimeField(required=True)
    sent_at = DateTimeField()

    def notice(self) -> Notice:
        """The notice this record delivers, as the channel receives it."""
        return Notice(key=self.key, recipient=self.recipient, kind=Kind(self.kind), title=self.title, body=self.body,
                      link=self.link, school=self.tenant_id or None)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "recipient": self.recipient, "channel": self.channel,
                "address": self.address, "kind": self.kind, "title": self.title, "state": self.state,
                "attempts": self.attempts, "last_error": self.last_error, "school": self.tenant_id or None,
                "next_attempt_at": _iso(self.next_attempt_at), "created_at": _iso(self.created_at),
                "sent_at": _iso(self.sent_at)}


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


class DeliveryStore:
    """The dispatcher's and the scheduler's view: every school's records (a system job, not a person)."""

    def open(self, doc: DeliveryDoc) -> bool:
        """Insert ``doc`` unless a record with its idempotency key exists; True when new."""
        try:
            doc.save(force_insert=True)
        except mongoengine.NotUniqueError:
            return False
        return True

    def claim(self, now: datetime, lease: timedelta) -> DeliveryDoc | None:
        """Take one due record for sending (atomic: one replica gets it), counting the attempt."""
        due = Q(state=State.PENDING.value, next_attempt_at__lte=now) | Q(state=State.SENDING.value, lease_until__lte=now)
        return DeliveryDoc.objects(due).order_by("next_attempt_at").modify(
            new=True, set__state=State.SENDING.value, set__lease_until=now + lease, inc__attempts=1)

    def sent(self, doc: DeliveryDoc, now: datetime) -> None:
        DeliveryDoc.objects(id=doc.id, state=State.SENDING.value).update_one(
            set__state=State.SENT.value, set__sent_at=now, unset__lease_until=True, unset__next_attempt_at=True)

    def hold(self, doc: DeliveryDoc, until: datetime) -> None:
        """Give a claimed record back untried (quiet hours), due at ``until``; the attempt does not count."""
        DeliveryDoc.objects(id=doc.id, state=State.SENDING.value).update_one(
            set__state=State.PENDING.value, set__next_attempt_at=until, unset__lease_until=True, dec__attempts=1)

    def failed(self, doc: DeliveryDoc, reason: str, retry_at: datetime | None) -> None:
        """Back to pending at ``retry_at``, or dead when there is none."""
        if retry_at is None:
            DeliveryDoc.objects(id=doc.id, state=State.SENDING.value).update_one(
                set__state=State.DEAD.value, set__last_error=reason, unset__lease_until=True, unset__next_attempt_at=True)
        else:
            DeliveryDoc.objects(id=doc.id, state=State.SENDING.value).update_one(
                set__state=State.PENDING.value, set__last_error=reason, set__next_attempt_at=retry_at,
                unset__lease_until=True)

    def states(self, recipient: str, keys: Iterable[str]) -> dict[str, list[dict[str, str]]]:
        """``{key: [{channel, state}]}`` of one person's notices (one query for a page of the inbox)."""
        out: dict[str, list[dict[str, str]]] = {}
        rows = DeliveryDoc.objects(recipient=recipient, key__in=list(keys)).only("key", "channel", "state").as_pymongo()
        for row in rows:
            out.setdefault(row["key"], []).append({"channel": row["channel"], "state": row["state"]})
        return out

    def dead_everywhere(self, *, cursor: str | None, limit: int) -> tuple[list[DeliveryDoc], str | None]:
        """Dead records of every school: the platform administrator's page (the caller audits the read)."""
        return paginate(DeliveryDoc.objects(state=State.DEAD.value), cursor=cursor, limit=limit, descending=True)


class DeliveryRepository(TenantRepository[DeliveryDoc]):
    """A school's delivery records, for its administrators: another school's are not found."""

    document = DeliveryDoc

    def dead(self, *, cursor: str | None, limit: int) -> tuple[list[DeliveryDoc], str | None]:
        return paginate(self.query(state=State.DEAD.value), cursor=cursor, limit=limit, descending=True)


def replay(doc: DeliveryDoc, at: datetime) -> DeliveryDoc:
    """Put a dead record back in the queue with fresh attempts, due at ``at`` (the job sends it then)."""
    DeliveryDoc.objects(id=doc.id, state=State.DEAD.value).update_one(
        set__state=State.PENDING.value, set__attempts=0, set__next_attempt_at=at)
    doc.reload()
    return doc
