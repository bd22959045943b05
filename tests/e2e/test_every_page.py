"""Every page of every role's navigation, at 1280 and 360 px: axe-core (WCAG 2.2 AA), tap targets, screenshots.

Each demo role signs in and the links of its navigation are read from the page as the app renders
them (header, side navigation, bottom tabs), so a page another change adds to the navigation is
visited here without editing this file. Each page is captured (``capture``: screenshots named
``<role>-<path>`` under ``test-artifacts/screenshots/``, axe-core, 44 px tap targets); the public
pages are captured signed out. Problems of every page are gathered before the test fails, so one
run lists them all.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

ROLES = [
    ("giao-vien", "thhp.giaovien"),
    ("to-truong", "thhp.totruong"),
    ("hieu-truong", "thhp.hieutruong"),
    ("van-thu", "thhp.vanthu"),
    ("quan-tri", "thhp.quantri"),
    ("chuyen-vien-phong", "pgd.chuyenvien"),
    ("truong-phong", "pgd.truongphong"),
    ("chuyen-vien-so", "so.chuyenvien"),
]

NAV_LINKS_JS = """() => [...new Set([...document.querySelectorAll('#app-header a[href], #app-nav a[href], #app-tabbar a[href]')]
  .map((a) => a.getAttribute('href')).filter((href) => href.startsWith('/')))]"""


def _settled(page: Page, path: str = "/") -> None:
    """Wait for the page's own content: the loading line gone and a heading shown.

    Links under /api/ are pages a service renders itself (identity's passkeys): their heading is
    in their own <main>.
    """
    if path.startswith("/api/"):
        expect(page.locator("main h1").first).to_be_visible()
        return
    expect(page.locator("#main > .loading")).to_have_count(0)
    expect(page.locator("#main h1").first).to_be_visible()


def _check(page: Page, name: str, capture: Callable[[Page, str], None], problems: list[str]) -> None:
    try:
        capture(page, name)
    except AssertionError as err:
        problems.append(str(err))


@pytest.mark.parametrize(("role", "username"), ROLES, ids=[r for r, _ in ROLES])
def test_every_page_of_the_navigation_passes_axe_and_tap_targets(new_page, sign_in, capture, role, username):
    page = new_page()
    sign_in(page, username)
    _settled(page)
    paths = page.evaluate(NAV_LINKS_JS)
    assert "/" in paths and len(paths) >= 3, f"{role}: navigation links {paths}"
    problems: list[str] = []
    for path in paths:
        page.goto(path)
        _settled(page, path)
        assert not page.locator("#main .notfound").count(), f"{role}: {path} is in the navigation but shows “not found”"
        _check(page, f"{role}-{path.strip('/').removeprefix('api/') or 'trang-chu'}", capture, problems)
    assert not problems, "\n\n".join(problems)


def test_the_public_pages_pass_axe_and_tap_targets(new_page, capture):
    page = new_page()
    problems: list[str] = []
    for path, name in (("/", "cong-khai-trang-chu"), ("/tra-cuu", "cong-khai-tra-cuu"),
                       ("/tra-cuu/KHONG-CO-MA-NAY", "cong-khai-tra-cuu-ma"), ("/khong-co-trang-nay", "cong-khai-khong-tim-thay")):
        page.goto(path)
        _settled(page)
        _check(page, name, capture, problems)
    assert not problems, "\n\n".join(problems)
