"""MongoDB documents of the signing service (mongoengine, alias ``signing``).

Every query a request makes has an index declared here. The signed-document aggregate keeps
its pending events in its own document (kernel ``OutboxMixin``), written in the same save.
"""
from __future__ import annotations

from mongoengine import (
    BinaryField, BooleanField, DateTimeField, DictField, Document, IntField, ListField, StringField,
)

from services.kernel.outbox import OutboxMixin
from services.kernel.tenancy import TenantOwned

ALIAS = "signing"


class DistrictCaDoc(Document):
    """A district's platform CA and its development TSA; keys sealed under the KEK."""

    meta = {"db_alias": ALIAS, "collection": "district_cas"}
    id = StringField(primary_key=True)  # district id
    name = StringField(required=True)
    certificate_der = BinaryField(required=True)
    sealed_key = BinaryField(required=True)
    tsa_certificate_der = BinaryField(required=True)
    tsa_sealed_key = BinaryField(required=True)
    revoked = ListField(DictField())  # {serial: int as str, at: datetime}
    crl_number = IntField(default=1)
    created_at = DateTimeField()


class CredentialDoc(TenantOwned):
    """A signing credential of a person or of a school (organisational seal).

    Oversight staff (district, commune or province) belong to no school: their credentials have no
    ``tenant_id`` and ``district_id`` is their unit (or province), whose platform CA issues them.
    """

    meta = {"db_alias": ALIAS, "collection": "credentials", "indexes": [
        ("tenant_id", "owner_id"), "serial_hex", "district_id", ("district_id", "owner_id"),
    ]}
    tenant_id = StringField(null=True)
    id = StringField(primary_key=True)
    owner_id = StringField(required=True)
    owner_kind = StringField(required=True)
    kind = StringField(required=True)
    label = StringField(default="")
    certificate_der = BinaryField(required=True)
    chain_der = ListField(BinaryField())
    sealed_key = BinaryField(null=True)
    provider = StringField(null=True)
    provider_account = StringField(null=True)
    pin_failures = IntField(default=0)
    locked = BooleanField(default=False)
    revoked_at = DateTimeField(null=True)
    serial_hex = StringField(required=True)
    not_after = DateTimeField()
    created_at = DateTimeField()


class SignedDocumentDoc(TenantOwned, OutboxMixin):
    """The signing record of one submission: its code, signatures in order, issue and recall."""

    meta = {"db_alias": ALIAS, "collection": "signed_documents", "indexes": [
        {"fields": ["submission_id"], "unique": True},
        {"fields": ["code"], "unique": True},
        "signed_sha256s",
        {"fields": ["outbox_pending"], "partialFilterExpression": {"outbox_pending": True}},
    ]}
    id = StringField(primary_key=True)
    submission_id = StringField(required=True)
    document_id = StringField(required=True)
    book_type = StringField(required=True)
    code = StringField(required=True)
    approved_version_id = StringField(required=True)
    approved_sha256 = StringField(required=True)
    latest_version_id = StringField(required=True)
    latest_sha256 = StringField(required=True)
    signed_sha256s = ListField(StringField())
    signatures = ListField(DictField())
    recalled_at = DateTimeField(null=True)
    recall_reason = StringField(null=True)
    created_at = DateTimeField()


class BatchDoc(TenantOwned, OutboxMixin):
    """A signing batch: one authorisation for many submissions; the items live in ``BatchItemDoc``.

    Its end (``signing.batch.finished`` / ``.failed``) is recorded in its own outbox with the final state.
    """

    meta = {"db_alias": ALIAS, "collection": "batches", "indexes": [
        ("tenant_id", "actor"), "ticket_id", ("state", "created_at"), ("state", "key_path"),
        {"fields": ["outbox_pending"], "partialFilterExpression": {"outbox_pending": True}},
    ]}
    id = StringField(primary_key=True)
    actor = StringField(required=True)
    on_behalf_of = StringField(null=True)
    credential_id = StringField(required=True)
    key_path = StringField(required=True)
    state = StringField(required=True)  # preparing | signing | waiting | completing | done | failed
    reason = StringField(null=True)
    ticket_id = StringField(null=True)
    actor_claims = DictField()  # the signer's verified claims, to resume a parked batch in any process
    total = IntField(default=0)
    # items that reached signed / failed, counted as each one ends (progress without reading the items)
    signed = IntField(default=0)
    failed = IntField(default=0)
    created_at = DateTimeField()
    finished_at = DateTimeField(null=True)


class BatchItemDoc(Document):
    """One document of a batch and its outcome (one small record each: a batch may hold a thousand)."""

    meta = {"db_alias": ALIAS, "collection": "batch_items",
            "indexes": [{"fields": ["batch_id", "index"], "unique": True}]}
    batch_id = StringField(required=True)
    index = IntField(required=True)
    data = DictField()


class ExternalJobDoc(TenantOwned):
    """Items waiting for the signing agent, and the signatures it posted."""

    meta = {"db_alias": ALIAS, "collection": "external_jobs", "indexes": ["owner_id"]}
    id = StringField(primary_key=True)
    credential_id = StringField(required=True)
    owner = StringField()  # typed owner key, "person:<id>" or "school:<id>" (kernel OwnerKey)
    owner_id = StringField(required=True)
    items = ListField(DictField())  # {id, data: bytes, label}
    certificate_der = BinaryField(required=True)
    created_at = DateTimeField()
    expires_at = DateTimeField()
    signatures = DictField(null=True)


class AgentPairingDoc(TenantOwned):
    """A one-time pairing code for one external job, and the job-scoped token it was exchanged for.

    Only SHA-256 digests of the code and of the token are kept.
    """

    meta = {"db_alias": ALIAS, "collection": "agent_pairings", "indexes": [
        ("job_id", "created_at"), {"fields": ["token_sha256"], "sparse": True},
    ]}
    id = StringField(primary_key=True)
    job_id = StringField(required=True)
    owner = StringField(required=True)  # typed owner key of the person who made the code
    code_sha256 = StringField(required=True)
    created_at = DateTimeField()
    expires_at = DateTimeField()
    attempts = IntField(default=0)
    used_at = DateTimeField(null=True)
    token_sha256 = StringField(null=True)
    token_expires_at = DateTimeField(null=True)
    token_spent_at = DateTimeField(null=True)


ALL_DOCUMENTS = (DistrictCaDoc, CredentialDoc, SignedDocumentDoc, BatchDoc, BatchItemDoc, ExternalJobDoc,
                 AgentPairingDoc)
OUTBOX_DOCUMENTS = (SignedDocumentDoc, BatchDoc)
