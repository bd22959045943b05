"""E-mail goes through a real SMTP server (aiosmtpd) with Vietnamese text intact."""
from __future__ import annotations

import email
from email import policy

import pytest
from aiosmtpd.controller import Controller

from infra.allinone import free_port
from services.identity.events import SIGNIN_NEW_DEVICE
from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import example_event
from services.notifications.bootstrap import bootstrap

pytestmark = pytest.mark.integration


class Collect:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def test_new_device_mail_is_delivered_over_smtp(tokens):
    handler = Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        c = bootstrap({"mode": "test", "smtp_host": "127.0.0.1", "smtp_port": port}, environ={}, verifier=tokens.verifier(), publisher=InMemoryPublisher())
        c.consumer.handle(example_event(SIGNIN_NEW_DEVICE, person="thhp.hieutruong", email="hieutruong@hoaphong.edu.vn",
                                        device="Safari trên iPhone"))
        assert c.dispatcher.deliver_due() == 1
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    msg = handler.messages[0]
    assert msg["To"] == "hieutruong@hoaphong.edu.vn"
    assert msg["Subject"] == "[HoSo] Đăng nhập từ thiết bị mới"
    assert "Safari trên iPhone" in msg.get_body(("plain",)).get_content()
