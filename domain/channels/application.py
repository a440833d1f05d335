"""Messaging-channel commands: the session's steps and the messages through it."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain.application import ContextApplication
from domain.channels.message import ChannelMessage, ReceivedChannelMessage
from domain.channels.session import ChannelSession

PROVIDER = "whatsapp"


class ChannelsApplication(ContextApplication):
    def start_session(self) -> ChannelSession:
        session_id = ChannelSession.id_for(PROVIDER)
        session = (
            self.load(ChannelSession, session_id)
            if self.exists(session_id)
            else ChannelSession(PROVIDER)
        )
        session.start()
        self.save(session)
        return session

    def show_qrcode(self, image_b64: str) -> ChannelSession:
        return self._step(lambda session: session.show_qrcode(image_b64))

    def authenticate_session(self) -> ChannelSession:
        return self._step(ChannelSession.authenticate)

    def make_session_ready(self) -> ChannelSession:
        return self._step(ChannelSession.become_ready)

    def end_session(self, reason: str) -> None:
        if self.exists(ChannelSession.id_for(PROVIDER)):
            self._step(lambda session: session.end(reason))

    def send_message(self, to: str, type: str, text: str) -> ChannelMessage:
        message = ChannelMessage(to, type, text)
        self.save(message)
        return message

    def advance_message(self, message_id: UUID, status: str) -> ChannelMessage:
        message = self.load(ChannelMessage, message_id)
        message.advance(status)
        self.save(message)
        return message

    def fail_message(self, message_id: UUID, reason: str) -> ChannelMessage:
        message = self.load(ChannelMessage, message_id)
        message.fail(reason)
        self.save(message)
        return message

    def receive_message(self, sender: str, type: str, text: str) -> ReceivedChannelMessage:
        message = ReceivedChannelMessage(sender, type, text)
        self.save(message)
        return message

    def session_status(self) -> str:
        session_id = ChannelSession.id_for(PROVIDER)
        return (
            self.load(ChannelSession, session_id).status
            if self.exists(session_id)
            else "disconnected"
        )

    def _step(self, change: Callable[[ChannelSession], None]) -> ChannelSession:
        session = self.load(ChannelSession, ChannelSession.id_for(PROVIDER))
        change(session)
        self.save(session)
        return session
