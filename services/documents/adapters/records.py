"""MongoDB documents of the documents service (mongoengine, alias ``documents``).

Every record is tenant-owned (``tenant_id``, ``district_id``) and read through the
tenant repositories of ``repositories``; each query a request makes has an index here.
Pending events live in the aggregate's own record (outbox).
"""
from __future__ import annotations

from typing import Any, ClassVar

import mongoengine
from mongoengine import (
    BooleanField, DateTimeField, DictField, IntField, ListField, StringField,
)

from services.kernel.outbox import OutboxMixin
from services.kernel.tenancy import TenantOwned

ALIAS = "documents"


class SchoolRecord(TenantOwned, OutboxMixin):
    """A school as onboarded by identity: its levels and units (the folder tree's and the catalog's input)."""

    meta: ClassVar[dict[str, Any]] = {"collection": "schools", "db_alias": ALIAS,
                                      "indexes": [{"fields": ["tenant_id"], "unique": True}, "district_id",
                                                  {"fields": ["outbox_pending"],
                                                   "partialFilterExpression": {"outbox_pending": True}}]}
    id = StringField(primary_key=True)
    slug = StringField(required=True)
    name = StringField(required=True)
    levels = ListField(StringField())
    units = ListField(DictField())
    #: the principal identity named at onboarding (whom a finding on the school concerns)
    principal_id = StringField()


class FolderRecord(TenantOwned):
    """A folder of the default tree: one book slot of one school year."""

    meta: ClassVar[dict[str, Any]] = {"collection": "folders", "db_alias": ALIAS, "indexes": [
        {"fields": ["tenant_id", "school_year", "book", "owner_key"], "unique": True},
        ["tenant_id", "school_year", "unit_id"],
        ["district_id", "tenant_id", "school_year"],
    ]}
    id = StringField(primary_key=True)
    school_year = StringField(required=True)
    book = StringField(required=True)
    book_name = StringField(required=True)
    owner_kind = StringField(required=True)
    owner_key = StringField(required=True)
    owner_name = StringField()
    unit_id = StringField()
    periods = ListField(StringField())


class DocumentRecord(TenantOwned):
    """A document in a book slot; its bytes are in its versions."""

    meta: ClassVar[dict[str, Any]] = {"collection": "documents", "db_alias": ALIAS, "indexes": [
        ["tenant_id", "school_year", "book", "period"],
        ["tenant_id", "owner_key", "school_year"],
        ["tenant_id", "unit_id", "school_year"],
        ["tenant_id", "status"],
        ["district_id", "tenant_id"],
    ]}
    id = StringField(primary_key=True)
    school_year = StringField(required=True)
    book = StringField(required=True)
    owner_kind = StringField(required=True)
    owner_key = StringField(required=True)
    unit_id = StringField()
    period = StringField(required=True)
    title = StringField(required=True)
    title_search = StringField(required=True)
    created_by = StringField(required=True)
    created_at = DateTimeField(required=True)
    updated_at = DateTimeField(required=True)
    status = StringField(default="draft")  # draft | approved | signed
    write_once = BooleanField(default=False)
    version_count = IntField(default=0)
    latest_version_id = StringField()
    # the version approvals approved (set once by the freeze, moved only by a correction)
    approved_version_id = StringField()
    # the version that stands for the record: the approved one, then its signed successors
    record_version_id = StringField()
    # the owner's name as the uploader's token gave it, when the owner uploaded it themselves
    owner_name = StringField()


class VersionRecord(TenantOwned, OutboxMixin):
    """An immutable version of a document: metadata of bytes stored under ``storage_key``."""

    meta: ClassVar[dict[str, Any]] = {"collection": "versions", "db_alias": ALIAS, "indexes": [
        ["tenant_id", "document_id", "number"],
        {"fields": ["tenant_id", "uploaded_by", "idempotency_key"], "unique": True,
         "partialFilterExpression": {"idempotency_key": {"$type": "string"}}},
        {"fields": ["outbox_pending"], "partialFilterExpression": {"outbox_pending": True}},
    ]}
    id = StringField(primary_key=True)
    document_id = StringField(required=True)
    number = IntField(required=True)
    kind = StringField(required=True)  # upload | signed | correction
    storage_key = StringField(required=True)
    file_name = StringField(required=True)
    format = StringField(required=True)
    content_type = StringField(required=True)
    size = IntField(required=True)
    sha256 = StringField(required=True)
    uploaded_by = StringField(required=True)
    on_behalf_of = StringField()
    uploaded_at = DateTimeField(required=True)
    idempotency_key = StringField()
    derived_from = StringField()
    correction_id = StringField()
    signers = ListField(DictField())
    status = StringField(default="uploaded")  # uploaded | approved | signed
    rendition_status = StringField(default="not_needed")  # not_needed | pending | ready | failed
    rendition_key = StringField()
    rendition_size = IntField()
    rendition_sha256 = StringField()
    rendition_error = StringField()


class LockRecord(TenantOwned, OutboxMixin):
    """A khóa: writes into its scope are refused between ``starts_at`` and ``ends_at``."""

    meta: ClassVar[dict[str, Any]] = {"collection": "locks", "db_alias": ALIAS, "indexes": [
        ["tenant_id", "removed", "ends_at"],
        {"fields": ["outbox_pending"], "partialFilterExpression": {"outbox_pending": True}},
    ]}
    id = StringField(primary_key=True)
    book = StringField()
    unit_id = StringField()
    period = StringField()
    school_year = StringField()
    starts_at = DateTimeField(required=True)
    ends_at = DateTimeField(required=True)
    reason = StringField(required=True)
    created_by = StringField(required=True)
    created_at = DateTimeField(required=True)
    removed = BooleanField(default=False)
    removed_by = StringField()
    removed_at = DateTimeField()


class ExportRecord(TenantOwned, OutboxMixin):
    """A background export (ZIP with manifest, or a merged print PDF) and its progress."""

    meta: ClassVar[dict[str, Any]] = {"collection": "exports", "db_alias": ALIAS, "indexes": [
        ["tenant_id", "requested_by"],
        {"fields": ["outbox_pending"], "partialFilterExpression": {"outbox_pending": True}},
    ]}
    id = StringField(primary_key=True)
    kind = StringField(required=True)  # zip | print
    filters = DictField()
    requested_by = StringField(required=True)
    requested_at = DateTimeField(required=True)
    status = StringField(default="queued")  # queued | running | done | failed
    total = IntField(default=0)
    done = IntField(default=0)
    storage_key = StringField()
    size = IntField()
    sha256 = StringField()
    error = StringField()
    finished_at = DateTimeField()




class CatalogTemplateRecord(OutboxMixin):
    """A catalog template of the Sở, a Phòng or a school for one education level.

    Not tenant-owned: province and district templates belong to no school. Who may
    write which template is checked in ``service_layer.templates``.
    """

    meta: ClassVar[dict[str, Any]] = {"collection": "catalog_templates", "db_alias": ALIAS, "indexes": [
        {"fields": ["education_level", "tier", "owner_id"], "unique": True},
        {"fields": ["outbox_pending"], "partialFilterExpression": {"outbox_pending": True}},
    ]}
    id = StringField(primary_key=True)
    education_level = StringField(required=True)
    tier = StringField(required=True)  # so | phong | truong
    owner_id = StringField(required=True)
    additions = ListField(DictField())
    overrides = DictField()
    updated_by = StringField(required=True)
    updated_at = DateTimeField(required=True)


class PlanSignatureRecord(TenantOwned):
    """The MinHash signature and shingles of a lesson plan's latest text, one per document.

    Written when a version of a plan book is stored (``service_layer.similarity``); read
    across schools only through an inspector's grant, by school year.
    """

    meta: ClassVar[dict[str, Any]] = {"collection": "plan_signatures", "db_alias": ALIAS, "indexes": [
        ["tenant_id", "school_year"],
        ["district_id", "school_year"],
        ["province_id", "school_year"],
    ]}
    id = StringField(primary_key=True)  # the document's id
    version_id = StringField(required=True)
    format = StringField(required=True)
    school_year = StringField(required=True)
    book = StringField(required=True)
    period = StringField(required=True)
    owner_key = StringField(required=True)
    owner_name = StringField()
    title = StringField(required=True)
    words = IntField(required=True)
    minhash = ListField(IntField())
    shingles = ListField(IntField())
    indexed_at = DateTimeField(required=True)


class CalendarRecord(mongoengine.Document):
    """Projection of ``approvals.calendar.published``: the weeks of one school year of one district.

    Not tenant-owned: a district's frame holds for every school of the district, and a school
    reads only its own district's (``repositories.CalendarRepository``). ``published_at`` is the
    event's time: an older event arriving late never replaces a newer frame.
    """

    meta: ClassVar[dict[str, Any]] = {"collection": "calendars", "db_alias": ALIAS, "indexes": [
        {"fields": ["district_id", "school_year"], "unique": True},
    ]}
    id = StringField(primary_key=True)  # "<district>:<school year>"
    district_id = StringField(required=True)
    school_year = StringField(required=True)
    first_teaching_day = StringField(required=True)
    last_teaching_day = StringField(required=True)
    weeks = ListField(DictField())  # {key, number, monday, teaching, label}
    published_at = StringField(required=True)


ALL_RECORDS = (SchoolRecord, FolderRecord, DocumentRecord, VersionRecord, LockRecord, ExportRecord,
               CatalogTemplateRecord, CalendarRecord, PlanSignatureRecord)
OUTBOX_RECORDS = (VersionRecord, LockRecord, ExportRecord, CatalogTemplateRecord, SchoolRecord)
