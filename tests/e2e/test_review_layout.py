"""Document-first review (issue 14, point 3) and the DOCX preview that refreshes itself (point 4).

A tổ trưởng of Trường THCS Nguyễn Huệ (no other browser test uses that school) reviews twenty
lesson plans that two teachers of his tổ submitted through the API in this test, each with a
unique title. On a 360×740 phone every item shows its drawn document and the bar's Duyệt without
the window scrolling; tapping item 15 of the list keeps the list where it was; on a desktop the
list is narrow and the document wide.
"""
from __future__ import annotations

import base64
import io
import json
import re
import uuid
import zipfile

from playwright.sync_api import Page, Route, expect

from infra.demo.documents import sample_pdf

TO_TRUONG = "thcsnh.totruong"
TEACHERS = ("thcsnh.giaovien", "thcsnh.giaovien2")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# Submit `count` lesson plans as the signed-in teacher, for the latest weeks not yet submitted, through
# documents' upload and approvals' submit (what the upload form does); returns their ids and titles.
SUBMIT = """async ([count, tag, pdfB64, fileName, mime]) => {
  const tokens = JSON.parse(sessionStorage.getItem('hoso.tokens'));
  const auth = { Authorization: `Bearer ${tokens.access_token}` };
  const call = async (path, init = {}) => {
    const r = await fetch(path, { ...init, headers: { ...auth, ...(init.headers || {}) } });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const obligations = [];
  let cursor = '';
  do {
    const page = await call(`/api/approvals/v1/obligations${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
    obligations.push(...page.items);
    cursor = page.next_cursor || '';
  } while (cursor);
  const open = obligations.filter((o) => o.book_type === 'ke_hoach_bai_day' && !o.submission_id).reverse().slice(0, count);
  if (open.length < count) throw new Error(`only ${open.length} open lesson plans`);
  const bytes = Uint8Array.from(atob(pdfB64), (c) => c.charCodeAt(0));
  const made = [];
  for (const [n, o] of open.entries()) {
    const title = `${tag} — ${n + 1}`;
    const q = new URLSearchParams({ book: o.book_type, period: o.period_key });
    const up = await call(`/api/documents/v1/documents/upload?${q}`, {
      method: 'POST', body: bytes,
      headers: { 'Content-Type': mime, 'X-File-Name': encodeURIComponent(`${title}.${fileName}`), 'Idempotency-Key': crypto.randomUUID() },
    });
    const sub = await call('/api/approvals/v1/submissions', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ obligation_id: o.id, document_id: up.document.id, version_id: up.version.id, sha256: up.version.sha256 }),
    });
    made.push({ id: sub.id, version: up.version.id, period: o.period_label });
  }
  return made;
}"""


def submit_as(page: Page, count: int, tag: str, data: bytes, extension: str, mime: str) -> list[dict]:
    return page.evaluate(SUBMIT, [count, tag, base64.b64encode(data).decode(), extension, mime])


def submit_lesson_plans(new_page, sign_in, per_teacher: int, tag: str) -> list[dict]:
    made = []
    for teacher in TEACHERS:
        page = new_page()
        sign_in(page, teacher)
        made += submit_as(page, per_teacher, tag, sample_pdf([f"Kế hoạch bài dạy — {tag}", "Trường THCS Nguyễn Huệ",
                                                             "Mục tiêu, nội dung, đánh giá"]), "pdf", "application/pdf")
    return made


def row_of(page: Page, submission_id: str):
    return page.locator(f'section[aria-labelledby=q-list] li[data-submission="{submission_id}"]')


def assert_document_and_bar_on_screen(page: Page) -> None:
    """Without any scroll: the drawn page, its region and Duyệt lie inside the viewport, the window unscrolled."""
    canvas = page.locator("#queue-detail canvas.pdf-page").first
    expect(canvas).to_have_attribute("data-drawn", "true", timeout=20_000)
    measured = page.evaluate("""() => {
        const box = (el) => { const r = el.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width }; };
        const bar = document.querySelector('#queue-detail .review-bar');
        return {
            inner: window.innerHeight, width: window.innerWidth, scrollY: window.scrollY,
            region: box(document.querySelector('#queue-detail .pdf-view')),
            canvas: box(document.querySelector('#queue-detail canvas.pdf-page')),
            approve: box([...bar.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Duyệt')),
            bar: box(bar), position: getComputedStyle(bar).position,
        };
    }""")
    inner = measured["inner"]
    assert measured["scrollY"] == 0 or measured["position"] in ("fixed", "sticky"), measured
    assert measured["position"] in ("fixed", "sticky"), measured
    for name in ("region", "approve", "bar"):
        assert 0 <= measured[name]["top"] and measured[name]["bottom"] <= inner + 0.5, (name, measured)
    # the page itself starts on screen above the bar, as wide as its region (on a phone: the screen)
    assert measured["region"]["bottom"] <= measured["bar"]["top"] + 0.5, measured
    assert 0 <= measured["canvas"]["top"] < measured["bar"]["top"] - 100, measured
    assert measured["canvas"]["width"] >= measured["region"]["width"] - 20, measured
    if measured["width"] < 700:
        assert measured["canvas"]["width"] >= measured["width"] - 40, measured


def test_twenty_lesson_plans_are_approved_one_after_another_on_a_phone_without_scrolling(new_page, sign_in, capture):
    tag = f"Bài dạy KHTN {uuid.uuid4().hex[:6]}"
    made = submit_lesson_plans(new_page, sign_in, 10, tag)
    mine = {m["id"] for m in made}
    assert len(mine) == 20

    page = new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, TO_TRUONG)
    page.goto("/duyet")
    rows = page.locator("section[aria-labelledby=q-list] ul.list > li")
    expect(rows.filter(has=page.locator("a.title"))).not_to_have_count(0)
    waiting = [r.get_attribute("data-submission") for r in rows.all()]
    ours = [i for i in waiting if i in mine]
    assert len(ours) == 20, "every lesson plan of this test waits for the tổ trưởng"
    assert waiting[-20:] == ours, "submitted last, they come last, oldest first"

    # the list opens over the document; tapping item 15 shows it and the list keeps its place
    toggle = page.get_by_role("button", name=re.compile(r"^Danh sách \(\d+\)$"))
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    fifteenth = row_of(page, ours[14])
    fifteenth.scroll_into_view_if_needed()
    kept = page.evaluate("() => document.getElementById('q-list-panel').scrollTop")
    assert kept > 0, "item 15 is further down the list"
    fifteenth.locator("a.title").click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page).to_have_url(re.compile(rf"/duyet\?chon={ours[14]}$"))
    expect(page.locator("#queue-detail")).to_contain_text(f"Hồ sơ {waiting.index(ours[14]) + 1}/{len(waiting)}")
    assert_document_and_bar_on_screen(page)
    toggle.click()
    assert page.evaluate("() => document.getElementById('q-list-panel').scrollTop") == kept
    expect(fifteenth.locator("a.title")).to_have_attribute("aria-current", "true")
    capture(page, "duyet-danh-sach")
    page.set_viewport_size(PHONE)
    toggle.click()

    # from the first of ours, approve all twenty one after the other: each decision shows the next by itself
    toggle.click()
    row_of(page, ours[0]).locator("a.title").click()
    expect(page.locator("#queue-detail canvas.pdf-page").first).to_have_attribute("data-drawn", "true", timeout=20_000)
    capture(page, "duyet-tai-lieu-truoc")
    page.set_viewport_size(PHONE)
    for n, sub_id in enumerate(ours, start=1):
        expect(page.locator('section[aria-labelledby=q-list] a.title[aria-current="true"]')).to_have_attribute("data-pick", sub_id)
        assert_document_and_bar_on_screen(page)
        page.locator("#queue-detail .review-bar").get_by_role("button", name="Duyệt", exact=True).click()
        expect(page.locator("#queue-out")).to_contain_text("Đã duyệt hồ sơ.")
        expect(row_of(page, sub_id)).to_have_count(0)
        if n < len(ours) or page.locator("#q-doc").count():
            # focus goes to the heading of the item shown now, so a screen reader says which it is
            expect(page.locator("#q-doc")).to_be_focused()
    page.goto("/duyet")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chờ duyệt")
    assert not [i for i in ours if row_of(page, i).count()], "all twenty are approved"


def test_the_desktop_review_has_a_narrow_list_and_a_wide_document_and_a_return_asks_for_its_reason(new_page, sign_in, capture):
    tag = f"Bài dạy desktop {uuid.uuid4().hex[:6]}"
    made = submit_lesson_plans(new_page, sign_in, 1, tag)
    page = new_page()
    sign_in(page, TO_TRUONG)
    # the notification's link opens the submission; from there the review screen opens on it
    page.goto(f"/bai-nop/{made[0]['id']}")
    page.get_by_role("link", name="Mở trong trang Chờ duyệt").click()
    expect(page).to_have_url(re.compile(rf"/duyet\?chon={made[0]['id']}$"))
    expect(page.locator('section[aria-labelledby=q-list] a.title[aria-current="true"]')).to_have_attribute("data-pick", made[0]["id"])
    expect(page.locator("#queue-detail canvas.pdf-page").first).to_have_attribute("data-drawn", "true", timeout=20_000)
    widths = page.evaluate("""() => ({
        list: document.getElementById('q-list-panel').getBoundingClientRect().width,
        doc: document.querySelector('#queue-detail .pdf-view').getBoundingClientRect().width,
        main: document.getElementById('main').getBoundingClientRect().width,
    })""")
    assert widths["list"] <= 340, widths
    assert widths["doc"] >= 2 * widths["list"], widths
    assert widths["list"] + widths["doc"] >= widths["main"] - 60, widths
    assert_document_and_bar_on_screen(page)
    expect(page.get_by_role("button", name=re.compile(r"^Danh sách"))).to_be_hidden()

    # Trả lại asks for the reason in the sheet above the bar; Escape closes it and focus goes back
    bar = page.locator("#queue-detail .review-bar")
    bar.get_by_role("button", name="Trả lại").click()
    sheet = page.locator("#queue-detail .review-sheet")
    expect(sheet).to_be_visible()
    expect(sheet.get_by_role("alert")).to_have_text("Vui lòng ghi lý do trả lại hồ sơ.")
    expect(sheet.get_by_label("Nhận xét")).to_be_focused()
    capture(page, "duyet-tra-lai-ghi-ly-do")
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    expect(bar.get_by_role("button", name="Trả lại")).to_be_focused()
    # Góp ý leaves a comment that does not decide: the item stays, its history shows the comment
    bar.get_by_role("button", name="Góp ý", exact=True).click()
    sheet.get_by_label("Nhận xét").fill("Nên bổ sung phần đánh giá cuối bài.")
    bar.get_by_role("button", name="Góp ý", exact=True).click()
    expect(page.locator("#queue-out")).to_contain_text("Đã gửi góp ý")
    expect(row_of(page, made[0]["id"])).to_have_count(1)
    page.locator("#queue-detail summary").click()
    expect(page.locator("#queue-detail .timeline")).to_contain_text("Nên bổ sung phần đánh giá cuối bài.")
    # then returned with a reason, it leaves the list
    bar.get_by_role("button", name="Trả lại").click()
    sheet.get_by_label("Nhận xét").fill("Thiếu mục tiêu bài học.")
    bar.get_by_role("button", name="Trả lại").click()
    expect(page.locator("#queue-out")).to_contain_text("Đã trả lại hồ sơ kèm nhận xét.")
    expect(row_of(page, made[0]["id"])).to_have_count(0)
    for other in made[1:]:
        page.goto(f"/duyet?chon={other['id']}")
        page.locator("#queue-detail .review-bar").get_by_role("button", name="Duyệt", exact=True).click()
        expect(row_of(page, other["id"])).to_have_count(0)


def docx_bytes(text: str) -> bytes:
    """A minimal Word document (what documents recognises as DOCX: a ZIP with word/document.xml)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')
    return out.getvalue()


def test_a_docx_preview_says_it_is_being_converted_and_shows_the_pdf_once_made(new_page, sign_in, capture):
    """The converter's timing is not the test's: documents' answers for this one version are held as
    "converting" (its content a 409 rendition-not-ready, its status pending) for two more asks, then the
    converter's PDF is served; the page must say so meanwhile, ask again by itself, and draw it."""
    teacher = new_page()
    sign_in(teacher, TEACHERS[0])
    made = submit_as(teacher, 1, f"Bài dạy DOCX {uuid.uuid4().hex[:6]}", docx_bytes("Kế hoạch bài dạy — bản Word"),
                     "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")[0]
    pdf = sample_pdf(["Kế hoạch bài dạy — bản Word", "Trường THCS Nguyễn Huệ"])
    asked = {"content": 0, "status": 0}

    def content(route: Route) -> None:
        asked["content"] += 1
        if asked["content"] == 1:
            route.fulfill(status=409, content_type="application/problem+json", body=json.dumps({
                "type": "https://hoso.edu.vn/problems/rendition-not-ready", "title": "Bản PDF của tệp này chưa sẵn sàng.",
                "status": 409, "code": "rendition-not-ready", "rendition_status": "pending"}, ensure_ascii=False))
        else:
            route.fulfill(status=200, content_type="application/pdf", body=pdf)

    def status(route: Route) -> None:
        asked["status"] += 1
        version = route.fetch().json()
        version["rendition_status"] = "pending" if asked["status"] <= 2 else "ready"
        route.fulfill(status=200, content_type="application/json", body=json.dumps(version))

    page = new_page()
    page.route(f"**/api/documents/v1/versions/{made['version']}/content?*", content)
    page.route(f"**/api/documents/v1/versions/{made['version']}", status)
    sign_in(page, TEACHERS[0])
    page.goto(f"/bai-nop/{made['id']}")
    expect(page.get_by_role("status").filter(has_text="Đang chuyển sang PDF để xem trước…")).to_be_visible()
    expect(page.get_by_text("Bản PDF của tệp này chưa sẵn sàng")).to_have_count(0)  # never the raw conflict
    expect(page.locator("canvas.pdf-page").first).to_have_attribute("data-drawn", "true", timeout=30_000)
    expect(page.get_by_text("Đang chuyển sang PDF để xem trước…")).to_have_count(0)
    assert asked["status"] == 3, asked  # asked again by itself until documents said ready, then stopped
    assert asked["content"] == 2, asked
    capture(page, "bai-nop-docx-da-chuyen")


def test_a_failed_conversion_says_so_and_leaving_the_page_stops_the_asking(new_page, sign_in):
    teacher = new_page()
    sign_in(teacher, TEACHERS[1])
    made = submit_as(teacher, 2, f"Bài dạy DOCX lỗi {uuid.uuid4().hex[:6]}", docx_bytes("Bản Word"),
                     "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    asked: dict[str, int] = {m["version"]: 0 for m in made}

    def not_ready(route: Route) -> None:
        route.fulfill(status=409, content_type="application/problem+json", body=json.dumps(
            {"title": "Bản PDF của tệp này chưa sẵn sàng.", "status": 409, "code": "rendition-not-ready"}, ensure_ascii=False))

    def held(version_id: str, final: str | None):
        def answer(route: Route) -> None:
            asked[version_id] += 1
            version = route.fetch().json()
            version["rendition_status"] = final if final and asked[version_id] > 1 else "pending"
            version["rendition_error"] = "LibreOffice không chuyển được tệp sang PDF (mã 1)." if final else None
            route.fulfill(status=200, content_type="application/json", body=json.dumps(version, ensure_ascii=False))
        return answer

    page = new_page()
    failed, left = made
    for m, final in ((failed, "failed"), (left, None)):
        page.route(f"**/api/documents/v1/versions/{m['version']}/content?*", not_ready)
        page.route(f"**/api/documents/v1/versions/{m['version']}", held(m["version"], final))
    sign_in(page, TEACHERS[1])
    page.goto(f"/bai-nop/{failed['id']}")
    expect(page.get_by_role("status").filter(has_text="Không chuyển được tệp này sang PDF để xem trước.")).to_contain_text(
        "LibreOffice không chuyển được tệp sang PDF (mã 1).")
    assert asked[failed["version"]] == 2

    page.goto(f"/bai-nop/{left['id']}")
    expect(page.get_by_text("Đang chuyển sang PDF để xem trước…")).to_be_visible()
    page.get_by_role("link", name="Việc của tôi").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc của tôi")
    before = asked[left["version"]]
    page.wait_for_timeout(5000)  # longer than the next two pauses of the backoff
    assert asked[left["version"]] == before, "a page left asks no more"
