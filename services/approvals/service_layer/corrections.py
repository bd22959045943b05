"""Correction use cases: request, principal's consent, witnesses' confirmations, application."""
from __future__ import annotations

from typing import Any

from services.approvals.adapters.documents import CorrectionDoc
from services.approvals.adapters.repositories import (
    CorrectionRepository, SubmissionRepository, aware, keyset_page, save_with_revision, submission_from_doc,
)
from services.approvals.domain.corrections import APPLIED, Correction
from services.approvals.domain.submissions import Acting
from services.approvals.service_layer.common import audit, domain_errors, make_event, record
from services.approvals.service_layer.published import labels, obligation_label
from services.approvals.service_layer.submissions import SubmissionService
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Forbidden
from services.kernel.ids import new_id
from services.kernel.permissions import require_principal
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope


READER_ROLES = ("hieu_truong", "pho_hieu_truong", "quan_tri")


def _to_doc(c: Correction, doc: CorrectionDoc) -> CorrectionDoc:
    for name in ("submission_id", "requester", "reason", "new_version_id", "new_sha256", "state", "witnesses", "trail",
                 "created_at"):
        setattr(doc, name, getattr(c, name))
    doc.tenant_id, doc.district_id = c.tenant, c.district
    return doc


def _from_doc(doc: CorrectionDoc) -> Correction:
    return Correction(doc.id, doc.tenant_id, doc.district_id, doc.submission_id, doc.requester, doc.reason,
                      doc.new_version_id, doc.new_sha256, aware(doc.created_at), doc.state,
                      [{**w, "confirmed_at": aware(w.get("confirmed_at"))} for w in doc.witnesses],
                      [{**t, "at": aware(t.get("at"))} for t in doc.trail])


def view(c: Correction) -> dict[str, Any]:
    def iso(v: Any) -> Any:
        return v.isoformat() if hasattr(v, "isoformat") else v
    return {"id": c.id, "submission_id": c.submission_id, "requester": c.requester, "reason": c.reason,
            "new_version_id": c.new_version_id, "new_sha256": c.new_sha256, "state": c.state,
            "witnesses": [{k: iso(v) for k, v in w.items()} for w in c.witnesses],
            "trail": [{k: iso(v) for k, v in t.items()} for t in c.trail], "created_at": iso(c.created_at)}


class CorrectionService:
    def __init__(self, *, clock: Clock, audit_log: AuditLog, submissions: SubmissionService) -> None:
        self.clock = clock
        self.audit = audit_log
        self.submissions = submissions

    def _save(self, doc: CorrectionDoc, c: Correction, type_: str, acting: Acting, data: dict) -> None:
        now = self.clock.now()
        record(doc, make_event(type_, {"correction_id": c.id, "submission_id": c.submission_id, "state": c.state, **data},
                               tenant=c.tenant, district=c.district, acting=acting, now=now))
        save_with_revision(_to_doc(c, doc))
        audit(self.audit, type_, acting, tenant=c.tenant, district=c.district, target=c.id,
              data={"submission_id": c.submission_id, "state": c.state, **data})

    def request(self, actor: Principal, *, submission_id: str, reason: str, version_id: str, sha256: str) -> dict:
        p = require_principal(actor)
        sub = submission_from_doc(SubmissionRepository(scope=TenantScope.for_principal(p)).get(submission_id))
        with domain_errors():
            c = Correction.request(id=new_id(), actor=p, submission_state=sub.state, submitter=sub.submitter,
                                   submission_id=sub.id, reason=reason, version_id=version_id, sha256=sha256,
                                   now=self.clock.now())
        principals = self.submissions.directory.holders(sub.tenant, "hieu_truong", None, self.clock.now())
        self._save(CorrectionDoc(id=c.id), c, "approvals.correction.requested", Acting(p.sub),
                   {"reason": c.reason, "version_id": version_id, "title": self._title(p, c.submission_id),
                    "witnesses": sorted(set(principals) - {p.sub})})
        return view(c)

    def _title(self, actor: Principal, submission_id: str) -> str:
        """The corrected submission's book and period as people read them (for the people told)."""
        sub = submission_from_doc(SubmissionRepository(scope=TenantScope.for_principal(actor)).get(submission_id))
        book = self.submissions.setup.known_book_name(sub.tenant, sub.book_type)
        return labels(book, sub.period_key, obligation_label(sub.obligation_id))["title"]

    def _witnesses(self, c: Correction) -> list[str]:
        """The people who must confirm a consented record: named witnesses, else the role's holders."""
        people: set[str] = set()
        for w in c.witnesses:
            people.update([w["person"]] if w["person"] else
                          self.submissions.directory.holders(c.tenant, w["role"], None, self.clock.now()))
        return sorted(people)

    def _load(self, actor: Principal, correction_id: str) -> tuple[CorrectionDoc, Correction]:
        doc = CorrectionRepository(scope=TenantScope.for_principal(require_principal(actor))).get(correction_id)
        return doc, _from_doc(doc)

    def get(self, actor: Principal, correction_id: str) -> dict:
        """The trail, for the requester, the witnesses' roles and the school's leaders; with the record's title."""
        c = self._load(actor, correction_id)[1]
        if actor.sub != c.requester and not any(actor.has_role(r) for r in READER_ROLES):
            raise Forbidden("Bạn không tham gia biên bản sửa dữ liệu này.")
        return {**view(c), "title": self._title(actor, c.submission_id)}

    def list(self, actor: Principal, *, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
        """The school's corrections, newest first: all of them for leaders and the quản trị, else my own requests."""
        p = require_principal(actor)
        qs = CorrectionRepository(scope=TenantScope.for_principal(p)).query()
        if not any(p.has_role(r) for r in READER_ROLES):
            qs = qs.filter(requester=p.sub)
        docs, nxt = keyset_page(qs, "created_at", cursor=cursor, limit=limit, descending=True)
        return [{**view(c), "title": self._title(p, c.submission_id)} for c in map(_from_doc, docs)], nxt

    def decide(self, actor: Principal, correction_id: str, *, consent: bool, comment: str | None) -> dict:
        doc, c = self._load(actor, correction_id)
        with domain_errors():
            acting = c.decide(actor, consent, comment, self.clock.now())
        self._save(doc, c, "approvals.correction.consented" if consent else "approvals.correction.refused", acting,
                   {"comment": comment, "title": self._title(actor, c.submission_id),
                    "witnesses": self._witnesses(c) if consent else []})
        return view(c)

    def confirm(self, actor: Principal, correction_id: str) -> dict:
        """A witness confirms; the last confirmation applies the new version to the submission."""
        doc, c = self._load(actor, correction_id)
        now = self.clock.now()
        with domain_errors():
            acting, done = c.confirm(actor, now)
        if done:
            sdoc, sub = self.submissions.load(actor, c.submission_id)
            with domain_errors():
                sub.apply_correction(c.id, c.new_version_id, c.new_sha256, acting, now)
            self.submissions.save(sdoc, sub)
        self._save(doc, c, "approvals.correction.applied" if c.state == APPLIED else "approvals.correction.confirmed",
                   acting, {"role": acting.role})
        return view(c)
