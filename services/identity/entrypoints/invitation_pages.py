"""The invitation page (``/auth/invitations``): a signed-in person sees the schools inviting them
and accepts or declines each one; nothing is granted before. Server-rendered, no JavaScript,
relative links, the same CSRF cookie and security headers as the sign-in pages."""
from __future__ import annotations

from flask import Blueprint, Response, make_response, redirect, render_template, request

from services.identity.bootstrap import Container
from services.identity.domain import signin_steps as steps
from services.identity.domain.roles import ROLE_NAMES
from services.identity.entrypoints.cookies import CSRF_COOKIE, SESSION_COOKIE, csrf_ok, csrf_token, set_cookie
from services.identity.entrypoints.pages import private_page
from services.kernel.errors import Conflict, NotFound
from services.kernel.principal import Principal

TITLE = "Lời mời tham gia trường"
NOTICES = {
    "accepted": "Bạn đã nhận lời mời; vai trò mới có hiệu lực từ lần đăng nhập tới.",
    "declined": "Bạn đã từ chối lời mời; không có vai trò nào được cấp.",
    "gone": "Lời mời này không còn chờ trả lời.",
    "expired": "Phiên làm việc của biểu mẫu đã hết hạn. Vui lòng thử lại.",
}


def invitation_pages_blueprint(container: Container) -> Blueprint:
    """The blueprint of ``/auth/invitations`` (list) and ``/auth/invitations/<id>`` (answer)."""
    bp = Blueprint("invitation_pages", __name__, url_prefix="/auth", template_folder="templates")
    secure = container.settings.public_url.startswith("https://")

    bp.after_request(private_page)

    def signed_in() -> Principal | None:
        view = container.signin.session(request.cookies.get(SESSION_COOKIE))
        return Principal(sub=view.person_id) if view is not None and view.step == steps.ACTIVE else None

    def render(me: Principal, *, notice: str | None = None) -> Response:
        items = [{"id": d.id, "school": s.name if s else d.tenant_id,
                  "roles": ", ".join(ROLE_NAMES.get(r["role"], r["role"]) for r in d.roles or []) or "thành viên"}
                 for d, s in container.admin.my_invitations(me)]
        csrf = csrf_token(request)
        resp = make_response(render_template("invitations.html", title=TITLE, csrf=csrf, items=items, notice=notice,
                                             demo=container.settings.demo_mode))
        if request.cookies.get(CSRF_COOKIE) != csrf:
            set_cookie(resp, CSRF_COOKIE, csrf, secure=secure)
        return resp

    @bp.get("/invitations")
    def invitations() -> Response:
        me = signed_in()
        if me is None:
            return redirect("sign-in", code=303)
        done = request.args.get("done")
        return render(me, notice=NOTICES.get(done or ""))

    @bp.post("/invitations/<invitation_id>")
    def answer(invitation_id: str) -> Response:
        me = signed_in()
        if me is None:
            return redirect("../sign-in", code=303)
        if not csrf_ok(request):
            return redirect("../invitations?done=expired", code=303)
        accept = request.form.get("action") == "accept"
        try:
            container.admin.answer_invitation(me, invitation_id, accept=accept)
        except (NotFound, Conflict):
            return redirect("../invitations?done=gone", code=303)
        return redirect("../invitations?done=" + ("accepted" if accept else "declined"), code=303)

    return bp
