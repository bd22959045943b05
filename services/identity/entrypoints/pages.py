"""The sign-in pages (Vietnamese, server-rendered): sign in, second factor (passkey or TOTP code),
the one-time passkey offer, TOTP enrolment, forced password change, forgotten password and reset by
e-mailed link, and a signed-in person's own passkeys. The only script is the static
``static/passkeys.js`` (the WebAuthn calls of the passkey forms; the CSP allows no other).

Every link and redirect is relative, so the pages work both directly (``/auth/...``) and
through the gateway (``/api/identity/auth/...``). ``next`` may only point at this service's
own authorization endpoint, so the pages cannot be used as an open redirect.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, make_response, redirect, render_template, request

from services.identity.bootstrap import Container
from services.identity.domain import signin_steps as steps
from services.identity.entrypoints.cookies import (
    CSRF_COOKIE, DEVICE_COOKIE, DEVICE_MAX_AGE, KNOWN_COOKIE, SESSION_COOKIE, csrf_ok, csrf_token, device_token, set_cookie,
)
from services.identity.service_layer.passkeys import PasskeyRefused
from services.identity.service_layer.signin import SessionView, SignInRefused, describe_device

STEP_PAGES = {steps.SECOND_FACTOR: "second-factor", steps.CHANGE_PASSWORD: "change-password",
              steps.OFFER_PASSKEY: "passkey", steps.ENROL_TOTP: "enrol"}
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
PASSKEY_NOTICES = {
    "added": "Đã thêm passkey.", "renamed": "Đã đổi tên passkey.", "removed": "Đã xóa passkey.",
}
EXPIRED = "Phiên làm việc của biểu mẫu đã hết hạn. Vui lòng thử lại."
MISMATCH = "Hai lần nhập mật khẩu mới không khớp."


def safe_next(value: str | None) -> str:
    """``next`` when it is this service's authorization endpoint, else empty."""
    value = value or ""
    if value.startswith("/oauth/authorize?") and "\\" not in value and "//" not in value:
        return value
    return ""


def client_ip() -> str:
    """The caller's address as the gateway (the last proxy) saw it."""
    route = request.access_route
    return route[-1] if route else (request.remote_addr or "unknown")


def private_page(resp: Response) -> Response:
    """Headers of every identity page: never cached, never framed, no script but this service's own
    static files, no referrer."""
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Content-Security-Policy"] = ("default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; "
                                               "frame-ancestors 'none'; base-uri 'none'")
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def when(value: datetime | None, *, never: str = "—") -> str:
    """A moment as people in Vietnam read it (dd/mm/yyyy hh:mm), or ``never``."""
    if value is None:
        return never
    aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def pages_blueprint(container: Container) -> Blueprint:
    bp = Blueprint("pages", __name__, url_prefix="/auth", template_folder="templates", static_folder="static",
                   static_url_path="/static")
    signin = container.signin
    secure = container.settings.public_url.startswith("https://")
    demo = container.settings.demo_mode
    home = container.settings.public_url.rstrip("/") + "/"

    def page(template: str, title: str, *, status: int = 200, **context) -> Response:
        csrf = csrf_token(request)
        resp = make_response(render_template(template, title=title, csrf=csrf, demo=demo,
                                             passkeys_available=signin.passkeys.available, **context), status)
        if request.cookies.get(CSRF_COOKIE) != csrf:
            set_cookie(resp, CSRF_COOKIE, csrf, secure=secure)
        return resp

    def go(view: SessionView, nxt: str) -> Response:
        """Send the browser to the session's next step, or on to ``next`` when signed in."""
        if view.step == steps.ACTIVE:
            return redirect(".." + nxt if nxt else "signed-in", code=303)
        query = f"?next={quote(nxt, safe='')}" if nxt else ""
        return redirect(STEP_PAGES[view.step] + query, code=303)

    def new_password_form(accept: Callable[[str], Response], title: str, context: dict) -> Response:
        """Handle a posted new password (typed twice): ``accept`` it, or show the form with the reason."""
        error = EXPIRED if not csrf_ok(request) else None
        if error is None and request.form.get("new_password") != request.form.get("confirm_password"):
            error = MISMATCH
        if error is None:
            try:
                return accept(request.form.get("new_password", ""))
            except SignInRefused as exc:
                error = exc.message
        return page("change_password.html", title, status=400, error=error, **context)

    def current(step: str) -> SessionView | None:
        view = signin.session(request.cookies.get(SESSION_COOKIE))
        return view if view is not None and view.step == step else None

    bp.after_request(private_page)

    @bp.route("/sign-in", methods=["GET", "POST"])
    def sign_in() -> Response:
        nxt = safe_next(request.values.get("next"))
        if request.method == "GET":
            view = signin.session(request.cookies.get(SESSION_COOKIE))
            reauth = bool(nxt) and request.args.get("reauth") == "1" and view is not None and view.step == steps.ACTIVE
            if view is not None and (view.step != steps.ACTIVE or nxt) and not reauth:
                return go(view, nxt)  # signed in, or half-way: continue where the person stopped
            # an application asked for a fresh sign-in (prompt=login, max_age): the form again
            return page("sign_in.html", "Đăng nhập", next=nxt, login="",
                        notice="Ứng dụng yêu cầu bạn đăng nhập lại để tiếp tục." if reauth else None)
        login = request.form.get("login", "")
        if not csrf_ok(request):
            return page("sign_in.html", "Đăng nhập", status=400, next=nxt, login=login, error=EXPIRED)
        device, new_device = device_token(request)
        try:
            view = signin.sign_in(login=login, password=request.form.get("password", ""), ip=client_ip(),
                                  user_agent=request.headers.get("User-Agent", ""), device=device,
                                  known=request.cookies.get(KNOWN_COOKIE, ""))
        except SignInRefused as exc:
            return page("sign_in.html", "Đăng nhập", status=429 if exc.locked else 401, next=nxt, login=login,
                        error=exc.message)
        resp = go(view, nxt)
        set_cookie(resp, SESSION_COOKIE, view.token, secure=secure)
        if new_device:
            set_cookie(resp, DEVICE_COOKIE, device, secure=secure, max_age=DEVICE_MAX_AGE)
        if view.known_cookie:
            set_cookie(resp, KNOWN_COOKIE, view.known_cookie, secure=secure, max_age=DEVICE_MAX_AGE)
        return resp

    def step_form(step: str, act: Callable[[SessionView], Response]) -> Response | tuple[SessionView, SignInRefused | None]:
        """For a POST with a valid CSRF field, ``act``'s response; else (or when ``act`` is refused) the
        session at ``step`` and the refusal to show. Without a session at ``step``: back to sign-in."""
        view = current(step)
        if view is None:
            return redirect("sign-in", code=303)
        if request.method != "POST":
            return view, None
        if not csrf_ok(request):
            return view, SignInRefused(EXPIRED)
        try:
            return act(view)
        except SignInRefused as exc:
            return view, exc

    @bp.route("/passkey-sign-in", methods=["GET", "POST"])
    def passkey_sign_in() -> Response:
        nxt = safe_next(request.values.get("next"))
        if not signin.passkeys.available:
            return redirect("sign-in", code=303)
        error, status = None, 200
        if request.method == "POST":
            if not csrf_ok(request):
                error, status = EXPIRED, 400
            else:
                device, new_device = device_token(request)
                try:
                    view = signin.sign_in_with_passkey(credential=request.form.get("credential", ""), ip=client_ip(),
                                                       user_agent=request.headers.get("User-Agent", ""), device=device)
                except SignInRefused as exc:
                    error, status = exc.message, 429 if exc.locked else 401
                else:
                    resp = go(view, nxt)
                    set_cookie(resp, SESSION_COOKIE, view.token, secure=secure)
                    if new_device:
                        set_cookie(resp, DEVICE_COOKIE, device, secure=secure, max_age=DEVICE_MAX_AGE)
                    return resp
        return page("passkey_sign_in.html", "Đăng nhập bằng passkey", status=status, next=nxt,
                    error=error, options=signin.passkeys.sign_in_options())

    @bp.route("/second-factor", methods=["GET", "POST"])
    def second_factor() -> Response:
        nxt = safe_next(request.values.get("next"))

        def verify(view: SessionView) -> Response:
            if request.form.get("method") == "passkey":
                return go(signin.verify_passkey(view.token, request.form.get("credential", "")), nxt)
            return go(signin.verify_totp(view.token, request.form.get("code", ""), ip=client_ip()), nxt)

        outcome = step_form(steps.SECOND_FACTOR, verify)
        if isinstance(outcome, Response):
            return outcome
        view, refused = outcome
        passkey, totp = signin.second_factor_methods(view.token)
        options = signin.passkey_request(view.token) if passkey else ""
        status = 200 if refused is None else 429 if refused.locked else 400 if refused.message == EXPIRED else 401
        return page("second_factor.html", "Xác thực hai lớp", status=status, next=nxt,
                    error=refused.message if refused else None, passkey=passkey, totp=totp, options=options)

    @bp.route("/passkey", methods=["GET", "POST"])
    def passkey_offer() -> Response:
        nxt = safe_next(request.values.get("next"))

        def answer(view: SessionView) -> Response:
            choice = request.form.get("method")
            if choice == "totp":
                return go(signin.choose_totp(view.token), nxt)
            if choice == "postpone":
                return go(signin.postpone_passkey_offer(view.token), nxt)
            return go(signin.accept_passkey_offer(view.token, request.form.get("credential", ""),
                                                  request.form.get("name", "")), nxt)

        outcome = step_form(steps.OFFER_PASSKEY, answer)
        if isinstance(outcome, Response):
            return outcome
        view, refused = outcome
        return page("offer_passkey.html", "Đăng nhập an toàn hơn bằng passkey", status=400 if refused else 200, next=nxt,
                    error=refused.message if refused else None, options=signin.passkey_offer(view.token),
                    default_name=request.form.get("name") or describe_device(request.headers.get("User-Agent", "")))

    @bp.route("/passkeys", methods=["GET", "POST"])
    def passkeys() -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if current(steps.ACTIVE) is None or not token:
            return redirect("sign-in", code=303)
        session, person = signin.signed_in_person(token)
        service = signin.passkeys
        error, status, notice = None, 200, PASSKEY_NOTICES.get(request.args.get("done", ""))
        if request.method == "POST":
            if not csrf_ok(request):
                error, status = EXPIRED, 400
            else:
                op = request.form.get("op")
                try:
                    if op == "add" and service.available:
                        service.register(session, person, request.form.get("credential", ""), request.form.get("name", ""))
                        return redirect("passkeys?done=added", code=303)
                    if op == "rename":
                        service.rename(person, request.form.get("passkey", ""), request.form.get("name", ""))
                        return redirect("passkeys?done=renamed", code=303)
                    if op == "remove":
                        service.remove(person, request.form.get("passkey", ""), factor_required=signin.factor_required(person))
                        return redirect("passkeys?done=removed", code=303)
                    error, status = "Yêu cầu không hợp lệ.", 400
                except PasskeyRefused as exc:
                    error, status = exc.message, 400
        items = [{"id": p.id, "name": p.name, "created": when(p.created_at), "used": when(p.last_used_at, never="chưa dùng")}
                 for p in service.of(person.id)]
        options = service.registration_options(session, person) if service.available else ""
        return page("passkeys.html", "Passkey của bạn", status=status, error=error, notice=notice, items=items,
                    available=service.available, options=options, home=home,
                    default_name=describe_device(request.headers.get("User-Agent", "")))

    @bp.route("/enrol", methods=["GET", "POST"])
    def enrol() -> Response:
        nxt = safe_next(request.values.get("next"))

        def confirm(view: SessionView) -> Response:
            if request.form.get("action") == "postpone":
                return go(signin.postpone_enrolment(view.token), nxt)
            return go(signin.confirm_enrolment(view.token, request.form.get("code", "")), nxt)

        outcome = step_form(steps.ENROL_TOTP, confirm)
        if isinstance(outcome, Response):
            return outcome
        view, refused = outcome
        error = refused.message if refused else None
        secret, uri = signin.enrolment(view.token)
        svg = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
        return page("enrol.html", "Bật xác thực hai lớp", status=400 if error else 200, next=nxt, secret=secret,
                    uri=uri, qr_svg=svg, error=error)

    @bp.route("/change-password", methods=["GET", "POST"])
    def change_password() -> Response:
        nxt = safe_next(request.values.get("next"))
        view = current(steps.CHANGE_PASSWORD)
        if view is None:
            return redirect("sign-in", code=303)
        context = dict(next=nxt, action="change-password",
                       intro="Đây là lần đăng nhập đầu tiên hoặc mật khẩu vừa được cấp lại. Vui lòng đặt mật khẩu mới.")
        if request.method == "GET":
            return page("change_password.html", "Đổi mật khẩu", **context)
        return new_password_form(lambda password: go(signin.change_password(view.token, password), nxt),
                                 "Đổi mật khẩu", context)

    @bp.get("/signed-in")
    def signed_in() -> Response:
        if current(steps.ACTIVE) is None:
            return redirect("sign-in", code=303)
        return page("message.html", "Đã đăng nhập", message="Bạn đã đăng nhập thành công.", link=home,
                    link_text="Vào trang HoSo", extra_link="passkeys", extra_link_text="Quản lý passkey của bạn")

    @bp.get("/signed-out")
    def signed_out() -> Response:
        return page("message.html", "Đã đăng xuất", message="Bạn đã đăng xuất khỏi HoSo.", link="sign-in",
                    link_text="Đăng nhập lại")

    @bp.post("/sign-out")
    def sign_out() -> Response:
        if csrf_ok(request):
            signin.sign_out(request.cookies.get(SESSION_COOKIE))
        resp = redirect("signed-out", code=303)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    @bp.route("/forgot", methods=["GET", "POST"])
    def forgot() -> Response:
        if request.method == "GET":
            return page("forgot.html", "Quên mật khẩu")
        if not csrf_ok(request):
            return page("forgot.html", "Quên mật khẩu", status=400, error=EXPIRED)
        link_base = container.settings.issuer + "/auth/reset"
        signin.request_reset(login=request.form.get("login", ""), link_base=link_base)
        return page("forgot.html", "Quên mật khẩu",
                    notice="Nếu tài khoản tồn tại và có địa chỉ thư điện tử, liên kết đặt lại mật khẩu đã được gửi. "
                           "Vui lòng kiểm tra hộp thư.")

    @bp.route("/reset/<token>", methods=["GET", "POST"])
    def reset(token: str) -> Response:
        context = dict(next="", action=token, intro="Đặt mật khẩu mới cho tài khoản HoSo của bạn.")
        if not signin.reset_is_valid(token):
            return page("message.html", "Đặt lại mật khẩu", status=410,
                        message="Liên kết đặt lại mật khẩu không còn hiệu lực. Vui lòng yêu cầu liên kết mới.",
                        link="../forgot", link_text="Yêu cầu liên kết mới")
        if request.method == "GET":
            return page("change_password.html", "Đặt lại mật khẩu", **context)

        def complete(password: str) -> Response:
            signin.complete_reset(token, password)
            return page("message.html", "Đặt lại mật khẩu", message="Mật khẩu đã được đặt lại. Hãy đăng nhập bằng mật khẩu mới.",
                        link="../sign-in", link_text="Đăng nhập")

        return new_password_form(complete, "Đặt lại mật khẩu", context)

    return bp
