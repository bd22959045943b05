"""The finding record (kết luận kiểm tra) and its tenant repository.

A finding belongs to the school it is about (``tenant_id``), though an inspector writes it: the
repository lets a campaign grant on one school of the campaign open one, and narrows every
inspector's query to the findings of the campaign the grant rests on. Pending events live in
the record (outbox).
"""
from __future__ import annotations

from typing import Any, ClassVar

from mongoengine import DateTimeField, DictField, IntField, ListField, StringField
from mongoengine.errors import SaveConditionError

from services.kernel.errors import Conflict, Forbidden
from services.kernel.outbox import OutboxMixin
from services.kernel.tenancy import TenantOwned, TenantRepository, TenantScope

from .records import ALIAS, SchoolRecord


class FindingDoc(TenantOwned, OutboxMixin):
    """One finding of an inspection campaign on a school's document, book, teacher or the school itself."""

    meta: ClassVar[dict[str, Any]] = {"collection": "findings", "db_alias": ALIAS, "indexes": [
        ["tenant_id", "campaign"],
        ["tenant_id", "state"],
        ["tenant_id", "teacher"],
        {"fields": ["outbox_pending"], "partialFilterExpression": {"outbox_pending": True}},
    ]}
    id = StringField(primary_key=True)
    campaign = StringField(required=True)
    campaign_name = StringField(required=True)
    school_name = StringField(required=True)
    target_kind = StringField(required=True)  # document | book | teacher | school
    #: what names the target: {document, version, book, period, teacher} as they apply
    target = DictField()
    target_label = StringField(required=True)
    teacher = StringField()  # the teacher concerned, when there is one
    teacher_name = StringField()
    severity = StringField(required=True)  # info | minor | major
    text = StringField(required=True)
    requested_fix = StringField()
    due_on = StringField()  # ISO date
    state = StringField(required=True, default="open")  # open | answered | closed
    inspector = StringField(required=True)
    inspector_name = StringField()
    opened_at = DateTimeField(required=True)
    #: every answer, oldest first: {by, by_name, text, version_id, document_id, file_name, at}
    answers = ListField(DictField())
    closed_by = StringField()
    closed_by_name = StringField()
    closed_at = DateTimeField()
    close_note = StringField()
    updated_at = DateTimeField(required=True)
    #: bumped by every change: a change saved on a stale copy is refused
    rev = IntField(default=0)


class FindingRepository(TenantRepository[FindingDoc]):
    """Findings in scope: a school's own, or those of the campaign a grant rests on."""

    document = FindingDoc

    def _campaign_filter(self, scope: TenantScope) -> dict[str, Any]:
        held = scope.grant.campaign if scope.grant is not None else None
        return {"campaign": held.campaign} if held is not None else {}

    def open(self, finding: FindingDoc, school: SchoolRecord) -> FindingDoc:
        """Store a new finding on ``school``: only under a campaign grant narrowed to that school."""
        scope = self._scope()
        held = scope.grant.campaign if scope.grant is not None else None
        if held is None or scope.tenant != school.id or finding.campaign != held.campaign:
            raise Forbidden("Chỉ thành viên đoàn kiểm tra mới ghi được kết luận kiểm tra.")
        finding.tenant_id, finding.district_id, finding.province_id = school.id, school.district_id, school.province_id
        finding.save(force_insert=True)
        return finding

    def save_change(self, finding: FindingDoc) -> FindingDoc:
        """Save a change made on a loaded finding unless it changed since it was read (409 then)."""
        expected = finding.rev or 0
        finding.rev = expected + 1
        try:
            finding.save(save_condition={"rev": expected})
        except SaveConditionError:
            raise Conflict("Kết luận vừa được thay đổi; hãy tải lại trang rồi thử lại.") from None
        return finding
