"""Everything approvals says is owed can be uploaded to documents and submitted: 0 refusals.

For a mầm non, a tiểu học, a THCS and a multi-level (tiểu học + THCS) school, over the whole
2025–2026 school year (opening Fri 05/9/2025, Tết 14–22/02/2026, closing 29/5/2026), every
(person, book, item, period) approvals owes is uploaded through documents' HTTP API and submitted
through approvals' HTTP API, each as the person with a real signed token. The two services are
wired as in production: approvals reads the school's catalog from documents' internal route and
checks every reference there, with a service token, through its real HTTP adapter (the transport
is the documents app itself, in process).
"""
from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import requests
from pypdf import PdfWriter

from services.approvals.adapters.documents import CalendarFrameDoc
from services.approvals.adapters.documents_service import HttpDocuments
from services.approvals.bootstrap import bootstrap as approvals_bootstrap
from services.approvals.domain.calendar import Holiday, SchoolYearFrame
from services.approvals.entrypoints.app import create_app as approvals_app
from services.documents.bootstrap import bootstrap as documents_bootstrap
from services.documents.entrypoints.app import create_app as documents_app
from services.kernel.clock import FixedClock
from services.kernel.events import Event
from services.kernel.principal import Principal
from services.kernel.testing import TokenFactory

YEAR = "2025-2026"
DISTRICT, PROVINCE = "pgd-lien-chieu", "so-da-nang"
FRAME = dict(year=YEAR, opening_day=date(2025, 9, 5), semester_1_end=date(2026, 1, 17), closing_day=date(2026, 5, 29),
             holidays=(Holiday("Nghỉ Tết Nguyên đán", date(2026, 2, 14), date(2026, 2, 22)),),
             points={"giua_hk1": date(2025, 10, 31), "giua_hk2": date(2026, 3, 21)})
EVENTS = {"dai_hoi_lien_doi": "2025-10-10", "le_tong_ket": "2026-05-25", "bien_ban_hop": "2025-10-15"}
NOW = datetime(2025, 8, 20, 1, 0, tzinfo=timezone.utc)  # before the year opens: the whole year is ahead


def _units(school: str, rows: list[tuple[str, str, str | None]]) -> list[dict]:
    return [{"id": f"{school}/{slug}", "slug": slug, "name": slug, "kind": kind, **({"level": lv} if lv else {})}
            for slug, kind, lv in rows]


# school → (levels, units (slug, kind, level), people: username → [(role, unit slug or None)])
SCHOOLS: dict[str, tuple[tuple[str, ...], list[tuple[str, str, str | None]], dict[str, list]]] = {
    "mn-sen-hong": (("mam_non",), [("to-mau-giao", "to_chuyen_mon", None), ("to-van-phong", "to_van_phong", None),
                                   ("lop-la-1", "lop", None)], {
        "ht": [("hieu_truong", None)], "pht": [("pho_hieu_truong", None)], "vt": [("van_thu", "to-van-phong")],
        "kt": [("ke_toan", "to-van-phong")], "tt": [("to_truong", "to-mau-giao"), ("giao_vien", "to-mau-giao")],
        "gv": [("giao_vien", "to-mau-giao"), ("giao_vien", "lop-la-1")]}),
    "th-hoa-sen": (("tieu_hoc",), [("to-4", "to_chuyen_mon", None), ("to-van-phong", "to_van_phong", None),
                                   ("lop-4a", "lop", None)], {
        "ht": [("hieu_truong", None)], "pht": [("pho_hieu_truong", None)], "vt": [("van_thu", "to-van-phong")],
        "kt": [("ke_toan", "to-van-phong")], "tpt": [("tong_phu_trach", None)],
        "tt": [("to_truong", "to-4"), ("giao_vien", "to-4")],
        "gv": [("giao_vien", "to-4"), ("giao_vien", "lop-4a")]}),
    "thcs-le-loi": (("thcs",), [("to-khtn", "to_chuyen_mon", None), ("to-van-phong", "to_van_phong", None),
                                ("lop-8a", "lop", None)], {
        "ht": [("hieu_truong", None)], "pht": [("pho_hieu_truong", None)], "vt": [("van_thu", "to-van-phong")],
        "tpt": [("tong_phu_trach", None)], "tt": [("to_truong", "to-khtn"), ("giao_vien", "to-khtn")],
        "gv": [("giao_vien", "to-khtn"), ("giao_vien", "lop-8a")]}),
    "lc-quang-trung": (("tieu_hoc", "thcs"), [
        ("to-th", "to_chuyen_mon", "tieu_hoc"), ("to-thcs", "to_chuyen_mon", "thcs"),
        ("to-van-phong", "to_van_phong", None), ("lop-4a", "lop", "tieu_hoc"), ("lop-8a", "lop", "thcs")], {
        "ht": [("hieu_truong", None)], "vt": [("van_thu", "to-van-phong")], "tpt": [("tong_phu_trach", None)],
        "gvth": [("giao_vien", "to-th"), ("giao_vien", "lop-4a")],
        "gvthcs": [("giao_vien", "to-thcs"), ("giao_vien", "lop-8a")]}),
}


class _App(requests.adapters.BaseAdapter):
    """A ``requests`` transport into a Flask app (documents, as approvals' HTTP adapter calls it)."""

    def __init__(self, app: Any) -> None:
        super().__init__()
        self._client = app.test_client()

    def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        got = self._client.open(url.path, method=request.method, query_string=url.query,
                                headers=dict(request.headers), data=request.body)
        resp = requests.Response()
        resp.status_code, resp._content, resp.url = got.status_code, got.data, request.url or ""
        resp.headers.update(dict(got.headers))
        resp.request = request
        return resp

    def close(self) -> None:
        """Nothing to release: no connection is held."""


class _ServiceToken(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


def _pdf(text: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class Platform:
    """Documents and approvals of one school, wired together, with the school's people."""

    def __init__(self, school: str, tmp_path: Any) -> None:
        levels, unit_rows, people = SCHOOLS[school]
        self.school, self.tokens = school, TokenFactory()
        clock = FixedClock(NOW)
        self.documents = documents_bootstrap(
            {"mode": "test", "local_root": str(tmp_path / "objects"), "work_dir": str(tmp_path / "work"),
             "log_json": False}, environ={}, clock=clock, verifier=self.tokens.verifier())
        self.docs = documents_app(container=self.documents).test_client()
        session = requests.Session()
        session.mount("http://documents.test", _App(documents_app(container=self.documents)))
        port = HttpDocuments(base_url="http://documents.test",
                             auth=_ServiceToken(self.tokens.service_token("approvals")), session=session)
        self.approvals = approvals_bootstrap({"mode": "test", "log_json": False}, environ={}, clock=clock,
                                             verifier=self.tokens.verifier(), documents=port)
        self.appr = approvals_app(container=self.approvals).test_client()
        units = _units(school, unit_rows)
        onboarded = {"school_id": school, "slug": school, "name": school, "levels": list(levels),
                     "district_id": DISTRICT, "province_id": PROVINCE, "units": units, "principal_id": f"{school}.ht"}
        self.documents.folders.onboard(onboarded, YEAR)
        self.approvals.setup.school_onboarded(onboarded)
        self.people = {f"{school}.{who}": [(r, f"{school}/{u}" if u else None) for r, u in grants]
                       for who, grants in people.items()}
        for person, grants in self.people.items():
            for role, unit in grants:
                self.approvals.setup.membership_granted({"person": person, "school": school, "role": role,
                                                         "unit": unit, "at": "2025-08-01T00:00:00+07:00"})
        self.approvals.setup.publish_frame(
            Principal(sub="pgd.tp", district=DISTRICT, roles=frozenset({"truong_phong"})), SchoolYearFrame(**FRAME))
        for entry in CalendarFrameDoc.objects.get(district_id=DISTRICT, year=YEAR).outbox:  # the frame's weeks
            self.documents.consumers["documents.calendar"].handle(Event.from_dict(entry))
        resp = self.appr.put(f"/api/v1/calendar/{YEAR}/events", json={"events": EVENTS},
                             headers=self.auth(f"{school}.ht"))
        assert resp.status_code == 200, resp.get_json()

    def auth(self, person: str) -> dict[str, str]:
        grants = self.people[person]
        token = self.tokens.issue(person, tenant=self.school, district=DISTRICT, province=PROVINCE,
                                  roles=sorted({r for r, _ in grants}),
                                  unit_roles=sorted((r, u) for r, u in grants if u))
        return {"Authorization": f"Bearer {token}"}

    def owed(self, person: str) -> list[dict]:
        """Every obligation approvals lists for ``person`` this year, page by page."""
        items, cursor = [], None
        while True:
            query = {"year": YEAR, "limit": 200, **({"cursor": cursor} if cursor else {})}
            resp = self.appr.get("/api/v1/obligations", query_string=query, headers=self.auth(person))
            assert resp.status_code == 200, resp.get_json()
            body = resp.get_json()
            items += body["items"]
            cursor = body.get("next_cursor")
            if not cursor:
                return items

    def listed(self, person: str) -> dict[str, set[str]]:
        """The period keys documents lists for each book ``person`` owes (``GET /me/addresses``)."""
        resp = self.docs.get("/api/v1/me/addresses", query_string={"school_year": YEAR}, headers=self.auth(person))
        assert resp.status_code == 200, resp.get_json()
        listed: dict[str, set[str]] = {}
        for item in resp.get_json()["items"]:
            listed.setdefault(item["book"], set()).update(p["key"] for p in item["periods"])
        return listed

    def owner_key(self, person: str, obligation: dict) -> str:
        kind = self.approvals.setup.catalog(self.school).get(obligation["book_type"]).owner.kind
        return {"school": "school", "person": person}.get(kind, obligation.get("subject") or obligation["unit"])

    def upload_and_submit(self, person: str, ob: dict, owner_key: str) -> str | None:
        """Upload a file for the obligation and submit it; the refusal, if either service refuses."""
        data = _pdf(f"{ob['id']}")
        resp = self.docs.post("/api/v1/documents/upload", data=data, content_type="application/octet-stream",
                              query_string={"book": ob["book_type"], "period": ob["period_key"], "owner_key": owner_key},
                              headers={**self.auth(person), "X-File-Name": quote(f"{ob['book_type']}.pdf")})
        if resp.status_code != 201:
            return f"documents {resp.status_code}: {json.dumps(resp.get_json(), ensure_ascii=False)}"
        version = resp.get_json()["version"]
        resp = self.appr.post("/api/v1/submissions", headers=self.auth(person), json={
            "obligation_id": ob["id"], "document_id": version["document_id"], "version_id": version["id"],
            "sha256": version["sha256"]})
        if resp.status_code not in (200, 201):
            return f"approvals {resp.status_code}: {json.dumps(resp.get_json(), ensure_ascii=False)}"
        return None


@pytest.mark.parametrize("school", list(SCHOOLS))
def test_every_obligation_of_a_school_year_is_uploaded_and_submitted_without_refusal(school, tmp_path):
    platform = Platform(school, tmp_path)
    refusals: list[str] = []
    per_book: Counter[str] = Counter()
    owed_by: dict[str, Counter[str]] = {}
    for person in platform.people:
        owed = platform.owed(person)
        owed_by[person] = Counter(o["book_type"] for o in owed)
        listed = platform.listed(person)  # documents lists every week approvals owes (the same calendar)
        unlisted = sorted({f"{o['book_type']} {o['period_key']}" for o in owed if ".t" in o["period_key"]
                           and o["period_key"] not in listed.get(o["book_type"], set())})
        assert not unlisted, f"{person}: weeks owed that documents does not list: {unlisted[:10]}"
        for ob in owed:
            subject = ob["id"].split("|")[-1]
            refusal = platform.upload_and_submit(person, ob, platform.owner_key(person, {**ob, "subject": subject}))
            per_book[ob["book_type"]] += 1
            if refusal:
                refusals.append(f"{person} {ob['book_type']}/{ob['item']} {ob['period_key']}: {refusal}")
    levels = "+".join(SCHOOLS[school][0])
    print(f"\n{school} ({levels}): {sum(per_book.values())} obligations uploaded and submitted, "
          f"{len(refusals)} refused; by book: {dict(sorted(per_book.items()))}")
    assert not refusals, "\n".join(refusals[:20])
    assert sum(per_book.values()) > 0
    if school == "lc-quang-trung":  # each level's people owe their own level's books
        gvth, gvthcs = owed_by[f"{school}.gvth"], owed_by[f"{school}.gvthcs"]
        assert "bang_tong_hop" in gvth and "so_theo_doi_danh_gia" not in gvth
        assert "so_theo_doi_danh_gia" in gvthcs and "bang_tong_hop" not in gvthcs
        assert owed_by[f"{school}.vt"]["so_dang_bo"] == 3  # shared by both levels: owed once per item
    if school == "mn-sen-hong":  # a mầm non teacher owes no primary-school book
        assert set(owed_by[f"{school}.gv"]) == {"ke_hoach_giao_duc"}
        # its year plan, one theme/month plan per month of the year and one plan per teaching week (003, 004)
        plans = Counter(o["item"] for o in platform.owed(f"{school}.gv"))
        assert plans["ke_hoach_nam"] == 1 and plans["chu_de_thang"] == 9 and plans["hang_tuan"] >= 35, plans
