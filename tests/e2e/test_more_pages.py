"""Pages outside the must-show scenario: onboarding a school, the văn thư's exports, the
school's progress, the start page per role, and the English switch on a signed-in page."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def test_the_head_of_the_district_office_onboards_a_school(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, "pgd.truongphong")
    page.goto("/phong/them-truong")
    page.get_by_label("Tên trường").fill("Trường Tiểu học Hòa Nhơn")
    page.get_by_label("Mã trường").fill("th-hoa-nhon")
    page.get_by_label("Tiểu học").check()
    page.get_by_label("Họ tên hiệu trưởng").fill("Lê Thị Thanh Hà")
    page.get_by_label("Tên đăng nhập của hiệu trưởng").fill("thhn.hieutruong")
    page.get_by_label("Thư điện tử của hiệu trưởng").fill("thhn.hieutruong@hoanhon.edu.vn")
    capture(page, "phong-them-truong")
    page.get_by_role("button", name="Thêm trường").click()
    expect(page.get_by_role("status").filter(has_text="Đã thêm Trường Tiểu học Hòa Nhơn.")).to_be_visible()
    page.goto("/phong")
    expect(page.locator("section[aria-labelledby=ds-table] tbody")).to_contain_text("Trường Tiểu học Hòa Nhơn")


def test_the_van_thu_exports_a_school_year_as_a_zip(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, "thhp.vanthu")
    page.goto("/van-thu?muc=xuat-in")
    capture(page, "van-thu-xuat-in")
    page.get_by_role("button", name="Bắt đầu xuất").click()
    expect(page.get_by_role("link", name="Tải tệp ZIP")).to_be_visible(timeout=60_000)
    page.goto("/van-thu")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Chờ đóng dấu số và phát hành")
    capture(page, "van-thu-phat-hanh")


def test_the_principal_sees_the_school_progress_by_team(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, "thhp.hieutruong")
    page.goto("/truong/tien-do")
    expect(page.locator("section[aria-labelledby=pg-units] tbody tr")).to_have_count(3)
    capture(page, "truong-tien-do")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Phạm Văn Hùng")
    expect(page.locator("header .who .org")).to_have_text("Trường Tiểu học Hòa Phong")
    capture(page, "trang-chu-hieu-truong")
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Phạm Văn Hùng")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_principal_changes_an_approval_chain(new_page, sign_in):
    page = new_page()
    sign_in(page, "thhp.hieutruong")
    page.goto("/truong/quy-che")
    page.locator('details[data-book-group="so_cong_tac_doi"] > summary').click()
    cell = page.locator('[data-chain="so_cong_tac_doi"]')
    expect(cell).to_contain_text("Hiệu trưởng")
    cell.locator("summary").click()
    stage1 = cell.get_by_role("group", name="Bước 1")
    stage1.get_by_label("Người xử lý").select_option("pho_hieu_truong")
    stage1.get_by_label("Cách xử lý").select_option("check")
    if not cell.get_by_role("group", name="Bước 2").count():
        cell.get_by_role("button", name="Thêm bước").click()
    stage2 = cell.get_by_role("group", name="Bước 2")
    stage2.get_by_label("Người xử lý").select_option("hieu_truong")
    stage2.get_by_label("Cách xử lý").select_option("approve")
    cell.get_by_role("button", name="Lưu quy trình").click()
    expect(page.locator("#rules-out")).to_contain_text("Đã lưu quy trình duyệt Sổ công tác Đội")
    cell = page.locator('[data-chain="so_cong_tac_doi"]')
    expect(cell.locator("ol").first).to_contain_text("Phó hiệu trưởng (xem và góp ý, không chặn)")
    expect(cell.locator("ol").first).to_contain_text("Hiệu trưởng")


def test_a_parallel_check_step_is_shown_edited_and_kept(new_page, sign_in, capture):
    """The tổ trưởng approves while the PHT checks (one stage, two people): the editor shows both and keeps both."""
    page = new_page()
    sign_in(page, "thhp.hieutruong")
    page.goto("/truong/quy-che")
    page.locator('details[data-book-group="so_chu_nhiem"] > summary').click()
    cell = page.locator('[data-chain="so_chu_nhiem"]')
    expect(cell.locator("ol").first).to_contain_text("song song")
    cell.locator("summary").click()
    stage1 = cell.get_by_role("group", name="Bước 1")
    main = stage1.get_by_role("group", name="Người xử lý chính")
    parallel = stage1.get_by_role("group", name="Xử lý song song 2")
    expect(main.get_by_label("Người xử lý")).to_have_value("to_truong")
    expect(parallel.get_by_label("Người xử lý")).to_have_value("pho_hieu_truong")
    expect(parallel.get_by_label("Cách xử lý")).to_have_value("check")
    capture(page, "quy-che-song-song")
    cell.get_by_role("button", name="Thêm bước").click()
    cell.get_by_role("group", name="Bước 2").get_by_label("Người xử lý").select_option("hieu_truong")
    cell.get_by_role("button", name="Lưu quy trình").click()
    expect(page.locator("#rules-out")).to_contain_text("Đã lưu quy trình duyệt Sổ chủ nhiệm")
    page.reload()
    page.locator('details[data-book-group="so_chu_nhiem"] > summary').click()
    steps = page.locator('[data-chain="so_chu_nhiem"] ol').first.locator("> li")
    expect(steps.nth(0)).to_contain_text("Tổ trưởng")
    expect(steps.nth(0)).to_contain_text("Phó hiệu trưởng (xem và góp ý, không chặn)")
    expect(steps.nth(0)).to_contain_text("song song")
    expect(steps.nth(1)).to_contain_text("Hiệu trưởng")
    # removing the parallel check is a deliberate act, and it too is kept as chosen
    cell = page.locator('[data-chain="so_chu_nhiem"]')
    cell.locator("summary").click()
    cell.get_by_role("group", name="Xử lý song song 2").get_by_role("button", name="Bỏ người này").click()
    cell.get_by_role("button", name="Lưu quy trình").click()
    expect(page.locator("#rules-out")).to_contain_text("Đã lưu quy trình duyệt Sổ chủ nhiệm")
    expect(page.locator('[data-chain="so_chu_nhiem"] ol').first.locator("> li").nth(0)).not_to_contain_text("Phó hiệu trưởng")


def test_bulk_approval_first_lists_what_will_be_approved_and_going_back_approves_nothing(new_page, sign_in):
    page = new_page()
    sign_in(page, "thhp.totruong")
    page.goto("/duyet")
    rows = page.locator("section[aria-labelledby=q-list] ul.list > li")
    expect(rows.first).to_be_visible()
    before = rows.count()
    picked = min(2, before)
    for row in rows.all()[:picked]:
        row.locator("input[type=checkbox]").check()
    page.get_by_role("button", name=f"Duyệt {picked} hồ sơ đã chọn").click()
    summary = page.get_by_role("alertdialog")
    expect(summary).to_contain_text(f"Bạn sắp duyệt {picked} hồ sơ")
    expect(summary.locator("li")).to_have_count(picked)
    expect(summary.get_by_role("button", name=f"Xác nhận duyệt {picked} hồ sơ")).to_be_visible()
    summary.get_by_role("button", name="Quay lại").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    page.reload()
    expect(page.locator("section[aria-labelledby=q-list] ul.list > li")).to_have_count(before)


def test_a_pdf_is_drawn_by_the_app_itself_on_a_phone(new_page, sign_in):
    """Chrome on Android shows nothing for a PDF in an iframe: the app draws the pages (pdf.js) on a canvas."""
    page = new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, "thhp.totruong")
    page.goto("/duyet")
    drawn = page.locator("canvas.pdf-page[data-drawn=true]").first
    expect(drawn).to_be_visible(timeout=20_000)
    assert page.locator("iframe").count() == 0
    width = drawn.evaluate("c => c.getBoundingClientRect().width")
    assert 250 <= width <= 360, width  # as wide as the phone allows, never a squeezed strip
    inked = drawn.evaluate("""c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, Math.floor(c.height / 3)).data;
        let dark = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 100 && d[i + 1] < 100 && d[i + 2] < 100) dark += 1;
        return dark;
    }""")
    assert inked > 50, "the page's text is drawn"
    expect(drawn).to_have_attribute("aria-label", re.compile(r"trang 1/\d+$"))
