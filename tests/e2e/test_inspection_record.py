"""An inspector opens a campaign, drafts the school's biên bản kiểm tra on the inspection page ("Lập biên
bản") and, as the head of the team, signs it ("Ký biên bản") with the certificate their unit's CA
issued; the school's principal then finds the record signed."""
from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

CAMPAIGN = "Kiểm tra hồ sơ cuối học kỳ I (biên bản)"
CALL = """async ([service, path]) => {
  const tokens = JSON.parse(sessionStorage.getItem('hoso.tokens'));
  const r = await fetch(`/api/${service}/v1${path}`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  return { status: r.status, body: await r.json() };
}"""


def test_the_head_drafts_and_signs_the_record_in_the_browser(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, "pgd.chuyenvien")
    page.goto("/phong/dot-kiem-tra")
    page.get_by_label("Tên đợt kiểm tra").fill(CAMPAIGN)
    page.get_by_label("Trường Tiểu học Hòa Phong").check()
    page.get_by_label("Kết thúc").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Mở đợt kiểm tra").click()
    expect(page.get_by_role("status").filter(has_text="Đã mở đợt kiểm tra")).to_be_visible()

    # a fresh sign-in carries the campaign in the token
    head = new_page()
    sign_in(head, "pgd.chuyenvien")
    head.goto("/phong/dot-kiem-tra")
    card = head.locator("section[aria-labelledby=cp-list] li").filter(has_text=CAMPAIGN)
    card.get_by_role("button", name="Biên bản kiểm tra").click()
    card.locator("summary").filter(has_text="Lập biên bản").click()
    card.get_by_label("Tên đơn vị kiểm tra").fill("Phòng Giáo dục và Đào tạo huyện Hòa Vang")
    card.get_by_label("Đại diện nhà trường").fill("Phạm Văn Hùng, Hiệu trưởng")
    card.locator("button[type=submit]").filter(has_text="Lập biên bản").click()
    expect(card.get_by_role("status").filter(has_text="Đã lập biên bản")).to_be_visible()
    expect(card.locator(".badge").filter(has_text="Chờ ký")).to_be_visible()
    capture(head, "phong-bien-ban-kiem-tra")

    # the head (here the drafter) signs with the certificate of the unit's CA
    card.get_by_role("button", name="Ký biên bản").click()
    expect(card.get_by_role("status").filter(has_text="Đã ký biên bản kiểm tra")).to_be_visible(timeout=60_000)
    expect(card.locator(".badge").filter(has_text="Đã ký")).to_be_visible()
    expect(card).to_contain_text("Trần Văn Đức đã ký lúc")
    expect(card.get_by_role("button", name="Ký biên bản")).to_have_count(0)

    principal = new_page()
    sign_in(principal, "thhp.hieutruong")
    records = principal.evaluate(CALL, ["documents", "/inspection-records"])
    assert records["status"] == 200, records
    [record] = [r for r in records["body"]["items"] if r["campaign_name"] == CAMPAIGN]
    assert record["state"] == "signed" and record["signed_by"] == "pgd.chuyenvien"
