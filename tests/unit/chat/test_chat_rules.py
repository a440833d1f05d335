"""Chat's domain rules, without servers: participants, content, attachments, receipt statuses."""
from __future__ import annotations

from uuid import uuid4

import pytest

from domain.chat.attachment import ChatAttachment
from domain.chat.conversation import Conversation, others_of
from domain.chat.errors import ConversationNotFoundError, InvalidContentError, InvalidParticipantsError
from domain.chat.message import attachment_reference, checked_content
from domain.chat.receipt import message_status, participant_status


def test_a_private_conversation_has_one_id_whichever_side_starts_it():
    ann, bob = uuid4(), uuid4()
    assert Conversation.private(ann, bob).id == Conversation.private(bob, ann).id == Conversation.private_id(bob, ann)
    assert Conversation.private(ann, uuid4()).id != Conversation.private(ann, bob).id


def test_groups_get_fresh_ids_and_only_participants_pass():
    ann, bob, cid = uuid4(), uuid4(), uuid4()
    group = Conversation.group(ann, [bob, cid], "club")
    assert group.id != Conversation.group(ann, [bob, cid], "club").id
    assert group.participant_ids == [ann, bob, cid] and group.kind == "group" and group.name == "club"
    group.authorize(cid)
    with pytest.raises(ConversationNotFoundError):
        group.authorize(uuid4())


def test_the_caller_and_duplicates_do_not_count_as_others():
    ann, bob = uuid4(), uuid4()
    assert others_of(ann, [bob, ann, bob]) == [bob]
    for user_ids in ([], [ann], [ann, ann]):
        with pytest.raises(InvalidParticipantsError):
            others_of(ann, user_ids)


@pytest.mark.parametrize("type_message, content", [
    ("text", {"text": "hi"}), ("image", {"url": "https://a.example/x.png"}),
    ("link", {"url": "http://a.example", "title": "t"}), ("file", {"url": "/files/chat/" + "a" * 32 + "/f.pdf"}),
])
def test_valid_content_is_kept_as_is(type_message, content):
    assert checked_content(type_message, content) == content


@pytest.mark.parametrize("type_message, content, field", [
    ("sticker", {"text": "x"}, "type_message"), ("text", {"text": ""}, "content.text"),
    ("text", {"text": "y" * 4001}, "content.text"), ("link", {}, "content.url"),
    ("link", {"url": "mailto:a@b.c"}, "content.url"), ("file", {"url": "/files/other/x"}, "content.url"),
    ("image", {"url": "https://a.example/ x.png"}, "content.url"),
    ("text", {"text": "x", "list": [1]}, "content.list"),
    ("text", {"text": "x", **{f"k{i}": "v" for i in range(10)}}, "content"),
])
def test_invalid_content_names_its_field(type_message, content, field):
    with pytest.raises(InvalidContentError) as refused:
        checked_content(type_message, content)
    assert field in refused.value.details


def test_attachment_urls_are_recognised_on_disk_and_in_s3():
    attachment = uuid4()
    disk = f"/files/chat/{attachment.hex}/cat.png?expires=1&signature=ab"
    s3 = f"https://s3.example/bucket/chat/{attachment.hex}/cat.png?X-Amz-Signature=cd"
    assert attachment_reference(disk) == attachment_reference(s3) == attachment
    assert attachment_reference("https://a.example/cat.png") is None and attachment_reference(None) is None


def test_an_attachment_describes_itself_and_must_be_an_image_to_be_shown_as_one():
    attachment = ChatAttachment(uuid4(), uuid4(), uuid4(), "chat/k/a.txt", "a.txt", "text/plain", 3)
    described = attachment.describe("file", {"url": "/files/chat/k/a.txt"})
    assert described["attachment_id"] == str(attachment.id) and described["content_type"] == "text/plain"
    with pytest.raises(InvalidContentError):
        attachment.describe("image", {"url": "/files/chat/k/a.txt"})


def test_statuses_follow_the_cursors_and_the_least_advanced_recipient():
    assert participant_status("b", "a", "") == "sent"
    assert participant_status("b", "b", "a") == "delivered"
    assert participant_status("b", "c", "b") == "read"
    cursors = {"sender": ("", ""), "bob": ("c", "c"), "cid": ("c", "a")}
    assert message_status("b", "sender", cursors) == "delivered"
    assert message_status("b", "sender", {**cursors, "cid": ("c", "b")}) == "read"
    assert message_status("b", "sender", {"sender": ("", "")}) == "sent"


def test_what_only_the_server_says_about_an_attachment_is_dropped_from_client_content():
    spoofed = {"url": "https://a.example/x.png", "attachment_id": str(uuid4()), "size": 1,
               "content_type": "image/png", "caption": "mine"}
    assert checked_content("image", spoofed) == {"url": "https://a.example/x.png", "caption": "mine"}
