"""The demo seed gives every demo school its tree and a few documents, and is safe to run twice."""
from __future__ import annotations

from infra.demo.documents import demo_documents
from services.documents.adapters.records import DocumentRecord, FolderRecord, VersionRecord
from services.documents.entrypoints.demo import seed_demo


def test_demo_seed_creates_folders_and_sample_documents_once(container) -> None:
    seed_demo(container)
    seed_demo(container)
    for school in ("th-hoa-phong", "mn-hoa-chau", "thcs-nguyen-hue"):
        assert FolderRecord.objects(tenant_id=school, school_year="2025-2026").count() > 5
        assert DocumentRecord.objects(tenant_id=school).count() >= 2
    assert VersionRecord.objects(tenant_id="th-hoa-phong").count() == len([d for d in demo_documents() if d.school == "th-hoa-phong"])
    assert all(v.format == "pdf" and v.size > 0 for v in VersionRecord.objects)
