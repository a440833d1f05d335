"""Messages: each its own aggregate (one event), so a conversation's length costs nothing.

Content rules: `text` needs a non-empty `content.text`; `image`, `link` and `file` need
`content.url`, an http(s) URL or the URL of an attachment uploaded to the conversation.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate
from domain.chat.errors import InvalidContentError

MESSAGE_TYPES = ("text", "image", "link", "file")
SERVER_FIELDS = ("attachment_id", "content_type", "size")
MAX_TEXT, MAX_URL, MAX_VALUE, MAX_FIELDS, MAX_FIELD_NAME = 4000, 2048, 1000, 10, 64
_ATTACHMENT_PATH = re.compile(r"(?:^|/)chat/([0-9a-f]{32})/")
_SCALARS = (str, int, float, bool, type(None))


def checked_content(type_message: str, content: dict[str, Any]) -> dict[str, Any]:
    """The content to keep; what only the server may say about an attachment is dropped."""
    content = {key: value for key, value in content.items() if key not in SERVER_FIELDS}
    if type_message not in MESSAGE_TYPES:
        raise InvalidContentError("type_message", f"must be one of {', '.join(MESSAGE_TYPES)}")
    _check_shape(content)
    if type_message == "text":
        text = content.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InvalidContentError("content.text", "must be a non-empty string")
        if len(text) > MAX_TEXT:
            raise InvalidContentError("content.text", f"must be at most {MAX_TEXT} characters")
    else:
        _check_url(content.get("url"))
    return content


def _check_shape(content: dict[str, Any]) -> None:
    if len(content) > MAX_FIELDS:
        raise InvalidContentError("content", f"must have at most {MAX_FIELDS} fields")
    for key, value in content.items():
        if len(key) > MAX_FIELD_NAME:  # a 1 MB name made an event no Kafka record could hold
            raise InvalidContentError("content", f"field names must be at most {MAX_FIELD_NAME} characters")
        if not isinstance(value, _SCALARS):
            raise InvalidContentError(f"content.{key}", "must be a string, number, boolean or null")
        if key != "text" and isinstance(value, str) and len(value) > max(MAX_VALUE, MAX_URL):
            raise InvalidContentError(f"content.{key}", "is too long")


def _check_url(url: Any) -> None:
    if not isinstance(url, str) or not url.strip():
        raise InvalidContentError("content.url", "is required for this type_message")
    if len(url) > MAX_URL or any(ch.isspace() for ch in url):
        raise InvalidContentError("content.url", "must be a valid URL")
    parts = urlsplit(url)
    absolute = parts.scheme in ("http", "https") and bool(parts.hostname)
    if not absolute and not (url.startswith("/files/") and attachment_reference(url)):
        raise InvalidContentError("content.url", "must be an http(s) URL or an uploaded attachment's URL")


def attachment_reference(url: Any) -> UUID | None:
    """The attachment id a URL of the attachments route carries, if it is one."""
    if not isinstance(url, str):
        return None
    found = _ATTACHMENT_PATH.search(urlsplit(url).path)
    return UUID(found.group(1)) if found else None


class ChatMessage(Aggregate):
    @event("ChatMessagePosted")
    def __init__(self, conversation_id: UUID, sender_id: UUID, type_message: str,
                 content: dict[str, Any]) -> None:
        self.conversation_id, self.sender_id = conversation_id, sender_id
        self.type_message, self.content = type_message, content
