"""Demo data of the documents service: the demo district's schools, their folder trees for
the current school year, and a few uploaded PDFs so the demo is not empty.

Ids follow the demo convention: school id = school slug, unit id = ``<school>/<unit>``,
district id = district slug, person id = username. The sample files and their document and
version ids come from ``infra/demo/documents.py``, which the approvals seed submits by the
same ids and SHA-256. Safe to run twice.
"""
from __future__ import annotations

import io
from datetime import datetime

from infra.demo.district import DEMO_DISTRICT, DemoPerson, DemoSchool
from infra.demo.documents import SCHOOL_YEAR, DemoDocument, demo_documents
from services.documents.adapters.file_types import CONTENT_TYPES
from services.documents.adapters.records import DocumentRecord, VersionRecord
from services.documents.bootstrap import Container
from services.documents.domain.obligations import find_slot
from services.documents.domain.periods import check_period
from services.kernel.periods import parse_period
from services.documents.service_layer.access import CallerContext, current_school_year, school_context
from services.documents.events import VERSION_UPLOADED
from services.kernel.principal import Principal


def _principal(school: DemoSchool, person: DemoPerson) -> Principal:
    roles = list(person.roles) + ([("giao_vien", person.gvcn_of)] if person.gvcn_of else [])
    return Principal(sub=person.username, name=person.full_name, tenant=school.slug, district=DEMO_DISTRICT.slug,
                     province=DEMO_DISTRICT.province_slug, roles=frozenset(r for r, _ in roles),
                     unit_roles=frozenset((r, f"{school.slug}/{u}") for r, u in roles if u))


def _store(container: Container, ctx: CallerContext, demo: DemoDocument, now: datetime) -> None:
    """Store one demo file under its fixed ids, checked like an upload (type, structure, slot, period)."""
    book = ctx.catalog.get(demo.book)
    slot = find_slot(ctx.actor, book, ctx.units, None)
    if slot is None:
        raise RuntimeError(f"{demo.uploader} owes no {demo.book} in {demo.school}")
    period = check_period(book, demo.period).key
    key = f"{demo.school}/{demo.version_id}"
    fmt, reader = container.uploads.store_bytes(key, io.BytesIO(demo.pdf), book)
    if reader.sha256 != demo.sha256:
        raise RuntimeError(f"stored bytes of {demo.version_id} differ from the demo file")
    principal = ctx.principal
    version = VersionRecord(
        id=demo.version_id, document_id=demo.document_id, number=1, kind="upload", storage_key=key,
        file_name=demo.file_name, format=fmt, content_type=CONTENT_TYPES[fmt], size=reader.size, sha256=reader.sha256,
        uploaded_by=principal.sub, uploaded_at=now, idempotency_key=f"demo-{demo.version_id}")
    version.record_event(VERSION_UPLOADED.event(
        tenant=principal.tenant, district=principal.district, actor=principal.sub,
        data={"version_id": version.id, "document_id": demo.document_id, "book": book.slug, "period": period,
              "school_year": parse_period(period).school_year, "owner_key": slot.owner_key, "unit_id": slot.unit_id,
              "format": fmt, "size": reader.size, "sha256": reader.sha256, "number": 1, "rendition_needed": False}))
    ctx.repos.versions.add(version)
    ctx.repos.documents.add(DocumentRecord(
        id=demo.document_id, school_year=parse_period(period).school_year, book=book.slug,
        owner_kind=book.owner_kind.value, owner_key=slot.owner_key, unit_id=slot.unit_id, period=period,
        title=demo.title, title_search=demo.title.casefold(), created_by=principal.sub, created_at=now,
        updated_at=now, version_count=1, latest_version_id=version.id,
        owner_name=principal.name if slot.owner_key == principal.sub else None))
    container.runtime.audit.append(action="documents.version.uploaded", actor=principal.sub, tenant=principal.tenant,
                                   district=principal.district, target=version.id,
                                   data={"document_id": demo.document_id, "book": book.slug, "period": period,
                                         "sha256": reader.sha256, "size": reader.size, "file_name": demo.file_name})


def seed_demo(container: Container) -> None:
    """Onboard the demo schools, generate their trees and store the demo's sample PDFs under their fixed ids."""
    now = container.runtime.clock.now()
    for school in DEMO_DISTRICT.schools:
        for year in sorted({current_school_year(now), SCHOOL_YEAR}):
            container.folders.onboard({
                "school_id": school.slug, "slug": school.slug, "name": school.name, "levels": list(school.levels),
                "district_id": DEMO_DISTRICT.slug, "province_id": DEMO_DISTRICT.province_slug,
                "units": [{"id": f"{school.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind}
                          for u in school.units],
                "principal_id": next((p.username for p in school.people if ("hieu_truong", None) in p.roles), None),
            }, year)
    people = {p.username: (school, p) for school in DEMO_DISTRICT.schools for p in school.people}
    for demo in demo_documents():
        school, person = people[demo.uploader]
        ctx = school_context(_principal(school, person))
        if ctx.repos.versions.query(id=demo.version_id).first() is None:
            _store(container, ctx, demo, now)
