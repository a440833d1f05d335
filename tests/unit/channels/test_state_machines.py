"""The messaging session's and messages' state machines (CONTRACT §8)."""

from __future__ import annotations

import pytest

from command_api.channels.driver import qrcode_png_b64
from domain.channels.errors import MessageStateError, SessionStateError
from domain.channels.message import ChannelMessage
from domain.channels.session import ChannelSession


def test_a_session_goes_connecting_qrcode_authenticated_ready():
    session = ChannelSession("whatsapp")
    seen = [session.status]
    session.start()
    seen.append(session.status)
    session.show_qrcode("png")
    seen.append(session.status)
    session.authenticate()
    seen.append(session.status)
    session.become_ready()
    seen.append(session.status)
    session.end("bye")
    assert seen + [session.status] == [
        "disconnected",
        "connecting",
        "qrcode",
        "authenticated",
        "ready",
        "disconnected",
    ]


def test_steps_out_of_order_are_refused():
    session = ChannelSession("whatsapp")
    with pytest.raises(SessionStateError):
        session.show_qrcode("png")
    session.start()
    with pytest.raises(SessionStateError):
        session.become_ready()
    session.start()
    assert session.status == "connecting"


def test_messages_only_move_forward():
    message = ChannelMessage("+1555", "text", "hi")
    message.advance("sent")
    message.advance("read")
    with pytest.raises(MessageStateError):
        message.advance("delivered")
    with pytest.raises(MessageStateError):
        message.fail("late")


def test_the_stub_qrcode_is_a_png():
    import base64

    assert base64.b64decode(qrcode_png_b64("payload")).startswith(b"\x89PNG\r\n\x1a\n")
