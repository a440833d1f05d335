"""The chat read models: conversations per participant, messages, cursors and unread counts.

Ordering keys are `<timestamp>:<id>` strings, so history, latest activity and the receipt
cursors compare as text in SQLite and PostgreSQL alike. Every row update is order-independent
(keys only move forward, unread counts are recounted on a read), so events of different
messages projected from different Kafka partitions in any order give the same rows.
Frames: `message` to `chat:<conversation>`, `status` to `chat:<conversation>:<sender>`.
"""
from __future__ import annotations

import msgspec

from infra.envelope import Envelope
from projectors.chat.receipts import Receipt, move_cursors, receipt_reads
from projectors.projection import Projection, Writer, on
from query_api.chat.payloads import message_payload, person

_encode = msgspec.json.Encoder().encode


ANNOUNCED = "chat.announced"  # batch_state key: (position, message) to push after the batch
RECEIPTS = "chat.receipts"  # batch_state key: the batch's receipts, applied after its messages


# A message raises the unread count of the members who have not read past it. Members
# keep no activity of their own (participants are fixed at the start, so a member's latest
# activity is the conversation's `last_key`): the update changes no indexed column, and with
# the room `fillfactors` leaves it stays on its page (HOT). Keeping a per-member activity
# index made this the projector's costliest statement, 20 index-moving rows per message.
MEMBERS_SEE_MESSAGE = ("UPDATE chat_members SET unread_count = unread_count + 1"
                       " WHERE conversation_id = :c AND user_id <> :s AND read_key < :key")


def conversation_channel(conversation_id: str) -> str:
    return f"chat:{conversation_id}"


def sort_key(timestamp_text: str, item_id: str) -> str:
    return f"{timestamp_text}:{item_id}"


class ChatView(Projection):
    name = "chat"
    contexts = ("chat", "identity")
    tables = {
        "chat_conversations": """CREATE TABLE IF NOT EXISTS chat_conversations (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, creator_id TEXT NOT NULL,
            created_at TEXT NOT NULL, last_message_id TEXT, last_key TEXT NOT NULL)""",
        "chat_members": """CREATE TABLE IF NOT EXISTS chat_members (
            conversation_id TEXT NOT NULL, user_id TEXT NOT NULL, unread_count INTEGER NOT NULL,
            delivered_key TEXT NOT NULL, read_key TEXT NOT NULL, PRIMARY KEY (conversation_id, user_id))""",
        "chat_messages": """CREATE TABLE IF NOT EXISTS chat_messages (
            id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, sort_key TEXT NOT NULL,
            sender_id TEXT NOT NULL, type_message TEXT NOT NULL, content TEXT NOT NULL,
            created_at TEXT NOT NULL)""",
        "chat_attachments": """CREATE TABLE IF NOT EXISTS chat_attachments (
            id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, storage_key TEXT NOT NULL,
            name TEXT NOT NULL, content_type TEXT NOT NULL, size BIGINT NOT NULL)""",
        "chat_people": """CREATE TABLE IF NOT EXISTS chat_people (
            id TEXT PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL, avatar_url TEXT)""",
    }
    # delivered/read cursors and unread counts change many times per message's life
    fillfactors = {"chat_members": 70}
    indexes = (
        "CREATE INDEX IF NOT EXISTS chat_members_by_user ON chat_members (user_id)",
        "CREATE INDEX IF NOT EXISTS chat_messages_by_key ON chat_messages (conversation_id, sort_key)",
    )

    @on("UserRegistered")
    def registered(self, event: Envelope, w: Writer) -> None:
        w.execute("INSERT INTO chat_people (id, first_name, last_name, avatar_url)"
                  " VALUES (:id, :first_name, :last_name, NULL) ON CONFLICT (id) DO NOTHING",
                  {"id": event.aggregate_id_text, "first_name": event.data["first_name"],
                   "last_name": event.data["last_name"]})

    @on("UserProfileUpdated")
    def profile_updated(self, event: Envelope, w: Writer) -> None:
        changes = {k: v for k, v in event.data["changes"].items()
                   if k in ("first_name", "last_name", "avatar_url")}
        if changes:
            assignments = ", ".join(f"{field} = :{field}" for field in sorted(changes))
            w.execute(f"UPDATE chat_people SET {assignments} WHERE id = :id",
                      {**changes, "id": event.aggregate_id_text})

    @on("ConversationStarted")
    def started(self, event: Envelope, w: Writer) -> None:
        d, conversation = event.data, event.aggregate_id_text
        key = sort_key(event.timestamp_text, conversation)
        w.execute("INSERT INTO chat_conversations (id, kind, name, creator_id, created_at, last_message_id,"
                  " last_key) VALUES (:id, :kind, :name, :creator, :at, NULL, :key)"
                  " ON CONFLICT (id) DO NOTHING",
                  {"id": conversation, "kind": d["kind"], "name": d["name"], "creator": d["creator_id"],
                   "at": event.timestamp_text, "key": key})
        for user in d["participant_ids"]:
            w.execute("INSERT INTO chat_members (conversation_id, user_id, unread_count,"
                      " delivered_key, read_key) VALUES (:c, :u, 0, '', '')"
                      " ON CONFLICT (conversation_id, user_id) DO NOTHING",
                      {"c": conversation, "u": user})

    @on("ChatMessagePosted")
    def posted(self, event: Envelope, w: Writer) -> None:
        d, message_id = event.data, event.aggregate_id_text
        conversation, sender = d["conversation_id"], d["sender_id"]
        params = {"c": conversation, "m": message_id, "s": sender,
                  "key": sort_key(event.timestamp_text, message_id)}
        w.execute("INSERT INTO chat_messages (id, conversation_id, sort_key, sender_id, type_message,"
                  " content, created_at) VALUES (:m, :c, :key, :s, :type, :content, :at)"
                  " ON CONFLICT (id) DO NOTHING",
                  {**params, "type": d["type_message"], "content": _encode(d["content"]).decode(),
                   "at": event.timestamp_text})
        w.execute("UPDATE chat_conversations SET last_message_id = :m, last_key = :key"
                  " WHERE id = :c AND last_key < :key", params)
        w.execute(MEMBERS_SEE_MESSAGE, params)
        if w.pushing:
            message = {"id": message_id, "conversation_id": conversation, "sender_id": sender,
                       "type_message": d["type_message"], "content": d["content"],
                       "created_at": event.timestamp_text}
            w.batch_state.setdefault(ANNOUNCED, []).append((w.position, message))

    def after_batch(self, w: Writer) -> None:
        """The batch's receipts and message frames, from one round trip of reads: the
        senders' names and avatars and every receipt's keys and cursors (a read per message
        or per receipt cost the projector a round trip each)."""
        announced = w.batch_state.pop(ANNOUNCED, [])
        receipts = w.batch_state.pop(RECEIPTS, [])
        senders = sorted({message["sender_id"] for _, message in announced})
        reads = ([_people_read(senders)] if senders else []) + receipt_reads(receipts)
        if not reads:
            return
        found = w.fetch_each(reads)
        people = {row["id"]: row for row in found.pop(0)} if senders else {}
        move_cursors(w, receipts, found)
        for position, message in announced:
            w.position = position
            sender = message["sender_id"]
            w.push(conversation_channel(message["conversation_id"]), "message",
                   message_payload(message, person(sender, people.get(sender))))

    @on("ChatAttachmentUploaded")
    def uploaded(self, event: Envelope, w: Writer) -> None:
        d = event.data
        w.execute("INSERT INTO chat_attachments (id, conversation_id, storage_key, name, content_type, size)"
                  " VALUES (:id, :c, :key, :name, :type, :size) ON CONFLICT (id) DO NOTHING",
                  {"id": event.aggregate_id_text, "c": d["conversation_id"], "key": d["key"],
                   "name": d["name"], "type": d["content_type"], "size": d["size"]})

    @on("ChatMessagesDelivered")
    def delivered(self, event: Envelope, w: Writer) -> None:
        targets = {item["user_id"]: item["message_id"] for item in event.data["deliveries"]}
        w.batch_state.setdefault(RECEIPTS, []).append(
            Receipt(w.position, event.data["conversation_id"], targets, read=False))

    @on("ChatMessageRead")
    def read(self, event: Envelope, w: Writer) -> None:
        d = event.data
        w.batch_state.setdefault(RECEIPTS, []).append(
            Receipt(w.position, d["conversation_id"], {d["user_id"]: d["message_id"]}, read=True))


def _people_read(ids: list[str]) -> tuple[str, dict[str, str]]:
    names = {f"s{i}": person_id for i, person_id in enumerate(ids)}
    return ("SELECT id, first_name, last_name, avatar_url FROM chat_people WHERE id IN ("
            + ", ".join(f":{name}" for name in names) + ")", names)
