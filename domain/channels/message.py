"""Messages through the channel: sent ones move queued → sent → delivered → read (or failed);
received ones are recorded as they arrive."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.aggregate import Aggregate
from domain.channels.errors import MessageStateError

ORDER = ("queued", "sent", "delivered", "read")


class ChannelMessage(Aggregate):
    @event("ChannelMessageQueued")
    def __init__(self, to: str, type: str, text: str) -> None:
        self.to, self.type, self.text = to, type, text
        self.status = "queued"

    def advance(self, status: str) -> None:
        """Only forward: a late acknowledgement never moves a message back."""
        if (
            self.status == "failed"
            or status not in ORDER
            or ORDER.index(status) <= ORDER.index(self.status)
        ):
            raise MessageStateError(self.status, status)
        self._status_changed(status, "")

    def fail(self, reason: str) -> None:
        if self.status in ("read", "failed"):
            raise MessageStateError(self.status, "failed")
        self._status_changed("failed", reason)

    @event("ChannelMessageStatusChanged")
    def _status_changed(self, status: str, reason: str) -> None:
        self.status = status


class ReceivedChannelMessage(Aggregate):
    @event("ChannelMessageReceived")
    def __init__(self, sender: str, type: str, text: str) -> None:
        self.sender, self.type, self.text = sender, type, text
