"""An inspector opens a campaign in the web app and reads a school's books under it; the school's
principal sees every one of those reads on "Ai đã xem hồ sơ của trường", and nothing read of
another school."""
from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

CALL = """async ([service, path]) => {
  const tokens = JSON.parse(sessionStorage.getItem('hoso.tokens'));
  const r = await fetch(`/api/${service}/v1${path}`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  return { status: r.status, body: await r.json() };
}"""


def _open_campaign(page, name: str, school: str) -> None:
    page.goto("/phong/dot-kiem-tra")
    page.get_by_label("Tên đợt kiểm tra").fill(name)
    page.get_by_label(school).check()
    page.get_by_label("Kết thúc").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Mở đợt kiểm tra").click()
    expect(page.get_by_role("status").filter(has_text="Đã mở đợt kiểm tra")).to_be_visible()


OURS = ("Kiểm tra hồ sơ chuyên môn Hòa Phong", "Kiểm tra hồ sơ THCS Nguyễn Huệ")


def test_the_principal_sees_every_read_by_the_inspector_and_nothing_of_another_school(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, "pgd.chuyenvien")
    _open_campaign(page, "Kiểm tra hồ sơ chuyên môn Hòa Phong", "Trường Tiểu học Hòa Phong")
    _open_campaign(page, "Kiểm tra hồ sơ THCS Nguyễn Huệ", "Trường THCS Nguyễn Huệ")
    listed = page.locator("section[aria-labelledby=cp-list] ul.list > li")
    for name in OURS:  # other browser tests of the session open campaigns of their own
        expect(listed.filter(has_text=name)).to_have_count(1)
    capture(page, "phong-dot-kiem-tra")

    # A fresh sign-in carries the campaigns in the token; the inspector reads both schools.
    inspector = new_page()
    sign_in(inspector, "pgd.chuyenvien")
    campaigns = inspector.evaluate(CALL, ["identity", "/campaigns"])["body"]["items"]
    by_school = {c["schools"][0]: c["id"] for c in campaigns if c["name"] in OURS}
    for school, campaign in by_school.items():
        listed = inspector.evaluate(CALL, ["documents", f"/documents?campaign={campaign}&school={school}"])
        assert listed["status"] == 200, listed
        assert inspector.evaluate(CALL, ["documents", f"/folders?campaign={campaign}"])["status"] == 200
    other = by_school["thcs-nguyen-hue"]
    assert inspector.evaluate(CALL, ["documents", f"/documents?campaign={other}&school=th-hoa-phong"])["status"] == 404

    principal = new_page()
    sign_in(principal, "thhp.hieutruong")
    principal.goto("/truong/ai-da-xem")
    rows = principal.locator("section[aria-labelledby=rl-list] tbody tr")
    expect(rows.first).to_be_visible()
    expect(rows.filter(has_text="pgd.chuyenvien").first).to_contain_text("Trần Văn Đức")
    expect(rows.filter(has_text=f"Đợt kiểm tra {by_school['th-hoa-phong']}").first).to_be_visible()
    expect(rows.filter(has_text=other)).to_have_count(0)
    expect(principal.locator("section[aria-labelledby=rl-list]")).not_to_contain_text("thcs-nguyen-hue")
    capture(principal, "truong-ai-da-xem")
    principal.get_by_label("Đợt kiểm tra (mã)").fill(by_school["th-hoa-phong"])
    principal.get_by_role("button", name="Lọc").click()
    expect(rows.first).to_contain_text("Trần Văn Đức")
    with principal.expect_download() as info:
        principal.get_by_role("button", name="Tải về (CSV)").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    assert text.startswith("Thời điểm,Người xem") and "Trần Văn Đức" in text and other not in text
