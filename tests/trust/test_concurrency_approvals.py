"""Trust suite, concurrency: write-once against a racing upload (issue 10, defect 5), and two approvers
deciding the same step at once. Each interleaving must end in one consistent state.

(a) Documents: the freeze of the approved version and the teacher's next upload, in both orders and with
    the freeze landing while the upload's body is still streaming (after the upload's own early check).
    Whatever the order, the document names the approved version, no later upload becomes approved, the
    inspection ZIP lists the approved version, and every upload after the freeze is a 409.
(b) Approvals: the tổ trưởng approves while the tổ phó (by delegation) returns the same step; both load
    the submission before either saves (a barrier). One decision wins, the other gets 409; the history,
    the audit and the events hold exactly one decision; the document is frozen only if approval won.
"""
from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import pytest

from infra.demo.district import DEMO_DISTRICT
from infra.demo.documents import sample_pdf
from services.approvals.adapters.documents_service import FakeDocuments
from services.approvals.bootstrap import bootstrap as approvals_bootstrap
from services.approvals.domain.calendar import TIMEZONE, Holiday, SchoolYearFrame
from services.documents.bootstrap import bootstrap as documents_bootstrap
from services.documents.entrypoints.app import create_app as documents_app
from services.kernel.clock import FixedClock
from services.kernel.errors import Conflict
from services.kernel.messaging import InMemoryPublisher
from services.kernel.principal import Delegation, Principal
from services.kernel.tenancy import TenantScope
from services.kernel.testing import TokenFactory
from tests.trust.figures import record

SCHOOL = next(s for s in DEMO_DISTRICT.schools if s.slug == "th-hoa-phong")
DISTRICT = DEMO_DISTRICT.slug
TEAM = f"{SCHOOL.slug}/to-4"
TENANT = {"tenant": SCHOOL.slug}


# ----- (a) the freeze against the next upload, in documents ---------------------------------------------
class Documents:
    """The documents service with fakes (local disk, fixed clock), called as the teacher and as approvals."""

    def __init__(self, tmp_path) -> None:
        self.clock = FixedClock(datetime(2025, 10, 6, 2, 0, tzinfo=timezone.utc))
        self.tokens = TokenFactory(clock=self.clock)
        self.root = tmp_path / "objects"
        self.container = documents_bootstrap(
            {"mode": "test", "local_root": str(self.root), "work_dir": str(tmp_path / "work"),
             "jwt_issuer": self.tokens.issuer, "log_json": False},
            environ={}, clock=self.clock, publisher=InMemoryPublisher(), verifier=self.tokens.verifier())
        self.container.folders.onboard({
            "school_id": SCHOOL.slug, "slug": SCHOOL.slug, "name": SCHOOL.name, "levels": list(SCHOOL.levels),
            "district_id": DISTRICT, "province_id": DEMO_DISTRICT.province_slug,
            "units": [{"id": f"{SCHOOL.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind}
                      for u in SCHOOL.units]}, "2025-2026")
        self.client = documents_app(container=self.container).test_client()
        self.teacher = self.tokens.issue("thhp.giaovien", tenant=SCHOOL.slug, district=DISTRICT,
                                         province=DEMO_DISTRICT.province_slug, unit_roles=[("giao_vien", TEAM)])
        self.principal = self.tokens.issue("thhp.hieutruong", tenant=SCHOOL.slug, district=DISTRICT,
                                           province=DEMO_DISTRICT.province_slug, roles=["hieu_truong"])
        self.service = self.tokens.service_token("approvals")

    def first_upload(self) -> tuple[str, str]:
        resp = self.client.post("/api/v1/documents/upload", query_string={"book": "ke_hoach_bai_day",
                                                                          "period": "2025-2026.t05"},
                                data=sample_pdf(["Kế hoạch bài dạy, bản 1"]),
                                headers={"Authorization": f"Bearer {self.teacher}", "X-File-Name": "ban-1.pdf"})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["document"]["id"], resp.get_json()["version"]["id"]

    def next_upload(self, document_id: str, body: Any) -> Any:
        return self.client.post(f"/api/v1/documents/{document_id}/versions", data=body, headers={
            "Authorization": f"Bearer {self.teacher}", "X-File-Name": quote("Kế hoạch bản 2.pdf")})

    def freeze(self, document_id: str, version_id: str) -> Any:
        """What approvals calls right after saving the approval."""
        return self.client.post(f"/api/v1/internal/versions/{version_id}/approved", query_string=TENANT,
                                json={"decision_id": "s-1", "document_id": document_id},
                                headers={"Authorization": f"Bearer {self.service}"})

    def document(self, document_id: str) -> dict:
        return self.client.get(f"/api/v1/documents/{document_id}",
                               headers={"Authorization": f"Bearer {self.teacher}"}).get_json()

    def statuses(self, document_id: str) -> dict[str, str]:
        items = self.client.get(f"/api/v1/documents/{document_id}/versions",
                                headers={"Authorization": f"Bearer {self.teacher}"}).get_json()["items"]
        return {v["id"]: v["status"] for v in items}

    def zip_row(self, document_id: str) -> dict:
        job = self.client.post("/api/v1/exports", json={"school_year": "2025-2026", "book": "ke_hoach_bai_day"},
                               headers={"Authorization": f"Bearer {self.principal}"}).get_json()
        self.container.exports.run(tenant=SCHOOL.slug, district=DISTRICT, export_id=job["id"])
        data = self.client.get(f"/api/v1/exports/{job['id']}/file",
                               headers={"Authorization": f"Bearer {self.principal}"}).data
        files = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))["files"]
        return next(r for r in files if r["file"].split("/")[-1].startswith(document_id))

    def stored_objects(self) -> set[str]:
        return {p.name for p in (self.root / SCHOOL.slug).iterdir()} if (self.root / SCHOOL.slug).exists() else set()


class FreezeWhileStreaming(io.RawIOBase):
    """An upload body that lets the freeze land at its first read: after the upload's early write-once
    check, before its conditional write on the document."""

    def __init__(self, data: bytes, on_first_read) -> None:
        self._data = io.BytesIO(data)
        self._hook = on_first_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._hook is not None:
            hook, self._hook = self._hook, None
            hook()
        chunk = self._data.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def _assert_one_consistent_state(docs: Documents, document_id: str, v1: str) -> None:
    view = docs.document(document_id)
    assert (view["approved_version_id"], view["record_version_id"]) == (v1, v1)
    assert (view["status"], view["write_once"]) == ("approved", True)
    statuses = docs.statuses(document_id)
    assert [v for v, s in statuses.items() if s == "approved"] == [v1]
    row = docs.zip_row(document_id)
    assert (row["version_id"], row["approved_version_id"], row["status"]) == (v1, v1, "approved")
    late = docs.next_upload(document_id, sample_pdf(["bản 3"]))
    assert late.status_code == 409 and late.get_json()["type"].endswith("/write-once")


@pytest.mark.parametrize("order", ["upload-then-freeze", "freeze-while-upload-streams", "freeze-then-upload"])
def test_the_freeze_and_the_next_upload_end_in_one_consistent_state(tmp_path, order) -> None:
    record("concurrency", cases=1)
    docs = Documents(tmp_path)
    document_id, v1 = docs.first_upload()
    body = sample_pdf(["Kế hoạch bài dạy, bản 2"])
    if order == "upload-then-freeze":
        upload = docs.next_upload(document_id, body)
        frozen = docs.freeze(document_id, v1)
        assert upload.status_code == 201
        v2 = upload.get_json()["version"]["id"]
        assert docs.statuses(document_id)[v2] == "uploaded"  # a later version, never the approved one
        assert docs.document(document_id)["latest_version_id"] == v2
    elif order == "freeze-while-upload-streams":
        answers: list[Any] = []
        before = docs.stored_objects()
        upload = docs.next_upload(document_id, io.BufferedReader(FreezeWhileStreaming(
            body, lambda: answers.append(docs.freeze(document_id, v1)))))
        frozen = answers[0]
        assert upload.status_code == 409 and upload.get_json()["type"].endswith("/write-once")
        assert list(docs.statuses(document_id)) == [v1]
        assert docs.stored_objects() == before  # the refused upload's bytes are gone too
    else:
        frozen = docs.freeze(document_id, v1)
        upload = docs.next_upload(document_id, body)
        assert upload.status_code == 409 and upload.get_json()["type"].endswith("/write-once")
        assert list(docs.statuses(document_id)) == [v1]
    assert frozen.status_code == 200, frozen.get_json()
    assert docs.freeze(document_id, v1).status_code == 200  # the event's retry of the same freeze
    _assert_one_consistent_state(docs, document_id, v1)
    record("concurrency", consistent=1)


# ----- (b) two approvers decide the same step at once, in approvals -----------------------------------------
FRAME = SchoolYearFrame("2025-2026", datetime(2025, 9, 5).date(), datetime(2026, 1, 10).date(),
                        datetime(2026, 5, 31).date(),
                        (Holiday("Tết", datetime(2026, 2, 14).date(), datetime(2026, 2, 22).date()),))


def _approvals():
    clock = FixedClock(datetime(2025, 9, 1, 8, 0, tzinfo=TIMEZONE))
    documents, publisher = FakeDocuments(), InMemoryPublisher()
    c = approvals_bootstrap({"mode": "test", "log_json": False}, environ={}, clock=clock, publisher=publisher,
                            documents=documents)
    c.setup.school_onboarded({
        "school_id": SCHOOL.slug, "slug": SCHOOL.slug, "name": SCHOOL.name, "levels": list(SCHOOL.levels),
        "district_id": DISTRICT, "province_id": DEMO_DISTRICT.province_slug,
        "units": [{"id": f"{SCHOOL.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind}
                  for u in SCHOOL.units], "principal_id": "thhp.hieutruong"})
    for person, role in (("thhp.giaovien", "giao_vien"), ("thhp.totruong", "to_truong"), ("thhp.topho", "to_pho")):
        c.setup.membership_granted({"person": person, "school": SCHOOL.slug, "role": role, "unit": TEAM,
                                    "at": "2025-08-01T00:00:00+07:00"})
    c.setup.publish_frame(Principal(sub="pgd.truongphong", district=DISTRICT, roles=frozenset({"truong_phong"})),
                          FRAME)
    return c, clock, documents, publisher


def _person(sub: str, *unit_roles: tuple[str, str], act: tuple[Delegation, ...] = ()) -> Principal:
    return Principal(sub=sub, tenant=SCHOOL.slug, district=DISTRICT, roles=frozenset(r for r, _ in unit_roles),
                     unit_roles=frozenset(unit_roles), act=act)


@pytest.mark.parametrize("first", ["approve", "return"])
def test_approve_and_return_of_the_same_step_at_once_end_in_one_decision(first, monkeypatch) -> None:
    record("concurrency", cases=1)
    c, clock, documents, publisher = _approvals()
    teacher = _person("thhp.giaovien", ("giao_vien", TEAM))
    head = _person("thhp.totruong", ("to_truong", TEAM), ("giao_vien", TEAM))
    deputy = _person("thhp.topho", ("to_pho", TEAM), ("giao_vien", TEAM), act=(Delegation(
        on_behalf_of="thhp.totruong", role="to_truong", unit=TEAM, book_types=("ke_hoach_bai_day",),
        until=int(datetime(2025, 12, 31, tzinfo=TIMEZONE).timestamp())),))
    ob = c.obligations.mine(teacher.sub, TenantScope.for_principal(teacher), "2025-2026")[0][1]
    digest = hashlib.sha256(b"v1").hexdigest()
    documents.add(SCHOOL.slug, "doc-kh", "v1", digest, owners={teacher.sub})
    sid = c.submissions.create(teacher, obligation_id=ob.id, document_id="doc-kh", version_id="v1",
                               sha256=digest)["id"]
    c.relay.relay_once()
    publisher.published.clear()

    # both requests read the same revision before either writes
    barrier = threading.Barrier(2, timeout=10)
    load = c.submissions.load

    def load_then_wait(actor, submission_id):
        loaded = load(actor, submission_id)
        barrier.wait()
        return loaded

    monkeypatch.setattr(c.submissions, "load", load_then_wait)
    results: dict[str, Any] = {}
    saved_first = threading.Lock()
    order = [first, "return" if first == "approve" else "approve"]
    gate = threading.Event()
    save = c.submissions.save

    def save_in_order(doc, sub, **kw):  # the named decision reaches the database first
        name = "approve" if any(t.endswith(".approved") for t, _, _ in sub.pending_events) else "return"
        if name != order[0]:
            gate.wait(10)
        with saved_first:
            try:
                return save(doc, sub, **kw)
            finally:
                gate.set()

    monkeypatch.setattr(c.submissions, "save", save_in_order)

    def decide(name: str, who: Principal, decision: str, comment: str | None) -> None:
        try:
            results[name] = c.submissions.decide(who, sid, decision=decision, comment=comment)
        except Conflict as exc:
            results[name] = exc

    threads = [threading.Thread(target=decide, args=("approve", head, "approve", None)),
               threading.Thread(target=decide, args=("return", deputy, "return", "Thiếu phần vận dụng."))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    winner, loser = order
    assert isinstance(results[loser], Conflict) and results[loser].status == 409
    assert not isinstance(results[winner], Exception)
    monkeypatch.undo()

    head_view = c.submissions.get(head, sid)
    expected_state = "approved" if winner == "approve" else "returned"
    assert head_view["state"] == expected_state
    decisions = [h for h in head_view["history"] if h["action"] in ("approved", "returned")]
    assert [h["action"] for h in decisions] == [expected_state]
    step = next(s for s in head_view["steps"] if s["role"] == "to_truong")
    assert step["decision"] == expected_state
    audited = [e["action"] for e in c.runtime.audit.entries(target=sid)]
    assert sorted(a for a in audited if a.endswith((".approved", ".returned"))) == [f"approvals.submission.{expected_state}"]
    c.relay.relay_once()
    types = [e.type for e in publisher.published if e.data.get("submission_id") == sid]
    assert types == [f"approvals.submission.{expected_state}"]
    assert documents.freezes == ([(SCHOOL.slug, "doc-kh", "v1")] if winner == "approve" else [])
    record("concurrency", consistent=1)
