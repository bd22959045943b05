"""The public verification page (Vietnamese, no sign-in), served at ``/verify`` (gateway: ``/api/signing/verify``).

Server-rendered so it works from a QR scan on any phone without the web app. Links are
relative, so the page works behind the gateway's prefix; the style sheet is a separate file
(``/verify/style.css``, under the gateway's public ``verify`` prefix) because the gateway's
Content-Security-Policy allows no inline style.
"""
from __future__ import annotations

from flask import Blueprint, Response, render_template_string, request

from services.kernel.errors import Problem

from ..bootstrap import Container
from ..domain.errors import SigningRefused

STYLE = """body{font-family:system-ui,"DejaVu Sans",sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}fieldset{border:1px solid #bbb;padding:1rem;margin-bottom:1rem}
.ok{color:#0a6b2d}.bad{color:#a8071a}.warn{color:#8a5300}
.card{border:1px solid #ccc;border-radius:6px;padding:.8rem;margin:.6rem 0}
dt{font-weight:600}dd{margin:0 0 .4rem 0}
"""

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tra cứu chữ ký số — HoSo</title>
<link rel="stylesheet" href="{{ base }}/style.css"></head><body>
<h1>Tra cứu và kiểm tra chữ ký số</h1>
<p>Nhập mã tra cứu in trên tài liệu, hoặc tải lên tệp PDF để kiểm tra từng chữ ký số.</p>
<form method="get" action="{{ base }}"><fieldset><legend>Theo mã tra cứu</legend>
<label for="code">Mã tra cứu</label> <input id="code" name="code" value="{{ code or '' }}" maxlength="20" autocomplete="off">
<button type="submit">Tra cứu</button></fieldset></form>
<form method="post" action="{{ base }}" enctype="multipart/form-data"><fieldset><legend>Theo tệp PDF</legend>
<label for="pdf">Tệp PDF</label> <input id="pdf" name="pdf" type="file" accept="application/pdf">
<button type="submit">Kiểm tra</button></fieldset></form>
{% if error %}<p class="bad" role="alert">{{ error }}</p>{% endif %}
{% if report %}
<section aria-live="polite">
<h2>Kết quả</h2>
<p class="{{ 'bad' if report.recalled else ('ok' if report.summary.startswith('Mọi') else 'warn') }}"><strong>{{ report.summary }}</strong></p>
{% if report.recalled %}<p class="bad">Đã thu hồi{% if report.recalled_at_text %} lúc {{ report.recalled_at_text }}{% endif %}. Lý do: {{ report.recall_reason }}</p>{% endif %}
{% if report.code %}<p>Mã tra cứu: <strong>{{ report.code }}</strong></p>{% endif %}
{% for s in report.signatures %}
<div class="card"><dl>
<dt>Người ký</dt><dd>{{ s.signer }}{% if s.organisation %} — {{ s.organisation }}{% endif %}</dd>
<dt>Kết luận</dt><dd class="{{ 'ok' if s.valid else 'bad' }}">{{ s.verdict }}</dd>
<dt>Thời điểm ký</dt><dd>{{ s.timestamp_at_text or s.signed_at_text or 'không rõ' }}{% if s.timestamp_at_text %} (dấu thời gian){% endif %}</dd>
<dt>Chuỗi chứng thư</dt><dd>{% for c in s.chain %}{{ c }}{% if not loop.last %} ← {% endif %}{% endfor %}</dd>
<dt>Tài liệu thay đổi sau khi ký</dt><dd>{{ 'Có' if s.changed_after_signing else 'Không' }}</dd>
</dl></div>
{% endfor %}
</section>
{% endif %}
</body></html>"""


def verify_page_blueprint(c: Container) -> Blueprint:
    bp = Blueprint("verify_page", __name__)

    def render(report=None, error=None, code=None, status=200, base="."):
        return render_template_string(PAGE, report=report, error=error, code=code, base=base), status

    def attempt(fn, *args):
        try:
            return fn(*args), None, 200
        except SigningRefused as exc:
            return None, exc.detail, 422
        except Problem as exc:
            return None, exc.detail or exc.title, exc.status

    @bp.get("/verify/style.css")
    def style():
        return Response(STYLE, mimetype="text/css", headers={"Cache-Control": "max-age=3600"})

    @bp.get("/verify")
    def page():
        code = request.args.get("code", "").strip()
        if not code:
            return render(base="verify")
        report, error, status = attempt(c.verification.verify_code, code)
        return render(report, error, code, status, base="verify")

    @bp.post("/verify")
    def upload():
        limit = c.settings.verify_max_bytes
        if request.content_length is None or request.content_length > limit:
            # refused before the form is parsed, so an oversized upload is never spooled
            return render(error=f"Tệp tối đa {limit // (1024 * 1024)} MB.", status=413, base="verify")
        file = request.files.get("pdf")
        if file is None or not file.filename:
            return render(error="Hãy chọn một tệp PDF.", status=400, base="verify")
        report, error, status = attempt(c.verification.verify_upload, file.stream, request.content_length)
        return render(report, error, status=status, base="verify")

    @bp.get("/verify/<code>")
    def by_code(code: str):
        report, error, status = attempt(c.verification.verify_code, code)
        return render(report, error, code, status, base="../verify")

    return bp
