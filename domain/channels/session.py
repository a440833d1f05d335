"""The messaging-channel session (CONTRACT §8): its state machine as events.

    disconnected → connecting → qrcode → authenticated → ready → disconnected

The provider's driver moves it along (QR code shown, scanned, ready); an admin starts and
ends it. A step out of order is refused, so a driver still running for a session that was
ended meanwhile cannot bring it back to life.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate, stable_id
from domain.channels.errors import SessionStateError

NEXT = {
    "connecting": ("disconnected",),
    "qrcode": ("connecting", "qrcode"),
    "authenticated": ("qrcode",),
    "ready": ("authenticated",),
}


class ChannelSession(Aggregate):
    @staticmethod
    def id_for(provider: str) -> UUID:
        return stable_id("channel_session", provider)

    @classmethod
    def create_id(cls, provider: str, **_: Any) -> UUID:  # type: ignore[override]
        return cls.id_for(provider)

    @event("ChannelSessionCreated")
    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.status = "disconnected"

    def start(self) -> None:
        """Connect a disconnected session; a session already under way is left as it is."""
        if self.status == "disconnected":
            self._connecting()

    def end(self, reason: str) -> None:
        if self.status != "disconnected":
            self._disconnected(reason)

    def show_qrcode(self, image_b64: str) -> None:
        self._check("qrcode")
        self._qrcode_issued(image_b64)

    def authenticate(self) -> None:
        self._check("authenticated")
        self._authenticated()

    def become_ready(self) -> None:
        self._check("ready")
        self._ready()

    def _check(self, wanted: str) -> None:
        if self.status not in NEXT[wanted]:
            raise SessionStateError(self.status, wanted)

    @event("ChannelSessionConnecting")
    def _connecting(self) -> None:
        self.status = "connecting"

    @event("ChannelQrCodeIssued")
    def _qrcode_issued(self, image_b64: str) -> None:
        self.status = "qrcode"

    @event("ChannelSessionAuthenticated")
    def _authenticated(self) -> None:
        self.status = "authenticated"

    @event("ChannelSessionReady")
    def _ready(self) -> None:
        self.status = "ready"

    @event("ChannelSessionDisconnected")
    def _disconnected(self, reason: str) -> None:
        self.status = "disconnected"
