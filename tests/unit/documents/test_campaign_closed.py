"""A change to an inspection campaign takes effect at once: once documents has consumed identity's
event, a member's still-valid token reads nothing after the campaign closed early, after the member
was taken off the team, or after the end was brought forward; a campaign documents has not heard of
yet is read on the token's grant alone. The reads that were served show in the school's read log,
which also downloads as a workbook."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from documents_testkit import NOW, auth, pdf_bytes, upload  # type: ignore[import-not-found]
from openpyxl import load_workbook

from services.documents.bootstrap import CAMPAIGNS
from services.identity.events import CAMPAIGN_CHANGED, CAMPAIGN_CLOSED, CAMPAIGN_OPENED

UNTIL = NOW + timedelta(days=7)
GRANT = {"campaign": "dkt-1", "schools": ["th-hoa-phong"], "books": ["ke_hoach_bai_day"], "year": "2025-2026",
         "until": int(UNTIL.timestamp())}
TEAM = [{"person": "pgd.thanhtra", "full_name": "Lê Thị Thanh"}, {"person": "pgd.kiemtra2", "full_name": "Trần Văn Kiểm"}]


def _feed(container, clock, spec, **changes) -> None:
    """Hand identity's event to the campaign consumer documents' bootstrap wires."""
    data = {"campaign": "dkt-1", "name": "Kiểm tra hồ sơ chuyên môn HK I", "district_id": "pgd-hoa-vang",
            "province_id": "so-da-nang", "unit_name": "Phòng GD&ĐT huyện Hòa Vang", "schools": ["th-hoa-phong"],
            "books": ["ke_hoach_bai_day"], "school_year": "2025-2026", "team": TEAM, "head": "pgd.thanhtra",
            "head_name": "Lê Thị Thanh", "starts_at": NOW.isoformat(), "until": UNTIL.isoformat(), **changes}
    event = spec.event(data, district="pgd-hoa-vang", actor="pgd.thanhtra", occurred_at=clock.now().isoformat())
    assert container.consumers[CAMPAIGNS].handle(event) is True


def _setup(client, people):
    made = upload(client, people.teacher_a(), pdf_bytes(), name="KHBD tuần 5.pdf")
    assert made.status_code == 201, made.get_json()
    lesson = made.get_json()["document"]["id"]
    first = auth(people.inspector("pgd.thanhtra", GRANT))
    second = auth(people.inspector("pgd.kiemtra2", GRANT))
    return f"/api/v1/documents/{lesson}", first, second


def _status(client, url, headers) -> int:
    return client.get(url, query_string={"campaign": "dkt-1"}, headers=headers).status_code


def test_a_closed_campaign_reads_nothing_at_once_with_a_still_valid_token(client, people, container, clock) -> None:
    url, first, second = _setup(client, people)
    assert _status(client, url, first) == 200, "documents has not heard of the campaign: the token's grant counts"
    _feed(container, clock, CAMPAIGN_OPENED)
    assert _status(client, url, first) == 200 and _status(client, url, second) == 200
    clock.advance(seconds=600)
    _feed(container, clock, CAMPAIGN_CLOSED, closed_at=clock.now().isoformat())
    assert _status(client, url, first) == 404 and _status(client, url, second) == 404
    assert client.get("/api/v1/documents", query_string={"campaign": "dkt-1"}, headers=first).status_code == 404


def test_a_member_taken_off_the_team_reads_nothing_at_once(client, people, container, clock) -> None:
    url, first, second = _setup(client, people)
    _feed(container, clock, CAMPAIGN_OPENED)
    clock.advance(seconds=60)
    _feed(container, clock, CAMPAIGN_CHANGED, team=TEAM[:1])
    assert _status(client, url, second) == 404, "removed from the team"
    assert _status(client, url, first) == 200, "still on the team"


def test_an_end_brought_forward_ends_the_read_then_and_a_late_event_changes_nothing(client, people, container,
                                                                                   clock) -> None:
    url, first, _ = _setup(client, people)
    opened_at = clock.now()
    _feed(container, clock, CAMPAIGN_OPENED)
    clock.advance(seconds=60)
    _feed(container, clock, CAMPAIGN_CHANGED, until=(NOW + timedelta(days=1)).isoformat())
    assert _status(client, url, first) == 200, "the new end is still ahead"
    clock.advance(seconds=86400)
    assert _status(client, url, first) == 404, "the token says six more days; the campaign ended"

    # identity's ``opened`` delivered again late (a redelivery under a new id) does not revive it
    event = CAMPAIGN_OPENED.event({"campaign": "dkt-1", "name": "x", "district_id": "pgd-hoa-vang", "province_id": None,
                                   "unit_name": "Phòng GD&ĐT huyện Hòa Vang", "schools": ["th-hoa-phong"], "books": [],
                                   "school_year": None, "team": TEAM, "head": "pgd.thanhtra", "head_name": "Lê Thị Thanh",
                                   "starts_at": NOW.isoformat(), "until": UNTIL.isoformat()},
                                  occurred_at=opened_at.isoformat())
    assert container.consumers[CAMPAIGNS].handle(event) is True
    assert _status(client, url, first) == 404


def test_the_read_log_of_these_reads_downloads_as_a_workbook_with_the_csv_rows(client, people, container,
                                                                               clock) -> None:
    url, first, _ = _setup(client, people)
    assert _status(client, url, first) == 200
    _feed(container, clock, CAMPAIGN_CLOSED, closed_at=clock.now().isoformat())
    assert _status(client, url, first) == 404, "refused reads are not in the log"
    principal = auth(people.hieu_truong_a())
    listed = client.get("/api/v1/access-reads", query_string={"campaign": "dkt-1"}, headers=principal).get_json()["items"]
    xlsx = client.get("/api/v1/access-reads", query_string={"campaign": "dkt-1", "format": "xlsx"}, headers=principal)
    assert xlsx.status_code == 200 and "ai-da-xem-ho-so-tai-lieu.xlsx" in xlsx.headers["Content-Disposition"]
    cells = [[c if c is not None else "" for c in row] for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)]
    text = client.get("/api/v1/access-reads", query_string={"campaign": "dkt-1", "format": "csv"}, headers=principal)
    assert cells == list(csv.reader(io.StringIO(text.data.decode("utf-8-sig"))))
    assert len(cells) - 1 == len(listed) >= 1 and {r[2] for r in cells[1:]} == {"pgd.thanhtra"}
    assert client.get("/api/v1/access-reads", query_string={"format": "xlsx"}, headers=first).status_code == 403
