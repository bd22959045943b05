"""Copied lesson plans: signatures when a plan is stored, and the inspectors' finding list.

Indexing: on ``documents.version.uploaded`` for a plan book (``PLAN_BOOKS``), the version's
text is extracted, shingled and its MinHash signature kept with the shingles, one record
per document (its latest version), in the school's scope. A version without a text layer
removes the document's signature (old text must not stand for new bytes).

Finding list: within the inspector's grant (their unit's schools; the Sở its province),
plans of the asked school year are looked up by LSH among the plans of that year and the
earlier ones; each candidate pair is kept when its exact shingle Jaccard reaches the
asked minimum and it is another teacher's plan or an earlier year's. The list is worded
as a measure, never an accusation.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from services.documents.adapters.minhash import candidate_pairs, estimate, signature
from services.documents.adapters.object_store import ObjectStore
from services.documents.adapters.plan_text import extract_text
from services.documents.adapters.records import DocumentRecord, PlanSignatureRecord
from services.documents.adapters.repositories import Repositories
from services.documents.domain.similarity import (
    MIN_THRESHOLD, PLAN_BOOKS, PlanSide, jaccard, percent, shingles, wording, words,
)
from services.documents.events import VERSION_UPLOADED, VersionUploaded
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from services.kernel.events import Event
from services.kernel.messaging import reads
from services.kernel.periods import period_label
from services.kernel.pagination import MAX_LIMIT, decode_cursor, encode_cursor
from services.kernel.principal import CampaignGrant, Principal
from services.kernel.tenancy import TenantScope, grant_cross_tenant

READ_REASON = "Rà soát kế hoạch bài dạy giống nhau"
#: LSH looks a little below the asked minimum so that the exact Jaccard, not banding luck, decides
LSH_MARGIN = 0.1
#: versions a service derives from a stored one carry the same text (a signed PDF): not indexed again
DERIVED_SAME_TEXT = frozenset({"signed"})


@dataclass(frozen=True)
class SimilarQuery:
    school_year: str
    school: str | None
    minimum: float
    cursor: str | None = None
    limit: int = 50
    reason: str | None = None


class SimilarPlans:
    """Keeps plan signatures and answers the near-duplicate finding list."""

    def __init__(self, *, store: ObjectStore, clock: Clock, audit: AuditLog) -> None:
        self._store = store
        self._clock = clock
        self._audit = audit

    # -- indexing -----------------------------------------------------------------------------
    @reads(VERSION_UPLOADED, "book", "kind", "version_id")
    def on_version_uploaded(self, event: Event, data: VersionUploaded) -> None:
        """A version of a plan book was stored: keep its signature."""
        if data.book in PLAN_BOOKS and data.kind not in DERIVED_SAME_TEXT:
            self.index_version(tenant=event.tenant or "", district=event.district or "", version_id=data.version_id)

    def index_version(self, *, tenant: str, district: str, version_id: str) -> bool:
        """Extract, shingle and sign one stored version; whether a signature is now kept for its document."""
        repos = Repositories(TenantScope.school(tenant, district))
        version = repos.versions.query(id=version_id).first()
        if version is None:
            return False
        document = repos.documents.get(version.document_id)
        if document.latest_version_id != version.id and repos.plan_signatures.query(id=document.id).first():
            return True  # a later version is (or will be) indexed; an older one arriving late changes nothing
        data = b"".join(self._store.iter_chunks(version.storage_key))
        text = extract_text(data, version.format)
        scope = TenantScope.school(tenant, district, document.province_id)
        return self.index_text(Repositories(scope), document, version_id=version.id, fmt=version.format, text=text)

    def index_text(self, repos: Repositories, document: DocumentRecord, *, version_id: str, fmt: str,
                   text: str) -> bool:
        """Keep the signature of ``text`` as ``document``'s (replacing an older one); a text too short
        to compare removes it. Whether a signature is now kept."""
        hashes = shingles(text)
        if not hashes:
            held = repos.plan_signatures.query(id=document.id).first()
            if held is not None:
                held.delete()
                self._audit.append(action="documents.plan_signature.removed", actor=None, tenant=document.tenant_id,
                                   district=document.district_id, target=document.id, data={"version_id": version_id})
            return False
        record = PlanSignatureRecord(
            id=document.id, version_id=version_id, format=fmt, school_year=document.school_year, book=document.book,
            period=document.period, owner_key=document.owner_key, owner_name=document.owner_name,
            title=document.title, words=len(words(text)), minhash=signature(hashes), shingles=sorted(hashes),
            indexed_at=self._clock.now())
        repos.plan_signatures.add(record)
        self._audit.append(action="documents.plan_signature.stored", actor=None, tenant=document.tenant_id,
                           district=document.district_id, target=document.id,
                           data={"version_id": version_id, "shingles": len(hashes)})
        return True

    # -- the finding list ---------------------------------------------------------------------
    def find(self, principal: Principal | None, query: SimilarQuery) -> dict:
        """The pairs of near-duplicate plans in the caller's oversight scope, most alike first."""
        if principal is None:
            raise Unauthorized()
        if principal.tenant or principal.is_service:
            raise Forbidden("Danh sách kế hoạch bài dạy giống nhau chỉ dành cho cán bộ quản lý, kiểm tra.")
        if not MIN_THRESHOLD <= query.minimum <= 1.0:
            raise ValidationFailed(f"Mức giống tối thiểu phải từ {MIN_THRESHOLD:g} đến 1.", field="min")
        if query.limit < 1 or query.limit > MAX_LIMIT:
            raise ValidationFailed(f"Số bản ghi mỗi trang phải từ 1 đến {MAX_LIMIT}.", field="limit")
        offset = _offset(query.cursor)
        grant = grant_cross_tenant(principal, reason=query.reason or READ_REASON, audit=self._audit)
        repos = Repositories(TenantScope.across(grant))
        if query.school and repos.schools.query(id=query.school).first() is None:
            raise NotFound()
        pool = {r.id: r for r in repos.plan_signatures.query(school_year__lte=query.school_year).only(
            "id", "tenant_id", "school_year", "owner_key", "minhash")}
        probes = [r.id for r in pool.values() if r.school_year == query.school_year
                  and (query.school is None or r.tenant_id == query.school)]
        threshold = max(MIN_THRESHOLD - LSH_MARGIN, query.minimum - LSH_MARGIN)
        pairs = [(a, b) for a, b in candidate_pairs({k: r.minhash for k, r in pool.items()}, probes, threshold)
                 if _comparable(pool[a], pool[b])]
        now = int(self._clock.now().timestamp())
        campaigns = [g for g in principal.grants if g.active(now)]
        items = self._refine(repos, pairs, query.minimum, campaigns)
        page = items[offset:offset + query.limit]
        following = offset + query.limit
        self._audit.append(action="documents.similar_plans.read", actor=principal.sub, tenant=None,
                           district=grant.district, target=query.school or grant.district or grant.province,
                           data={"school_year": query.school_year, "school": query.school, "min": query.minimum,
                                 "pairs": len(items), "province": grant.province})
        return {"school_year": query.school_year, "min": query.minimum, "total": len(items), "items": page,
                "next_cursor": encode_cursor(following) if following < len(items) else None}

    def _refine(self, repos: Repositories, pairs: list[tuple[str, str]], minimum: float,
                campaigns: list[CampaignGrant]) -> list[dict]:
        ids = sorted({k for pair in pairs for k in pair})
        full = {r.id: r for r in repos.plan_signatures.query(id__in=ids)} if ids else {}
        schools = {s.id: s.name for s in repos.schools.query(id__in=sorted({r.tenant_id for r in full.values()}))} \
            if full else {}
        items = []
        for a_id, b_id in pairs:
            a, b = full[a_id], full[b_id]
            exact = jaccard(a.shingles, b.shingles)
            if exact < minimum:
                continue
            newer, older = (a, b) if (a.school_year, a.indexed_at, a.id) >= (b.school_year, b.indexed_at, b.id) else (b, a)
            items.append(_pair_view(newer, older, exact, estimate(a.minhash, b.minhash), schools, campaigns))
        items.sort(key=lambda item: (-item["similarity"], item["a"]["document_id"], item["b"]["document_id"]))
        return items


def _offset(cursor: str | None) -> int:
    """The list is ranked by similarity, not by id: its cursor is the position of the next page."""
    if not cursor:
        return 0
    value = decode_cursor(cursor)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationFailed("Con trỏ phân trang không hợp lệ.", field="cursor")
    return value


def _comparable(a: PlanSignatureRecord, b: PlanSignatureRecord) -> bool:
    """Another teacher's plan, or an earlier year's; one teacher's plans of one year are not compared."""
    return a.owner_key != b.owner_key or a.school_year != b.school_year


NO_CAMPAIGN = ("Muốn mở kế hoạch này, cần một đợt kiểm tra đang diễn ra có trường và loại hồ sơ này "
               "trong phạm vi (trang Đợt kiểm tra).")


def _covering(campaigns: list[CampaignGrant], record: PlanSignatureRecord) -> CampaignGrant | None:
    """A running campaign of the caller whose scope holds this plan (school, book type, year)."""
    return next((g for g in campaigns if record.tenant_id in g.schools and (not g.books or record.book in g.books)
                 and (g.year is None or g.year == record.school_year)), None)


def _side(record: PlanSignatureRecord, schools: dict[str, str], campaigns: list[CampaignGrant]) -> dict:
    """One plan of a pair. The list is read under the standing right (titles, teachers, the measure);
    opening a plan is reading a school's book, so ``viewer`` exists only inside a covering campaign."""
    grant = _covering(campaigns, record)
    viewer = None
    if grant is not None:
        params = {"school": record.tenant_id, "campaign": grant.campaign,
                  **({"rendition": "pdf"} if record.format != "pdf" else {})}
        viewer = f"/api/documents/v1/versions/{record.version_id}/content?{urlencode(params, quote_via=quote)}"
    return {"document_id": record.id, "version_id": record.version_id, "school_id": record.tenant_id,
            "school_name": schools.get(record.tenant_id, record.tenant_id), "school_year": record.school_year,
            "book": record.book, "period": record.period, "period_label": period_label(record.period),
            "title": record.title, "owner_key": record.owner_key, "teacher": record.owner_name or record.owner_key, "format": record.format,
            "viewer": viewer, "viewer_notice": None if viewer else NO_CAMPAIGN}


def _pair_view(newer: PlanSignatureRecord, older: PlanSignatureRecord, exact: float, estimated: float,
               schools: dict[str, str], campaigns: list[CampaignGrant]) -> dict:
    a, b = _side(newer, schools, campaigns), _side(older, schools, campaigns)
    text = wording(PlanSide(a["teacher"], a["school_name"], a["school_year"]),
                   PlanSide(b["teacher"], b["school_name"], b["school_year"]), exact)
    relation = "earlier_year" if newer.school_year != older.school_year else "other_teacher"
    return {"similarity": round(exact, 4), "percent": percent(exact), "estimate": round(estimated, 4),
            "relation": relation, "text": text, "a": a, "b": b}
