"""MongoDB record of a biên bản kiểm tra (alias ``documents``) and its tenant repository.

One record per school and campaign, owned by the school (``tenant_id``); its PDF is a version
of a document of the school (book ``bien_ban_kiem_tra``). Pending events live in the record
itself (outbox).
"""
from __future__ import annotations

from typing import Any, ClassVar

from mongoengine import DateTimeField, DictField, IntField, ListField, StringField

from services.kernel.outbox import OutboxMixin
from services.kernel.tenancy import TenantOwned, TenantRepository

from .records import ALIAS


class InspectionRecordDoc(TenantOwned, OutboxMixin):
    """The biên bản of one school in one campaign: draft, then signed by the team's head."""

    meta: ClassVar[dict[str, Any]] = {"collection": "inspection_records", "db_alias": ALIAS, "indexes": [
        {"fields": ["tenant_id", "campaign"], "unique": True},
        ["campaign", "tenant_id"],
        {"fields": ["outbox_pending"], "partialFilterExpression": {"outbox_pending": True}},
    ]}
    id = StringField(primary_key=True)
    campaign = StringField(required=True)
    campaign_name = StringField(required=True)
    school_name = StringField(required=True)
    school_year = StringField()
    document_id = StringField(required=True)
    version_id = StringField(required=True)  # the draft's version (what the head signs)
    signed_version_id = StringField()
    file_name = StringField(required=True)
    title = StringField(required=True)
    head = StringField(required=True)
    head_name = StringField(required=True)
    team = ListField(DictField())  # {person, name, position}
    drafted_by = StringField(required=True)
    drafted_at = DateTimeField(required=True)
    state = StringField(required=True, default="draft")  # draft | signed
    signed_by = StringField()
    signed_at = DateTimeField()
    findings = IntField(default=0)
    signature_page = IntField(default=-1)
    signature_box = ListField(IntField())


class InspectionRecordRepository(TenantRepository[InspectionRecordDoc]):
    document = InspectionRecordDoc
