"""Attachments (§5.4): bounded size, content type sniffed from the bytes, used by messages."""
from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.e2e.chat.flows import API, Person

UPLOAD_LIMIT = 10 * 1024 * 1024


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def pair(stack):
    ann, bob = Person(stack, "Ann"), Person(stack, "Bob")
    return ann, bob, ann.conversation(bob)


def upload(person: Person, conversation: str, name: str, data: bytes, claimed: str) -> httpx.Response:
    return person.http.post(f"{API}/conversations/{conversation}/attachments/",
                            files={"file": (name, data, claimed)})


def download(person: Person, url: str) -> httpx.Response:
    return person.http.get(url) if url.startswith("/") else httpx.get(url, timeout=30)


def test_an_image_is_stored_with_its_real_type_and_a_safe_name(pair):
    ann, _, conversation = pair
    data = png_bytes()
    answer = upload(ann, conversation, "../../etc/My Cat!.png", data, "text/plain")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["content_type"] == "image/png" and body["size"] == len(data) and body["id"]
    assert body["name"] == "My_Cat_.png"
    fetched = download(ann, body["url"])
    assert fetched.status_code == 200 and fetched.content == data


def test_an_image_message_points_at_its_attachment_with_a_fresh_url(pair):
    ann, bob, conversation = pair
    attachment = upload(ann, conversation, "cat.png", png_bytes(), "image/png").json()
    message = ann.post(conversation, "image", {"url": attachment["url"]})
    assert message.status_code == 201, message.text
    content = message.json()["content"]
    assert content["attachment_id"] == attachment["id"] and content["content_type"] == "image/png"
    seen = bob.history(conversation, message.json()["position"])["results"][-1]["content"]
    assert seen["attachment_id"] == attachment["id"]
    assert download(bob, seen["url"]).content == png_bytes()


@pytest.mark.parametrize("name, data", [
    ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4),
    ("prog", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"not really an image" * 10),
])
def test_unsupported_or_damaged_files_are_refused(pair, name, data):
    ann, _, conversation = pair
    answer = upload(ann, conversation, name, data, "image/png")
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "INVALID_PAYLOAD" and "file" in answer.json()["error"]["details"]


def test_a_text_file_is_accepted_as_plain_text_but_not_as_an_image(pair):
    ann, _, conversation = pair
    attachment = upload(ann, conversation, "notes.html", b"<script>alert(1)</script>", "text/html")
    assert attachment.status_code == 201 and attachment.json()["content_type"] == "text/plain"
    as_image = ann.post(conversation, "image", {"url": attachment.json()["url"]})
    assert as_image.status_code == 400 and "content.url" in as_image.json()["error"]["details"]
    assert ann.post(conversation, "file", {"url": attachment.json()["url"]}).status_code == 201


def test_a_file_is_bytes_not_json_so_the_edge_leaves_its_contents_alone(pair):
    """A file whose text would be refused in a JSON body (U+0000 escapes, deep brackets)."""
    ann, _, conversation = pair
    data = b'{"a": "\\u0000"}' + b"[" * 500
    attachment = upload(ann, conversation, "odd.json", data, "application/json")
    assert attachment.status_code == 201, attachment.text
    assert download(ann, attachment.json()["url"]).content == data


def test_a_file_over_the_limit_is_refused_with_413(pair):
    ann, _, conversation = pair
    answer = upload(ann, conversation, "big.txt", b"a" * (UPLOAD_LIMIT + 1), "text/plain")
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_a_missing_file_part_or_another_conversations_attachment_is_invalid(stack, pair):
    ann, bob, conversation = pair
    other = ann.conversation(Person(stack, "Cid"))
    missing = ann.http.post(f"{API}/conversations/{conversation}/attachments/", files={"other": ("a", b"x")})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "INVALID_PAYLOAD"
    foreign = upload(ann, other, "a.png", png_bytes(), "image/png").json()
    answer = bob.post(conversation, "image", {"url": foreign["url"]})
    assert answer.status_code == 400 and "content.url" in answer.json()["error"]["details"]
