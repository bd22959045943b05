"""Phone basics (issue 14, point 7): bottom tabs per role, my-work counts on its tabs, the quy chế page
grouped and searchable, events picked from the calendar, and approval chains drawn as they run."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE

PRINCIPAL = "thhp.hieutruong"


def _tabs(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("#app-tabbar li").all_inner_texts()]


def _not_covered_by_the_tabs(page: Page) -> None:
    """Scrolled to the very bottom, the page's last content ends above the fixed tab bar."""
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    last = page.evaluate("document.querySelector('#main').lastElementChild.getBoundingClientRect().bottom")
    bar = page.locator("#app-tabbar").bounding_box()
    assert bar and last <= bar["y"] + 0.5, f"content ends at {last}, the tabs start at {bar}"


def test_a_teacher_has_her_main_places_as_tabs_on_a_phone_and_none_on_a_desktop(new_page, sign_in, capture):
    page = new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, "thhp.giaovien")
    page.goto("/viec-cua-toi")
    expect(page.locator("#main h1")).to_have_text("Việc của tôi")
    bar = page.get_by_role("navigation", name="Các mục chính")
    expect(bar).to_be_visible()
    assert [re.sub(r"\d+$", "", t).strip() for t in _tabs(page)] == ["Việc của tôi", "Thông báo", "Tra cứu", "Thêm"]
    expect(bar.get_by_role("link", name="Việc của tôi")).to_have_attribute("aria-current", "page")
    for tab in bar.locator("a, button").all():
        box = tab.bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44, box
    # the counts are badges on the view tabs, no separate tiles
    expect(page.locator("#main .stats")).to_have_count(0)
    expect(page.locator("nav.tabs a")).to_have_count(5)
    for badge in page.locator("nav.tabs a .badge").all_inner_texts():
        assert badge.isdigit()
    _not_covered_by_the_tabs(page)
    # "Thêm" opens the whole navigation above the tabs, Escape closes it
    more = bar.get_by_role("button", name="Thêm")
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    full = page.locator("#app-nav")
    expect(full.get_by_role("link", name="Kết luận kiểm tra")).to_be_visible()
    assert full.bounding_box()["y"] + full.bounding_box()["height"] <= bar.bounding_box()["y"] + 0.5
    capture(page, "dien-thoai-them")
    page.set_viewport_size(PHONE)
    page.keyboard.press("Escape")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(full).to_be_hidden()
    bar.get_by_role("link", name="Tra cứu").click()
    expect(page).to_have_url(re.compile(r"/tra-cuu$"))
    expect(bar.get_by_role("link", name="Tra cứu")).to_have_attribute("aria-current", "page")
    page.set_viewport_size(DESKTOP)
    expect(bar).to_be_hidden()
    expect(page.locator("#app-nav").get_by_role("link", name="Việc của tôi")).to_be_visible()


def test_a_team_leader_gets_review_first_and_a_district_officer_the_schools(new_page, sign_in):
    leader = new_page()
    leader.set_viewport_size(PHONE)
    sign_in(leader, "thhp.totruong")
    assert [re.sub(r"\d+$", "", t).strip() for t in _tabs(leader)] == ["Duyệt", "Việc của tôi", "Thông báo", "Thêm"]
    leader.get_by_role("navigation", name="Các mục chính").get_by_role("link", name="Duyệt").click()
    expect(leader.locator("#main h1")).to_be_visible()
    _not_covered_by_the_tabs(leader)
    officer = new_page()
    officer.set_viewport_size(PHONE)
    sign_in(officer, "pgd.chuyenvien")
    assert [re.sub(r"\d+$", "", t).strip() for t in _tabs(officer)] == ["Các trường", "Kiểm tra", "Đơn vị", "Thông báo", "Thêm"]


def _open_rules(page: Page) -> None:
    page.goto("/truong/quy-che")
    expect(page.locator("details.book-group").first).to_be_visible()


def test_the_rules_page_is_short_on_a_phone_and_finds_a_book_by_name(new_page, sign_in, capture):
    page = new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, PRINCIPAL)
    _open_rules(page)
    groups = page.locator("details.book-group")
    assert groups.count() >= 5
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2500, f"the quy chế page is {height} px tall at 360 px"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the quy chế page is {width} px wide at 360 px"
    expect(page.locator("details.book-group[open]")).to_have_count(0)
    search = page.get_by_role("searchbox", name="Tìm loại hồ sơ")
    search.fill("hoc ba")  # typed without diacritics, as on a phone keyboard
    expect(page.get_by_role("status").filter(has_text="khớp với “hoc ba”")).to_be_visible()
    shown = page.locator("details.book-group:visible")
    expect(shown.first).to_contain_text("Học bạ")
    for name in shown.locator("summary .book-name").all_inner_texts():
        assert "học bạ" in name.lower(), name
    expect(page.locator("details.book-group:visible:not([open])")).to_have_count(0)
    capture(page, "quy-che-tim-hoc-ba")
    search.fill("không có loại hồ sơ này")
    expect(page.locator(".search-status")).to_have_text("Không có loại hồ sơ nào khớp với “không có loại hồ sơ này”.")
    expect(page.locator("details.book-group:visible")).to_have_count(0)
    search.fill("")
    expect(page.locator("details.book-group:visible")).to_have_count(groups.count())


def test_an_event_deadline_is_picked_from_the_school_calendar_by_name(new_page, sign_in):
    page = new_page()
    sign_in(page, PRINCIPAL)
    _open_rules(page)
    page.locator("details[data-book-group=so_dang_bo] > summary").click()
    row = page.locator("li[data-book=so_dang_bo][data-item=giua_nam]")
    row.locator("summary").click()
    expect(row.get_by_label("Cách tính hạn")).to_have_value("after_event")
    event = row.get_by_label("Sự kiện")
    expect(event).to_have_value("ket_thuc_hk1")
    options = event.locator("option").all_inner_texts()
    assert any(o.startswith("Kết thúc học kỳ I (") for o in options), options
    assert any(o.startswith("Khai giảng (") for o in options), options
    assert not any("_" in o for o in options), options  # names, never codes
    event.select_option(label=next(o for o in options if o.startswith("Giữa học kỳ I")))
    row.get_by_label("Số ngày").fill("0")
    row.get_by_role("button", name="Lưu hạn nộp").click()
    expect(page.locator("#rules-out")).to_contain_text("Đã lưu hạn nộp mới")
    row = page.locator("li[data-book=so_dang_bo][data-item=giua_nam]")
    expect(row).to_be_visible()  # its book stays open after the save
    expect(row.locator(".school-rule")).to_contain_text("Giữa học kỳ I")


def test_the_chain_editor_draws_parallel_steps_side_by_side_and_the_signing_order_numbered(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, PRINCIPAL)
    _open_rules(page)
    page.locator("details[data-book-group=hoc_ba] > summary").click()
    signing = page.locator("[data-chain=hoc_ba] .chain-drawing ol.chain-signing > li")
    assert signing.count() >= 2
    assert signing.locator(".chain-n").all_inner_texts()[:2] == ["1", "2"]
    expect(signing.nth(0)).to_contain_text("Ký số lượt 1")
    page.locator("details[data-book-group=so_dang_bo] > summary").click()
    cell = page.locator("[data-chain=so_dang_bo]")
    cell.locator("summary").click()
    stage1 = cell.get_by_role("group", name="Bước 1")
    if not stage1.get_by_role("group", name="Xử lý song song 2").count():
        stage1.get_by_role("button", name="Thêm người xử lý song song").click()
    main = stage1.get_by_role("group", name="Người xử lý chính")
    parallel = stage1.get_by_role("group", name="Xử lý song song 2")
    parallel.get_by_label("Người xử lý").select_option("pho_hieu_truong")
    parallel.get_by_label("Cách xử lý").select_option("check")
    a, b = main.bounding_box(), parallel.bounding_box()
    assert abs(a["y"] - b["y"]) < 1 and b["x"] > a["x"] + a["width"] - 1, (a, b)  # side by side at 1280 px
    kept = cell.locator(".chain-kept ol.chain-signing > li")
    expect(kept.first).to_contain_text("Ký số lượt 1")
    cell.get_by_role("button", name="Lưu quy trình").click()
    expect(page.locator("#rules-out")).to_contain_text("Đã lưu quy trình duyệt")
    stage = page.locator("[data-chain=so_dang_bo] ol.chain-stages > li").first
    chips = stage.locator(".chain-step")
    expect(chips).to_have_count(2)
    expect(stage).to_contain_text("song song")
    expect(chips.nth(1)).to_have_text("Phó hiệu trưởng (xem và góp ý, không chặn)")
    first, second = chips.nth(0).bounding_box(), chips.nth(1).bounding_box()
    assert abs(first["y"] - second["y"]) < 1 and second["x"] > first["x"], (first, second)
    capture(page, "quy-che-quy-trinh")
    # leave the book's chain as it was
    cell = page.locator("[data-chain=so_dang_bo]")
    cell.locator("summary").click()
    cell.get_by_role("group", name="Xử lý song song 2").get_by_role("button", name="Bỏ người này").click()
    cell.get_by_role("button", name="Lưu quy trình").click()
    expect(page.locator("[data-chain=so_dang_bo] ol.chain-stages > li").first.locator(".chain-step")).to_have_count(1)
