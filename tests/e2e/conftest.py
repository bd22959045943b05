"""Browser tests: the whole platform in all-in-one mode, driven by Debian's Chromium (headless).

The platform starts once per session on a free local port (``infra.allinone.start_platform``)
with the demo district seeded, published as ``http://localhost:<port>``: browsers refuse passkeys
(WebAuthn) on an IP address, and localhost is a secure context like 127.0.0.1. Each test gets a fresh browser context (fresh cookies and
storage). ``capture(page, name)`` saves desktop (1280×800) and phone (360×740) screenshots
under ``test-artifacts/screenshots/`` and runs axe-core (WCAG 2.2 AA and best practices) at
both widths, failing on any serious or critical violation or on a tap target under 44×44 px at
the phone width.

``E2E_PLATFORM=production`` runs the same tests against the platform in production mode instead
(``infra.local_cluster``: every service under gunicorn with its relay and consumers, the wire
database, RabbitMQ, S3 over HTTP); ``tests/production`` runs the school-year scenario that way.
"""
from __future__ import annotations

import importlib.util
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from infra.allinone import SERVICES, free_port, start_platform
from infra.demo.district import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("HOSO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
BLOCKING_IMPACTS = {"serious", "critical"}

expect.set_options(timeout=15_000)


def _available_services() -> tuple[str, ...]:
    return tuple(s for s in SERVICES if importlib.util.find_spec(f"services.{s}.entrypoints.app") is not None)


@pytest.fixture(scope="session")
def platform() -> Iterator[object]:
    """The whole platform (every service that exists, the gateway, the demo district).

    HOSO_E2E_URL points the tests at a platform already running (e.g. ``./dev run``) instead.
    """
    if os.environ.get("HOSO_E2E_URL"):
        yield type("Running", (), {"url": os.environ["HOSO_E2E_URL"].rstrip("/")})()
        return
    if os.environ.get("E2E_PLATFORM") == "production":
        yield from production_platform()
        return
    present = _available_services()
    missing = {f"HOSO_{s.upper()}_URL": "http://127.0.0.1:9" for s in SERVICES if s not in present}
    port = free_port()
    public = f"http://localhost:{port}"
    running = start_platform(port=port, services=present, seed=True, environ={**missing, "HOSO_PUBLIC_URL": public})
    running.url = public
    try:
        yield running
    finally:
        running.stop()


def production_platform() -> Iterator[object]:
    """The platform in production mode on this machine, demo district seeded, stopped afterwards."""
    from infra.local_cluster import start_cluster

    with start_cluster(public_host="localhost") as cluster:
        yield cluster


@pytest.fixture(scope="session")
def base_url(platform) -> str:
    return platform.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """System Chromium, headless; Playwright gives it a fresh temporary profile (user data dir)."""
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser: Browser, base_url: str) -> Iterator[Callable[[], Page]]:
    """Open pages, each in its own fresh context (own storage: one signed-in person per page)."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        ctx = browser.new_context(viewport=DESKTOP, base_url=base_url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda err: page.context.__dict__.setdefault("_errors", []).append(str(err)))
        return page

    yield make
    for ctx in contexts:
        errors = ctx.__dict__.get("_errors", [])
        ctx.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


_axe = Axe()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}
"""axe-core's WCAG 2.0/2.1/2.2 A and AA rules plus its best practices."""

MIN_TARGET = 44

_SMALL_TARGETS_JS = r"""(min) => {
  const SELECTOR = 'a[href], button, input, select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])';
  const visible = (el) => {
    if (!el.checkVisibility({ contentVisibilityAuto: true, opacityProperty: true, visibilityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    for (let n = el; n; n = n.parentElement) {
      const cs = getComputedStyle(n);
      if (cs.visibility === 'hidden' || cs.display === 'none' || Number(cs.opacity) === 0) return false;
    }
    return true;
  };
  const hiddenLike = (el) => { const r = el.getBoundingClientRect(); return r.width <= 1 || r.height <= 1 || Number(getComputedStyle(el).opacity) === 0; };
  const inRunningText = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const parent = el.parentElement;
    return [...parent.childNodes].some((n) => n !== el && (
      (n.nodeType === 3 && n.textContent.trim()) ||
      (n.nodeType === 1 && getComputedStyle(n).display === 'inline' && n.textContent.trim())));
  };
  const labelOf = (el) => el.closest('label') || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`));
  const describe = (el) => {
    const text = (el.getAttribute('aria-label') || el.textContent || el.value || el.name || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} "${text}"`;
  };
  const out = [];
  for (const el of document.querySelectorAll(SELECTOR)) {
    if (el.type === 'hidden' || el.closest('[aria-hidden="true"]')) continue;
    let target = el;
    const isBox = el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio');
    if (isBox || (el.tagName === 'INPUT' && hiddenLike(el))) target = labelOf(el) || el;
    if (!visible(target)) continue;
    if (inRunningText(target)) continue;
    const r = target.getBoundingClientRect();
    if (r.width < min - 0.5 || r.height < min - 0.5) out.push(`${describe(el)} ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  return out;
}"""


def small_targets(page: Page) -> list[str]:
    """Every visible interactive element of the page smaller than 44×44 CSS px.

    The rule, measured on the element's bounding box in the whole document (scrolled or not):
    an ``a[href]``, ``button``, ``input``, ``select``, ``textarea``, ``summary``, ``[role=button]``
    or ``[tabindex]`` (other than ``-1``) that is rendered (non-zero size, not ``display: none``,
    ``visibility: hidden`` or opacity 0, not inside a closed ``<details>`` or ``aria-hidden``) must
    be at least 44 px wide
    and 44 px high. A checkbox or radio button, and an input hidden visually behind its label
    (1 px or transparent, as the file picker), is measured by its ``<label>``: that is what a
    finger taps. Excepted, as WCAG 2.5.8's inline exception: a link displayed ``inline`` whose
    parent also holds other inline text (a link inside a sentence).
    """
    return page.evaluate(_SMALL_TARGETS_JS, MIN_TARGET)


@pytest.fixture
def capture() -> Callable[[Page, str], None]:
    """Screenshot a page at desktop and phone widths; check it with axe-core and measure tap targets.

    axe-core runs with the WCAG 2.2 AA tags and best practices (``AXE_OPTIONS``) at both widths
    and fails on any serious or critical violation; at the phone width every tap target must be
    44×44 px at least (``small_targets``).
    """

    def run(page: Page, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        problems = []
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.wait_for_timeout(150)
            page.screenshot(path=str(SCREENSHOTS / f"{_slug(name)}-{label}.png"), full_page=True)
            result = _axe.run(page, options=AXE_OPTIONS)
            for v in result.response["violations"]:
                if v.get("impact") in BLOCKING_IMPACTS:
                    targets = [n["target"] for n in v["nodes"]][:5]
                    problems.append(f"[{label}] {v['id']} ({v['impact']}): {v['help']} → {targets}")
            if label == "phone":
                problems.extend(f"[phone] tap target under {MIN_TARGET}×{MIN_TARGET} px: {s}" for s in small_targets(page))
        page.set_viewport_size(DESKTOP)
        assert not problems, f"accessibility problems on {name}:\n" + "\n".join(problems)

    return run


class Authenticator:
    """A person's TOTP app: remembers the secret shown at enrolment and never reuses a time step."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.last_step: dict[str, int] = {}

    def code(self, username: str) -> str:
        totp = pyotp.TOTP(self.secrets[username])
        step = int(time.time()) // 30
        if self.last_step.get(username) == step:  # each code works once: wait for the next one
            time.sleep(30 - time.time() % 30 + 0.2)
            step = int(time.time()) // 30
        self.last_step[username] = step
        return totp.at(step * 30)


def add_virtual_passkey_device(page: Page) -> dict:
    """Give the page's browser a platform authenticator (Chromium's virtual one over CDP: CTAP2,
    built in, resident keys, user verification that always succeeds), as a laptop with a
    fingerprint reader or a phone would have. Returns ``{"cdp", "authenticator_id"}``."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    found = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    return {"cdp": cdp, "authenticator_id": found["authenticatorId"]}


@pytest.fixture(scope="session")
def authenticator() -> Authenticator:
    return Authenticator()


def _type_login(page: Page, username: str, password: str, path: str = "/") -> None:
    """From the app's "Đăng nhập" to identity's sign-in page, and submit a login and password there."""
    page.goto(path)
    page.get_by_role("main").get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r".*/api/identity/.*"))
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()


@pytest.fixture
def type_login() -> Callable[..., None]:
    """Submit a login on identity's page without finishing the sign-in (first sign-ins, refusals)."""
    return _type_login


@pytest.fixture
def sign_in(base_url: str, authenticator: Authenticator) -> Callable[..., None]:
    """Sign a demo person in through the web app's button and the identity service's pages.

    Roles that need a second factor: principals and oversight staff are offered a passkey once;
    by default the fixture answers "Dùng ứng dụng mã xác thực" and enrols a TOTP app (the secret
    shown on the page is kept, as a phone app would) whose code it types at later sign-ins.
    ``passkey=True`` accepts the offer instead and confirms later sign-ins with the passkey (the
    page needs ``add_virtual_passkey_device`` first).
    """

    def run(page: Page, username: str, password: str = DEMO_PASSWORD, path: str = "/", *, passkey: bool = False) -> None:
        _type_login(page, username, password, path)
        if "/auth/passkey" in page.url:
            name = "Tạo passkey" if passkey else "Dùng ứng dụng mã xác thực"
            page.get_by_role("button", name=name).click()
            page.wait_for_url(lambda url: "/auth/passkey" not in url)
            page.wait_for_load_state()
        if "/auth/enrol" in page.url:
            authenticator.secrets[username] = page.locator("code.secret").inner_text().strip()
            page.locator("input[name=code]").fill(authenticator.code(username))
            page.locator("button[value=confirm]").click()
        elif "/auth/second-factor" in page.url:
            if passkey:
                page.get_by_role("button", name="Xác thực bằng passkey").click()
            else:
                page.locator("input[name=code]").fill(authenticator.code(username))
                page.locator("#use-code").click()
        page.wait_for_url(lambda url: "/api/identity/" not in url and "/auth/callback" not in url)
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    return run
