"""The pages of federated sign-in (Vietnamese, server-rendered, no script):

- ``/auth/federated`` "Đăng nhập bằng tài khoản khác": the person types their school e-mail
  address (its domain finds the provider) or part of the school's or unit's name, and picks one.
- ``/auth/federated-start`` sends the browser to the provider; ``/auth/federated-callback`` is
  the redirect URI registered there.
- ``/auth/federated-confirm`` "Xác nhận liên kết tài khoản": the first time, the person confirms
  with their password, or (no password) asks for a single-use link mailed to the recorded address.
- ``/auth/federated-links`` "Tài khoản liên kết": a signed-in person's links, each removable.

Cookies: ``hoso_fed`` carries the started request's token (also its ``state``) and
``hoso_fed_link`` the pending link's, both HttpOnly and SameSite=Lax, so the provider's top-level
redirect brings them back while another site cannot start or finish a sign-in in this browser.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, make_response, redirect, render_template, request

from services.identity.bootstrap import Container
from services.identity.domain import signin_steps as steps
from services.identity.entrypoints.cookies import (
    CSRF_COOKIE, DEVICE_COOKIE, DEVICE_MAX_AGE, KNOWN_COOKIE, SESSION_COOKIE, csrf_ok, csrf_token, device_token, set_cookie,
)
from services.identity.entrypoints.pages import EXPIRED, STEP_PAGES, client_ip, private_page, safe_next, when
from services.identity.service_layer.federation import FederationRefused, NeedsConfirmation
from services.identity.service_layer.signin import SessionView, SignInRefused

FLOW_COOKIE = "hoso_fed"
LINK_COOKIE = "hoso_fed_link"
CHOOSE_TITLE = "Đăng nhập bằng tài khoản khác"
CONFIRM_TITLE = "Xác nhận liên kết tài khoản"
LINKS_TITLE = "Tài khoản liên kết"
REFUSED_TITLE = "Không đăng nhập được bằng tài khoản khác"


def federation_pages_blueprint(container: Container) -> Blueprint:
    """The blueprint of the federated sign-in pages (see the module docstring)."""
    bp = Blueprint("federation_pages", __name__, url_prefix="/auth", template_folder="templates")
    federation, signin = container.federation, container.signin
    secure = container.settings.public_url.startswith("https://")
    home = container.settings.public_url.rstrip("/") + "/"
    bp.after_request(private_page)

    def page(template: str, title: str, *, status: int = 200, **context) -> Response:
        csrf = csrf_token(request)
        resp = make_response(render_template(template, title=title, csrf=csrf, demo=container.settings.demo_mode,
                                             **context), status)
        if request.cookies.get(CSRF_COOKIE) != csrf:
            set_cookie(resp, CSRF_COOKIE, csrf, secure=secure)
        return resp

    def refused(exc: FederationRefused) -> Response:
        resp = page("message.html", REFUSED_TITLE, status=exc.status, error=exc.message, message="",
                    link="sign-in", link_text="Đăng nhập bằng mật khẩu", extra_link="federated",
                    extra_link_text="Chọn lại trường hoặc đơn vị")
        resp.delete_cookie(LINK_COOKIE, path="/")
        return resp

    def go(view: SessionView, nxt: str, *, new_device: str | None = None) -> Response:
        """Into the session's next step (a second factor still comes), or on to ``next``."""
        nxt = safe_next(nxt)
        if view.step == steps.ACTIVE:
            resp = redirect(".." + nxt if nxt else "signed-in", code=303)
        else:
            resp = redirect(STEP_PAGES[view.step] + (f"?next={quote(nxt, safe='')}" if nxt else ""), code=303)
        set_cookie(resp, SESSION_COOKIE, view.token, secure=secure)
        if new_device:
            set_cookie(resp, DEVICE_COOKIE, new_device, secure=secure, max_age=DEVICE_MAX_AGE)
        if view.known_cookie:
            set_cookie(resp, KNOWN_COOKIE, view.known_cookie, secure=secure, max_age=DEVICE_MAX_AGE)
        resp.delete_cookie(LINK_COOKIE, path="/")
        resp.delete_cookie(FLOW_COOKIE, path="/")
        return resp

    @bp.route("/federated", methods=["GET", "POST"])
    def choose() -> Response:
        nxt = safe_next(request.values.get("next"))
        query = request.values.get("q", "").strip()
        choices = federation.choices(query) if query else []
        notice = None
        if query and not choices:
            notice = ("Chưa có trường hoặc đơn vị nào khớp cho phép đăng nhập bằng tài khoản khác. "
                      "Hãy thử tên trường, hoặc đăng nhập bằng mật khẩu.")
        return page("federated.html", CHOOSE_TITLE, next=nxt, q=query, choices=choices, notice=notice,
                    hint=query if "@" in query else "")

    @bp.get("/federated-start")
    def start() -> Response:
        try:
            started = federation.start(request.args.get("provider", ""), next_path=safe_next(request.args.get("next")),
                                       login_hint=request.args.get("hint", "").strip()[:254])
        except FederationRefused as exc:
            return refused(exc)
        resp = redirect(started.url, code=303)
        set_cookie(resp, FLOW_COOKIE, started.token, secure=secure)
        return resp

    @bp.get("/federated-callback")
    def callback() -> Response:
        device, new_device = device_token(request)
        try:
            outcome = federation.callback(state=request.args.get("state", ""), cookie=request.cookies.get(FLOW_COOKIE),
                                          code=request.args.get("code", ""), error=request.args.get("error", ""),
                                          ip=client_ip(), user_agent=request.headers.get("User-Agent", ""), device=device)
        except FederationRefused as exc:
            resp = refused(exc)
            resp.delete_cookie(FLOW_COOKIE, path="/")
            return resp
        if isinstance(outcome, NeedsConfirmation):
            resp = redirect("federated-confirm", code=303)
            set_cookie(resp, LINK_COOKIE, outcome.token, secure=secure)
            resp.delete_cookie(FLOW_COOKIE, path="/")
            return resp
        return go(outcome.view, outcome.next, new_device=device if new_device else None)

    @bp.route("/federated-confirm", methods=["GET", "POST"])
    def confirm() -> Response:
        token = request.cookies.get(LINK_COOKIE)
        device, new_device = device_token(request)
        if request.method == "GET" and request.args.get("mail"):
            try:
                view, nxt = federation.confirm_by_mail(token, request.args["mail"], ip=client_ip(), device=device,
                                                       user_agent=request.headers.get("User-Agent", ""))
            except FederationRefused as exc:
                return refused(exc)
            return go(view, nxt, new_device=device if new_device else None)
        try:
            pending = federation.pending(token)
        except FederationRefused as exc:
            return refused(exc)
        error, status, notice = None, 200, None
        if request.method == "POST":
            if not csrf_ok(request):
                error, status = EXPIRED, 400
            elif request.form.get("action") == "mail":
                try:
                    federation.mail_confirmation(token, link_base=container.settings.issuer + "/auth/federated-confirm")
                except FederationRefused as exc:
                    return refused(exc)
                pending = federation.pending(token)
                notice = (f"Đã gửi thư xác nhận đến {pending.email}. Hãy mở liên kết trong thư trên trình duyệt này "
                          "để hoàn tất liên kết.")
            else:
                try:
                    view, nxt = federation.confirm_with_password(
                        token, request.form.get("password", ""), ip=client_ip(), device=device,
                        user_agent=request.headers.get("User-Agent", ""), known=request.cookies.get(KNOWN_COOKIE, ""))
                except SignInRefused as exc:
                    error, status = exc.message, 429 if exc.locked else 401
                except FederationRefused as exc:
                    return refused(exc)
                else:
                    return go(view, nxt, new_device=device if new_device else None)
        return page("federated_confirm.html", CONFIRM_TITLE, status=status, error=error, notice=notice, pending=pending)

    @bp.route("/federated-links", methods=["GET", "POST"])
    def links() -> Response:
        view = signin.session(request.cookies.get(SESSION_COOKIE))
        if view is None or view.step != steps.ACTIVE:
            return redirect("sign-in", code=303)
        error, status, notice = None, 200, None
        if request.method == "POST":
            if not csrf_ok(request):
                error, status = EXPIRED, 400
            elif federation.unlink(view.person_id, request.form.get("link", "")):
                notice = "Đã gỡ liên kết. Lần sau bạn đăng nhập bằng mật khẩu hoặc liên kết lại."
            else:
                error, status = "Không tìm thấy liên kết này.", 404
        items = [{"id": link.id, "provider": link.provider_name, "email": link.email or "—", "created": when(link.created_at),
                  "used": when(link.last_used_at, never="chưa dùng")} for link in federation.links_of(view.person_id)]
        return page("federated_links.html", LINKS_TITLE, status=status, error=error, notice=notice, items=items, home=home)

    return bp
