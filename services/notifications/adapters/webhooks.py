"""Webhook subscriptions of a school, set by its administrator (never by a person for themself)."""
from __future__ import annotations

from typing import Any, ClassVar

from mongoengine import DateTimeField, ListField, StringField

from services.kernel.tenancy import TenantOwned, TenantRepository

from .channels.webhook import WebhookTarget


class WebhookDoc(TenantOwned):
    meta: ClassVar[dict[str, Any]] = {
        "db_alias": "notifications",
        "collection": "webhooks",
        "indexes": [{"fields": ["tenant_id", "district_id"]}],
    }

    id = StringField(primary_key=True)
    url = StringField(required=True)
    secret = StringField(required=True)
    #: kinds sent to it; empty: every kind
    kinds = ListField(StringField())
    created_by = StringField(required=True)
    created_at = DateTimeField(required=True)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "kinds": list(self.kinds), "created_by": self.created_by,
                "created_at": self.created_at.isoformat()}


class WebhookRepository(TenantRepository[WebhookDoc]):
    """A school's subscriptions, for its administrator."""

    document = WebhookDoc


class WebhookTargets:
    """The system's lookups: the subscriptions covering a school and kind, and one target by id."""

    def for_school(self, school: str, kind: str) -> list[str]:
        docs = WebhookDoc.objects(tenant_id=school).only("id", "kinds")
        return [d.id for d in docs if not d.kinds or kind in d.kinds]

    def target(self, subscription: str) -> WebhookTarget | None:
        doc = WebhookDoc.objects(id=subscription).only("url", "secret").first()
        return WebhookTarget(url=doc.url, secret=doc.secret) if doc else None
