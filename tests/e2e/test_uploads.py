"""Uploads that survive a weak connection (issue 14, point 4), in a browser against the demo district.

(a) The connection drops when the server already holds more than half of a scan: back online, the
upload goes on from the server's offset (the first PATCH after it names an offset past half) and
the stored version's SHA-256 is the file's. (b) A file over the book's limit is refused on the page
with the limit in Vietnamese before any request to the upload endpoints. (c) Huỷ stops an upload
and deletes its session on the server. (d) After a reload the form opens by itself and offers
"Tiếp tục tải lên (N%)", which goes on from the server's offset with the File kept in the browser.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re

import pytest
from playwright.sync_api import Error as PlaywrightError, Locator, Page, Request, Response, Route, expect
from pypdf import PdfWriter

from infra.demo.documents import sample_pdf

GVCN = "thhp.giaovien"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
SIZES = [pytest.param(DESKTOP, id="1280"), pytest.param(PHONE, id="360")]
UPLOADS = re.compile(r".*/api/documents/v1/uploads(/.*)?$")
MIB = 1024 * 1024


def scanned_hoc_ba(student: str, size: int) -> bytes:
    """The demo's one-page học bạ of ``student`` carrying a scan of about ``size`` bytes, as a PDF."""
    with_scan = PdfWriter(clone_from=io.BytesIO(sample_pdf(["Học bạ", student])))
    with_scan.add_attachment("ban-quet.bin", os.urandom(size))
    pdf = io.BytesIO()
    with_scan.write(pdf)
    return pdf.getvalue()


def open_form(page: Page, sign_in, size: dict, student: str) -> Locator:
    """The GVCN's "Nộp thêm học bạ" form (a học bạ per student is always owed), the student's name typed."""
    page.set_viewport_size(size)
    sign_in(page, GVCN)
    page.goto("/viec-cua-toi?xem=all")
    owed = page.locator("section[aria-labelledby=owed-title]")
    row = owed.locator("ul.list > li").filter(has=page.get_by_role("button", name="Nộp thêm học bạ")).first
    expect(row).to_be_visible(timeout=30_000)
    row.get_by_role("button", name="Nộp thêm học bạ").click()
    row.get_by_label("Họ và tên học sinh").fill(student)
    expect(row.locator(".upload-limits")).to_have_text("Tối đa 50 MB · PDF")
    return row


def send(row: Locator, name: str, data: bytes) -> None:
    """Choose the file and press "Tải lên và nộp"."""
    row.locator("input[type=file]").set_input_files(files=[{"name": name, "mimeType": "application/pdf", "buffer": data}])
    row.get_by_role("button", name="Tải lên và nộp").click()


def wait_for(page: Page, found: list, what: str) -> None:
    for _ in range(150):
        if found:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


def chunk_past(route: Route, offset: int) -> bool:
    """Whether ``route`` sends a chunk starting past ``offset`` bytes."""
    return route.request.method == "PATCH" and int(route.request.headers.get("upload-offset", "0")) > offset


def patch_offsets(requests: list[Request]) -> list[int]:
    return [int(r.headers["upload-offset"]) for r in requests if r.method == "PATCH"]


def release(held: list[Route]) -> None:
    """Let go of the requests the test held back; the page may already have given them up (Huỷ, a reload)."""
    for route in held:
        with contextlib.suppress(PlaywrightError):
            route.abort()


@pytest.mark.parametrize("size", SIZES)
def test_an_upload_cut_off_past_half_goes_on_from_there_when_back_online(new_page, sign_in, capture, size):
    student = f"Lê Thị Hồng Nhung ({size['width']})"
    data = scanned_hoc_ba(student, 6 * MIB)
    half = len(data) // 2
    page = new_page()
    row = open_form(page, sign_in, size, student)
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if UPLOADS.match(r.url) else None)
    statuses: list[Response] = []
    page.on("response", lambda r: statuses.append(r) if UPLOADS.match(r.url) and r.request.method == "GET" else None)
    dropped: list[int] = []

    def drop_when_past_half(route: Route) -> None:
        if chunk_past(route, half) and not dropped:
            dropped.append(int(route.request.headers["upload-offset"]))  # the server holds > half: cut now
            page.context.set_offline(True)
            route.abort("internetdisconnected")
            return
        route.continue_()

    page.route(UPLOADS, drop_when_past_half)
    send(row, f"Học bạ — {student}.pdf", data)
    expect(row.locator(".progress-label")).to_contain_text("Mất kết nối", timeout=30_000)
    assert dropped and dropped[0] > half
    capture(page, "tai-len-mat-ket-noi")
    page.set_viewport_size(size)
    before = len(sent)
    page.context.set_offline(False)

    expect(row.get_by_role("status").filter(has_text="Đã nộp hồ sơ")).to_be_visible(timeout=60_000)
    after = patch_offsets(sent[before:])
    assert after and after[0] > half, f"resumed at {after[:1]}, not past half ({half})"
    assert 0 not in after, "the upload never started again"
    done = [r.json() for r in statuses if r.ok]
    assert done and done[-1]["state"] == "done"
    assert done[-1]["version"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert done[-1]["version"]["size"] == len(data)
    assert page.evaluate("localStorage.getItem('hoso.uploads')") is None, "nothing is left to resume"
    page.goto("/viec-cua-toi?xem=all")
    expect(page.get_by_role("link", name=student, exact=True)).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_an_oversized_file_is_refused_before_any_byte_is_sent(new_page, sign_in, capture, size, tmp_path):
    page = new_page()
    row = open_form(page, sign_in, size, f"Phạm Gia Bảo ({size['width']})")
    to_uploads: list[str] = []
    page.on("request", lambda r: to_uploads.append(f"{r.method} {r.url}") if UPLOADS.match(r.url) else None)
    big = tmp_path / "Học bạ bản quét 51 MB.pdf"
    with open(big, "wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(51 * MIB)
    row.locator("input[type=file]").set_input_files(str(big))
    refusal = row.get_by_role("alert")
    expect(refusal).to_contain_text("vượt mức tối đa 50 MB")
    expect(refusal).to_contain_text("Chưa gửi đi byte nào")
    row.get_by_role("button", name="Tải lên và nộp").click()
    expect(refusal).to_contain_text("nặng 51 MB")
    page.wait_for_timeout(500)
    assert to_uploads == [], f"requests to the upload endpoints: {to_uploads}"
    capture(page, "tai-len-tep-qua-lon")


@pytest.mark.parametrize("size", SIZES)
def test_cancel_stops_the_upload_and_deletes_it_on_the_server(new_page, sign_in, capture, size):
    page = new_page()
    row = open_form(page, sign_in, size, f"Võ Minh Tâm ({size['width']})")
    held: list[Route] = []

    def hold_the_second_chunk(route: Route) -> None:
        if chunk_past(route, 0):
            held.append(route)  # a slow connection: this chunk never gets through
            return
        route.continue_()

    page.route(UPLOADS, hold_the_second_chunk)
    answers: list[Response] = []
    page.on("response", lambda r: answers.append(r) if UPLOADS.match(r.url) else None)
    send(row, "Học bạ — hủy.pdf", scanned_hoc_ba("Võ Minh Tâm", 3 * MIB))
    expect(row.locator(".progress-label")).to_contain_text("%")
    wait_for(page, held, "the second chunk")
    row.get_by_role("button", name="Huỷ").click()
    expect(row.get_by_role("status").filter(has_text="Đã huỷ tải lên")).to_be_visible()
    release(held)
    deleted = [r for r in answers if r.request.method == "DELETE"]
    assert deleted and deleted[0].status == 204
    session = deleted[0].url
    assert page.evaluate("localStorage.getItem('hoso.uploads')") is None
    token = page.evaluate("JSON.parse(sessionStorage.getItem('hoso.tokens')).access_token")
    gone = page.request.head(session, headers={"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"})
    assert gone.status == 404, "the session is deleted on the server"
    expect(row.get_by_role("button", name=re.compile("Tiếp tục tải lên"))).to_have_count(0)
    capture(page, "tai-len-da-huy")


def test_after_a_reload_the_form_offers_to_continue_the_upload_where_it_stopped(new_page, sign_in):
    student = "Đặng Quốc Huy (tải lại trang)"
    data = scanned_hoc_ba(student, 4 * MIB)
    half = len(data) // 2
    page = new_page()
    row = open_form(page, sign_in, DESKTOP, student)
    held: list[Route] = []

    def hold_past_half(route: Route) -> None:
        if chunk_past(route, half):
            held.append(route)  # the connection hangs here; the teacher reloads the page
            return
        route.continue_()

    page.route(UPLOADS, hold_past_half)
    send(row, f"Học bạ — {student}.pdf", data)
    wait_for(page, held, "the upload to get past half")
    page.unroute(UPLOADS)
    page.reload()
    release(held)
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if UPLOADS.match(r.url) else None)
    resume = page.get_by_role("button", name=re.compile(r"Tiếp tục tải lên \(\d+%\)"))
    expect(resume).to_be_visible(timeout=30_000)
    pct = int(re.search(r"\((\d+)%\)", resume.inner_text()).group(1))
    assert pct >= 50
    resume.click()
    expect(page.get_by_role("status").filter(has_text="Đã nộp hồ sơ")).to_be_visible(timeout=60_000)
    offsets = patch_offsets(sent)
    assert offsets and offsets[0] > half and 0 not in offsets
    page.goto("/viec-cua-toi?xem=all")
    expect(page.get_by_role("link", name=student, exact=True)).to_be_visible()
