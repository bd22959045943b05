"""Defect 12: signature times are shown in Vietnam time with the offset, in the order people read.

A signature made at 13:38:17 in Vietnam (06:38:17 UTC) once read "Thời gian ký: 06:38:17", and
before 07:00 the date was a day early; the verification page showed raw ISO UTC.
"""
from __future__ import annotations

import re
import subprocess
from datetime import datetime, timezone

from services.kernel.clock import FixedClock
from services.kernel.vntime import format_vn, format_vn_date
from services.signing.adapters.records import SignedDocumentDoc
from tests.unit.signing.test_signing_api import GVCN, World

VN_TIME = re.compile(r"\d{2}:\d{2}:\d{2} ngày \d{2}/\d{2}/\d{4} \(UTC\+07:00\)")


def _stamp_text(world: World, sid: str) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=world.latest_pdf(sid), capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def test_the_kernel_helper_formats_vietnam_time_with_its_offset():
    assert format_vn(datetime(2026, 12, 2, 6, 38, 17, tzinfo=timezone.utc)) == "13:38:17 ngày 02/12/2026 (UTC+07:00)"
    assert format_vn(datetime(2026, 5, 30, 18, 30, tzinfo=timezone.utc)) == "01:30:00 ngày 31/05/2026 (UTC+07:00)"
    assert format_vn(datetime(2026, 5, 30, 18, 30)) == "01:30:00 ngày 31/05/2026 (UTC+07:00)"  # naive = UTC (MongoDB)
    assert format_vn_date(datetime(2026, 5, 30, 17, 0, tzinfo=timezone.utc)) == "31/05/2026"


def test_the_stamp_shows_vietnam_time_not_utc(tmp_path):
    world = World(tmp_path, clock=FixedClock(datetime(2026, 12, 2, 6, 38, 17, tzinfo=timezone.utc)))
    world.submission("sub-1")
    assert world.sign(GVCN, ["sub-1"]).json["signed"] == 1
    text = _stamp_text(world, "sub-1")
    assert "Thời gian ký: 13:38:17 ngày 02/12/2026 (UTC+07:00)" in text, text
    assert "06:38:17" not in text


def test_a_signature_before_seven_in_the_morning_carries_the_vietnamese_date(tmp_path):
    """Signed at 01:30 on 31/05 in Vietnam (18:30 UTC on 30/05): "signed before 31/5" must not be claimed."""
    world = World(tmp_path, clock=FixedClock(datetime(2026, 5, 30, 18, 30, tzinfo=timezone.utc)))
    world.submission("sub-1")
    assert world.sign(GVCN, ["sub-1"]).json["signed"] == 1
    text = _stamp_text(world, "sub-1")
    assert "Thời gian ký: 01:30:00 ngày 31/05/2026 (UTC+07:00)" in text, text
    assert "30/05/2026" not in text


def test_the_verification_page_and_api_show_vietnam_time(tmp_path):
    world = World(tmp_path)
    world.submission("sub-1")
    world.sign(GVCN, ["sub-1"])
    code = SignedDocumentDoc.objects(submission_id="sub-1").first().code
    report = world.client.get(f"/api/v1/verify/{code}").json
    [sig] = report["signatures"]
    assert sig["timestamp_at"]  # the machine field stays ISO 8601 with its offset
    assert sig["timestamp_at_text"] == format_vn(datetime.fromisoformat(sig["timestamp_at"]))
    assert VN_TIME.fullmatch(sig["timestamp_at_text"])
    html = world.client.get(f"/verify/{code}").get_data(as_text=True)
    assert sig["timestamp_at_text"] in html
    assert sig["timestamp_at"] not in html and not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", html)
