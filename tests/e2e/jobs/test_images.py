"""Images (CONTRACT §8): upload checks, the `upload` quota, and thumbnails made by a worker."""
from __future__ import annotations

import io

import httpx
from PIL import Image

from tests.e2e.jobs.flows import (
    finished,
    get_json,
    jpeg_bytes,
    post_file,
    stored_keys,
    wait_for_state,
)


def fetch(stack, url: str) -> bytes:
    absolute = url if url.startswith("http") else stack.base_url + url
    answer = httpx.get(absolute, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.content


def test_upload_makes_an_upright_thumbnail(jobs_stack):
    user = jobs_stack.new_user()
    # Orientation 6: the camera was turned; upright, the 320x200 picture is 200 wide, 320 high.
    answer = post_file(jobs_stack, user["token"], "/api/v1/images/", "holiday.jpg",
                       jpeg_bytes((320, 200), orientation=6), "image/jpeg")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "processing" and body["original_url"]
    image = wait_for_state(jobs_stack, user["token"], f"/api/v1/images/{body['id']}/", finished)
    assert image["status"] == "ready", image
    with Image.open(io.BytesIO(fetch(jobs_stack, image["thumbnail_url"]))) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert thumbnail.height == 256 and thumbnail.width == 160
    assert fetch(jobs_stack, image["original_url"]) == jpeg_bytes((320, 200), orientation=6)
    listed = get_json(jobs_stack, user["token"], "/api/v1/images/")
    assert [i["id"] for i in listed["results"]] == [body["id"]]


def test_images_are_private_to_their_owner(jobs_stack):
    owner, other = jobs_stack.new_user(), jobs_stack.new_user()
    answer = post_file(jobs_stack, owner["token"], "/api/v1/images/", "a.jpg", jpeg_bytes(), "image/jpeg")
    with jobs_stack.client(other["token"]) as http:
        assert http.get(f"/api/v1/images/{answer.json()['id']}/").status_code == 404
    assert get_json(jobs_stack, other["token"], "/api/v1/images/")["count"] == 0


def refused(stack, token: str, name: str, data: bytes, status: int) -> dict:
    answer = post_file(stack, token, "/api/v1/images/", name, data, "image/jpeg")
    assert answer.status_code == status, answer.text
    return answer.json()["error"]


def test_bad_uploads_are_refused_and_nothing_is_stored_or_consumed(jobs_stack):
    user = jobs_stack.new_user()
    limit = 10 * 1024 * 1024
    assert refused(jobs_stack, user["token"], "big.jpg", b"\xff" * (limit + 1), 413)["code"] == "PAYLOAD_TOO_LARGE"
    assert refused(jobs_stack, user["token"], "notes.jpg", b"just some text\n" * 20, 400)["code"] == "INVALID_PAYLOAD"
    assert refused(jobs_stack, user["token"], "../../etc/evil.jpg", jpeg_bytes(), 400)["details"]["file"]
    assert refused(jobs_stack, user["token"], "..\\evil.jpg", jpeg_bytes(), 400)["code"] == "INVALID_PAYLOAD"
    assert get_json(jobs_stack, user["token"], "/api/v1/images/")["count"] == 0
    quotas = get_json(jobs_stack, user["token"], "/api/v1/quotas/")
    assert all(q["used"] == 0 for q in quotas if q["action"] == "upload")
    assert not [key for key in stored_keys(jobs_stack) if any(n in key for n in ("big", "notes", "evil"))]


def test_upload_consumes_one_upload_unit_and_is_refused_over_the_quota(jobs_stack):
    admin, user = jobs_stack.admin_token(), jobs_stack.new_user()
    with jobs_stack.client(admin) as http:
        assert http.put("/api/v1/quotas/limits/upload/", json={"daily_limit": 1}).status_code == 200
    try:
        first = post_file(jobs_stack, user["token"], "/api/v1/images/", "one.jpg", jpeg_bytes())
        assert first.status_code == 201, first.text
        error = refused(jobs_stack, user["token"], "two.jpg", jpeg_bytes(), 429)
        assert error["code"] == "QUOTA_EXCEEDED"
        assert not [key for key in stored_keys(jobs_stack) if key.endswith("/two.jpg")]
        quotas = get_json(jobs_stack, user["token"], "/api/v1/quotas/", first.json()["position"])
        assert next(q["used"] for q in quotas if q["action"] == "upload") == 1
        listed = get_json(jobs_stack, user["token"], "/api/v1/images/", first.json()["position"])
        assert [i["name"] for i in listed["results"]] == ["one.jpg"]
    finally:
        with jobs_stack.client(admin) as http:
            assert http.put("/api/v1/quotas/limits/upload/", json={"daily_limit": None}).status_code == 200
