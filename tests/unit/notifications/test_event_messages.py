"""What each person reads in their inbox for each event: who, which book, which period, how long is left, where to click.

Events are fed to the notifications consumer as bootstrap() wires it; the inbox is read back as stored.
"""
from __future__ import annotations

import email
import unicodedata
from email import policy

from datetime import datetime, timedelta, timezone

import pytest

from services.approvals import events as approvals
from services.documents import events as documents
from services.identity import events as identity
from services.kernel.events import Event
from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import TokenFactory, example_event
from services.notifications.adapters.inbox import NotificationDoc
from services.kernel.clock import FixedClock
from services.notifications.bootstrap import bootstrap
from services.notifications.domain.model import period_phrase, time_left
from services.signing import events as signing


@pytest.fixture
def env(tmp_path):
    """The service as bootstrap() wires it, mailing into a local folder (the all-in-one outbox)."""
    c = bootstrap({"mode": "test", "mail_outbox_dir": str(tmp_path / "mail")}, environ={},
                  verifier=TokenFactory().verifier(), publisher=InMemoryPublisher(),
                  clock=FixedClock(datetime(2025, 11, 27, 9, 0, tzinfo=timezone(timedelta(hours=7)))))
    return c, tmp_path / "mail"


def mails(folder) -> list[tuple[str, str]]:
    """(To, Subject) of every e-mail written to the outbox folder."""
    messages = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]
    return [(m["To"], m["Subject"]) for m in messages]


def at(spec, when: str, **data) -> Event:
    e = example_event(spec, **data)
    return Event.from_dict({**e.to_dict(), "occurred_at": when})


def inbox_of(person: str) -> list[NotificationDoc]:
    # one fixed instant: ids keep the order of making
    return list(NotificationDoc.objects(recipient=person).order_by("created_at", "id"))


def onboard(c) -> None:
    c.consumer.handle(example_event(identity.SCHOOL_ONBOARDED, school_id="th-hoa-phong", name="Trường Tiểu học Hòa Phong",
                                    principal_id="thhp.hieutruong",
                                    units=[{"id": "th-hoa-phong/to-4", "slug": "to-4", "name": "Tổ 4", "kind": "to"}]))


def test_periods_and_time_left_read_as_people_say_them() -> None:
    assert period_phrase("Tuần 13 (24/11/2025)") == "tuần 13, từ 24/11"
    assert period_phrase("Tháng 11/2025") == "tháng 11/2025"
    assert period_phrase("Học kỳ I năm học 2025-2026") == "học kỳ I năm học 2025-2026"
    now = "2025-11-26T22:30:00+00:00"  # already 27/11 in Vietnam
    assert time_left("2025-11-29T23:59:59+07:00", now) == "còn 2 ngày"
    assert time_left("2025-11-27", now) == "hạn là hôm nay"
    assert time_left("2025-11-24", now) == "đã quá hạn 3 ngày"


def test_a_submission_names_the_teacher_from_identity_and_mails_the_to_truong(env) -> None:
    c, mail = env
    c.people_consumer.handle(example_event(identity.PERSON_CREATED, person="thhp.giaovien", full_name="Nguyễn Thị Lệ Thủy",
                                    email="thuy@hoaphong.edu.vn", school="th-hoa-phong"))
    c.people_consumer.handle(example_event(identity.PERSON_CREATED, person="thhp.totruong", full_name="Võ Thị Hồng Nhung",
                                    email="nhung@hoaphong.edu.vn", school="th-hoa-phong"))
    c.consumer.handle(example_event(approvals.ADVANCED, submission_id="s13", book_name="Kế hoạch bài dạy",
                                    period_label="Tuần 13 (24/11/2025)", submitter="thhp.giaovien",
                                    approvers=["thhp.totruong"]))
    [m] = inbox_of("thhp.totruong")
    assert m.title == "Chờ bạn duyệt: Kế hoạch bài dạy của Nguyễn Thị Lệ Thủy"
    assert m.body == ("Kế hoạch bài dạy tuần 13, từ 24/11 của Nguyễn Thị Lệ Thủy đã qua bước duyệt trước "
                      "và đang chờ bạn duyệt.")
    assert m.link == "/bai-nop/s13" and unicodedata.is_normalized("NFC", m.body)
    c.dispatcher.deliver_due()  # e-mail goes out from the delivery job
    assert mails(mail) == [
        ("nhung@hoaphong.edu.vn", "[HoSo] Chờ bạn duyệt: Kế hoạch bài dạy của Nguyễn Thị Lệ Thủy")]


def test_a_return_says_who_returned_it_the_comment_and_how_long_is_left(env) -> None:
    c, _ = env
    c.people_consumer.handle(example_event(identity.PERSON_CREATED, person="thhp.totruong", full_name="Võ Thị Hồng Nhung",
                                    email=None, school="th-hoa-phong"))
    event = at(approvals.RETURNED, "2025-11-27T09:00:00+07:00", actor=None, submission_id="s13",
               book_name="Kế hoạch bài dạy", period_label="Tuần 13 (24/11/2025)", submitter="thhp.giaovien",
               comment="Bổ sung mục tiêu bài học.", due_at="2025-11-29T17:00:00+07:00")
    c.consumer.handle(Event.from_dict({**event.to_dict(), "actor": "thhp.totruong"}))
    [m] = inbox_of("thhp.giaovien")
    assert m.body == ("Võ Thị Hồng Nhung đã trả lại Kế hoạch bài dạy tuần 13, từ 24/11. Góp ý: «Bổ sung mục tiêu "
                      "bài học.». Vui lòng sửa và nộp lại (hạn 29/11, còn 2 ngày).")


def test_a_batch_of_signing_turns_is_one_message_per_signer(env) -> None:
    c, _ = env
    for n in range(30):
        c.consumer.handle(at(approvals.SIGNING_ADVANCED, "2026-01-12T09:00:00+07:00", submission_id=f"hb-{n}",
                             book_type="hoc_ba", book_name="Học bạ", period_key="2025-2026.hk1",
                             period_label="Học kỳ I năm học 2025-2026", order=2, signers=["thhp.hieutruong"],
                             signer_role="hieu_truong"))
    [m] = inbox_of("thhp.hieutruong")
    assert (m.title, m.link) == ("Đến lượt bạn ký: Học bạ", "/ky-so")
    assert m.body.startswith("Có Học bạ học kỳ I năm học 2025-2026 chờ bạn ký số với vai trò Hiệu trưởng.")


def test_the_end_of_a_signing_batch_is_told_to_its_signer(env) -> None:
    c, _ = env
    c.consumer.handle(example_event(signing.BATCH_FINISHED, signer="thhp.hieutruong", total=30, signed=28, failed=2))
    c.consumer.handle(example_event(signing.BATCH_FAILED, signer="thhp.hieutruong", total=5, signed=0, failed=5,
                                    reason="Mã PIN không đúng."))
    done, failed = inbox_of("thhp.hieutruong")
    assert done.title == "Đã ký xong 28/30 hồ sơ" and "2 hồ sơ chưa ký được" in done.body
    assert failed.title == "Lượt ký không thành công" and "Lý do: Mã PIN không đúng." in failed.body


def test_correction_witnesses_are_asked_to_consent_then_to_confirm(env) -> None:
    c, _ = env
    c.consumer.handle(example_event(approvals.CORRECTION_REQUESTED, submission_id="hb-1", reason="Sai ngày sinh",
                                    title="Học bạ – Cuối năm học 2025-2026", witnesses=["thhp.hieutruong"]))
    c.consumer.handle(example_event(approvals.CORRECTION_CONSENTED, submission_id="hb-1", comment=None,
                                    title="Học bạ – Cuối năm học 2025-2026",
                                    witnesses=["thhp.hieutruong", "thhp.quantri", "thhp.giaovien"]))
    assert [m.title for m in inbox_of("thhp.hieutruong")] == ["Đề nghị sửa dữ liệu chờ bạn đồng ý",
                                                              "Biên bản sửa dữ liệu chờ bạn xác nhận"]
    [m] = inbox_of("thhp.quantri")
    assert "«Học bạ – Cuối năm học 2025-2026»" in m.body and m.link == "/bai-nop/hb-1"


def test_an_inspection_opened_on_a_school_tells_its_principal(env) -> None:
    c, _ = env
    onboard(c)
    c.consumer.handle(at(identity.CAMPAIGN_OPENED, "2025-11-20T08:00:00+07:00", name="Kiểm tra hồ sơ chuyên môn HK I",
                         unit_name="Phòng GD&ĐT Hòa Vang", schools=["th-hoa-phong", "th-chua-biet"],
                         head_name="Lê Văn Tâm", starts_at="2025-11-24T07:00:00+07:00",
                         until="2025-12-05T17:00:00+07:00"))
    [m] = inbox_of("thhp.hieutruong")
    assert m.title == "Đợt kiểm tra mới: Kiểm tra hồ sơ chuyên môn HK I"
    assert m.body == ("Phòng GD&ĐT Hòa Vang mở đợt kiểm tra «Kiểm tra hồ sơ chuyên môn HK I» tại Trường Tiểu học "
                      "Hòa Phong, từ 24/11/2025 đến 05/12/2025 (còn 15 ngày). Trưởng đoàn: Lê Văn Tâm.")
    assert m.link == "/truong/ket-luan-kiem-tra"


def test_a_new_principal_hears_of_the_next_inspection_and_the_old_one_does_not(env) -> None:
    c, _ = env
    onboard(c)
    c.consumer.handle(example_event(identity.MEMBERSHIP_REVOKED, membership="m-old", person="thhp.hieutruong",
                                    school="th-hoa-phong", role="hieu_truong", unit=None))
    c.consumer.handle(example_event(identity.MEMBERSHIP_GRANTED, membership="m-new", person="thhp.hieutruong2",
                                    school="th-hoa-phong", role="hieu_truong", unit=None))
    c.consumer.handle(example_event(identity.CAMPAIGN_OPENED, schools=["th-hoa-phong"]))
    assert [m.kind for m in inbox_of("thhp.hieutruong")] == ["role"]
    granted, inspection = inbox_of("thhp.hieutruong2")
    assert granted.title == "Bạn được giao vai trò Hiệu trưởng"
    assert granted.body.startswith("Bạn vừa được giao vai trò Hiệu trưởng tại Trường Tiểu học Hòa Phong.")
    assert inspection.kind == "inspection"


def test_a_role_in_a_unit_names_the_unit(env) -> None:
    c, _ = env
    onboard(c)
    c.consumer.handle(example_event(identity.MEMBERSHIP_GRANTED, membership="m-1", person="thhp.topho",
                                    school="th-hoa-phong", role="to_pho", unit="th-hoa-phong/to-4"))
    [m] = inbox_of("thhp.topho")
    assert m.body.startswith("Bạn vừa được giao vai trò Tổ phó (Tổ 4) tại Trường Tiểu học Hòa Phong.")


def test_a_finding_tells_the_people_it_names_with_the_time_left_to_answer(env) -> None:
    c, _ = env
    c.consumer.handle(at(documents.FINDING_OPENED, "2025-11-25T10:00:00+07:00", campaign_name="Kiểm tra HK I",
                         school="th-hoa-phong", school_name="Trường Tiểu học Hòa Phong",
                         target_label="Kế hoạch bài dạy — tuần 13 (24–28/11) — Nguyễn Thị Lệ Thủy", severity="minor",
                         text="Thiếu mục tiêu bài học.", due_on="2025-12-02", inspector_name="Lê Văn Tâm",
                         notify=["thhp.hieutruong", "thhp.giaovien"]))
    c.consumer.handle(example_event(documents.FINDING_ANSWERED, school_name="Trường Tiểu học Hòa Phong",
                                    campaign_name="Kiểm tra HK I", target_label="Kế hoạch bài dạy — tuần 13",
                                    notify=["pgd.tam"]))
    [m] = inbox_of("thhp.giaovien")
    assert m.title == "Kết luận kiểm tra cần trả lời: Kiểm tra HK I"
    assert m.body.endswith("«Thiếu mục tiêu bài học.». Hạn trả lời: hạn 02/12, còn 7 ngày.")
    assert len(inbox_of("thhp.hieutruong")) == 1
    [answered] = inbox_of("pgd.tam")
    assert answered.title == "Trường đã trả lời kết luận: Trường Tiểu học Hòa Phong" and answered.link == "/phong/dot-kiem-tra"


def test_the_monthly_report_reaches_the_units_staff_only(env) -> None:
    c, _ = env
    for n, (person, district) in enumerate([("pgd.tam", "pgd-hoa-vang"), ("pgd.lan", "pgd-hoa-vang"),
                                            ("pgd.khac", "pgd-lien-chieu")]):
        c.consumer.handle(identity.MEMBERSHIP_GRANTED.event(  # district is the payload's here, not the envelope's
            {"membership": f"m{n}", "person": person, "school": None, "role": "chuyen_vien", "unit": None,
             "district": district}, district=district))
    c.consumer.handle(example_event(approvals.MONTHLY_REPORT, district_id="pgd-hoa-vang", province_id=None,
                                    unit_name="Phòng GD&ĐT Hòa Vang", month_label="tháng 11/2025",
                                    link="/phong/bao-cao/2025-11", schools=12, on_time_percent=91.5))
    for person in ("pgd.tam", "pgd.lan"):
        reports = [m for m in inbox_of(person) if m.kind == "report"]
        assert [(m.title, m.link) for m in reports] == [("Báo cáo tháng 11/2025 của Phòng GD&ĐT Hòa Vang",
                                                         "/phong/bao-cao/2025-11")]
        assert "12 trường, 92% hồ sơ nộp đúng hạn" in reports[0].body
    assert [m.kind for m in inbox_of("pgd.khac")] == ["role"]
