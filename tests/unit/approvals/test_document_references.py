"""Issue 10, defect 4: a submission names only the submitter's own document version, checked with documents.

Before the fix a teacher submitted a colleague's (and another school's) document and its approval made
the owner's document write-once. Documents is the fake of ``adapters.documents_service`` (same contract
as the HTTP adapter, which ``tests/integration/approvals/test_documents_over_http.py`` exercises).
"""
from __future__ import annotations

import hashlib

WEEK = "2025-2026.t04"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _refused(resp, status: int, slug: str, field: str) -> None:
    assert resp.status_code == status, resp.get_json()
    assert resp.content_type == "application/problem+json"
    body = resp.get_json()
    assert body["type"] == f"https://hoso.edu.vn/problems/{slug}" and body["field"] == field
    assert body["detail"] and body["title"]


def test_a_colleagues_or_another_schools_document_is_refused_and_nothing_is_saved(api):
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", WEEK)
    api.upload("thhp.giaovien2", "doc-cua-dong-nghiep", "v-dn", sha("dn"))
    api.upload("thcsnh.giaovien", "doc-truong-khac", "v-tk", sha("tk"))
    api.upload("thhp.giaovien", "doc-cua-toi", "v1", sha("mine"))

    def submit(document_id: str, version_id: str, digest: str):
        return api.call("POST", "/submissions", "thhp.giaovien", {
            "obligation_id": ob["id"], "document_id": document_id, "version_id": version_id, "sha256": digest},
            upload=False)

    _refused(submit("doc-cua-dong-nghiep", "v-dn", sha("dn")), 403, "not-document-owner", "document_id")
    _refused(submit("doc-truong-khac", "v-tk", sha("tk")), 422, "unknown-document", "document_id")
    _refused(submit("khong-co", "v1", sha("mine")), 422, "unknown-document", "document_id")
    _refused(submit("doc-cua-toi", "v-dn", sha("mine")), 422, "unknown-version", "version_id")
    _refused(submit("doc-cua-toi", "v1", sha("other bytes")), 422, "digest-mismatch", "sha256")
    assert api.ok("GET", "/submissions", "thhp.giaovien")["items"] == []
    assert api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", WEEK)["submission_id"] is None
    assert not [e for e in api.events() if e.type.startswith("approvals.submission.")]

    sub = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "doc-cua-toi", "version_id": "v1", "sha256": sha("mine")},
        upload=False)
    assert sub["state"] == "submitted" and sub["current_version_id"] == "v1"


def test_a_resubmission_names_a_version_of_the_same_document(api):
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", WEEK)
    api.upload("thhp.giaovien", "doc-kh", "v1", sha("1"))
    api.upload("thhp.giaovien", "doc-khac", "v-khac", sha("k"))
    sid = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "doc-kh", "version_id": "v1", "sha256": sha("1")}, upload=False)["id"]
    api.ok("POST", f"/submissions/{sid}/decision", "thhp.totruong", {"decision": "return", "comment": "Bổ sung."})
    _refused(api.call("POST", f"/submissions/{sid}/versions", "thhp.giaovien",
                      {"version_id": "v-khac", "sha256": sha("k")}, upload=False), 422, "unknown-version", "version_id")
    api.upload("thhp.giaovien", "doc-kh", "v2", sha("2"))
    again = api.ok("POST", f"/submissions/{sid}/versions", "thhp.giaovien", {"version_id": "v2", "sha256": sha("2")},
                   upload=False)
    assert again["current_version_id"] == "v2"


def test_the_approval_freezes_exactly_the_approved_version_in_documents_at_once(api):
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", WEEK)
    sid = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "doc-kh", "version_id": "v1", "sha256": sha("1")})["id"]
    assert api.documents.freezes == []
    done = api.ok("POST", f"/submissions/{sid}/decision", "thhp.totruong", {"decision": "approve"})
    assert done["state"] == "approved" and done["approved_version_id"] == "v1"
    # frozen within the approving request, not when the event is relayed later
    assert api.documents.freezes == [("th-hoa-phong", "doc-kh", "v1")]
