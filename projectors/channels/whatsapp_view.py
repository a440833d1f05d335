"""The messaging channel's session and messages, pushed on `/ws/whatsapp/` (CONTRACT §6, §8)."""

from __future__ import annotations

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on

CHANNEL = "whatsapp"
SESSION_STATUS = {
    "ChannelSessionCreated": "disconnected",
    "ChannelSessionConnecting": "connecting",
    "ChannelQrCodeIssued": "qrcode",
    "ChannelSessionAuthenticated": "authenticated",
    "ChannelSessionReady": "ready",
    "ChannelSessionDisconnected": "disconnected",
}


class WhatsappView(Projection):
    name = "whatsapp"
    contexts = ("channels",)
    tables = {
        "channel_sessions": """CREATE TABLE IF NOT EXISTS channel_sessions (
            id TEXT PRIMARY KEY, provider TEXT NOT NULL, status TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        "channel_messages": """CREATE TABLE IF NOT EXISTS channel_messages (
            id TEXT PRIMARY KEY, direction TEXT NOT NULL, peer TEXT NOT NULL, type TEXT NOT NULL,
            text TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    }

    @on(*SESSION_STATUS)
    def session_changed(self, event: Envelope, w: Writer) -> None:
        status = SESSION_STATUS[event.type]
        w.execute(
            "INSERT INTO channel_sessions (id, provider, status, updated_at)"
            " VALUES (:id, :provider, :status, :at) ON CONFLICT (id)"
            " DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
            {
                "id": event.aggregate_id_text,
                "provider": event.data.get("provider", ""),
                "status": status,
                "at": event.timestamp_text,
            },
        )
        if event.type != "ChannelSessionCreated":
            w.push(CHANNEL, "session_status", {"status": status})
        if event.type == "ChannelQrCodeIssued":
            w.push(CHANNEL, "qrcode", {"image_b64": event.data["image_b64"]})

    @on("ChannelMessageQueued")
    def queued(self, event: Envelope, w: Writer) -> None:
        self._insert(event, w, "outbound", event.data["to"], "queued")
        w.push(
            CHANNEL, "message_status", {"message_id": event.aggregate_id_text, "status": "queued"}
        )

    @on("ChannelMessageStatusChanged")
    def status_changed(self, event: Envelope, w: Writer) -> None:
        d = event.data
        w.execute(
            "UPDATE channel_messages SET status = :status, reason = :reason, updated_at = :at"
            " WHERE id = :id",
            {
                "id": event.aggregate_id_text,
                "status": d["status"],
                "reason": d["reason"],
                "at": event.timestamp_text,
            },
        )
        frame = {"message_id": event.aggregate_id_text, "status": d["status"]}
        w.push(
            CHANNEL, "message_status", {**frame, "reason": d["reason"]} if d["reason"] else frame
        )

    @on("ChannelMessageReceived")
    def received(self, event: Envelope, w: Writer) -> None:
        d = event.data
        self._insert(event, w, "inbound", d["sender"], "received")
        w.push(
            CHANNEL,
            "message_received",
            {
                "message_id": event.aggregate_id_text,
                "from": d["sender"],
                "type": d["type"],
                "text": d["text"],
                "timestamp": event.timestamp_text,
            },
        )

    @staticmethod
    def _insert(event: Envelope, w: Writer, direction: str, peer: str, status: str) -> None:
        w.execute(
            "INSERT INTO channel_messages (id, direction, peer, type, text, status, reason,"
            " created_at, updated_at)"
            " VALUES (:id, :direction, :peer, :type, :text, :status, '', :at, :at)",
            {
                "id": event.aggregate_id_text,
                "direction": direction,
                "peer": peer,
                "type": event.data["type"],
                "text": event.data["text"],
                "status": status,
                "at": event.timestamp_text,
            },
        )
