"""Uploads while object storage cannot be reached: 503 UPSTREAM_ERROR, nothing charged.

The stack's S3 endpoint is a port nothing listens on, as when the storage service is down.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.servers import free_port
from tests.e2e.jobs.flows import csv_bytes, fresh_people, get_json, jpeg_bytes, post_file
from tests.fixtures.stack import Stack, start_own_embedded


@pytest.fixture(scope="module", params=["embedded", "embedded_pg"])
def storage_down(request: pytest.FixtureRequest) -> Iterator[Stack]:
    yield from start_own_embedded(request, {
        "TESSERA_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"})


def assert_upstream_error(answer) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "UPSTREAM_ERROR"


def test_an_image_storage_cannot_take_is_503_and_uses_no_upload_quota(storage_down):
    admin, user = storage_down.admin_token(), storage_down.new_user()
    with storage_down.client(admin) as http:
        assert http.put("/api/v1/quotas/limits/upload/", json={"daily_limit": 2}).status_code == 200
    for attempt in range(3):
        assert_upstream_error(post_file(storage_down, user["token"], "/api/v1/images/", f"{attempt}.jpg",
                                        jpeg_bytes(), "image/jpeg"))
    quotas = get_json(storage_down, user["token"], "/api/v1/quotas/")
    assert [q["used"] for q in quotas if q["action"] == "upload"] in ([], [0])
    assert get_json(storage_down, user["token"], "/api/v1/images/")["count"] == 0


def test_a_contacts_file_storage_cannot_take_is_503(storage_down):
    answer = post_file(storage_down, storage_down.admin_token(), "/api/v1/contacts/upload-csv/",
                       "contacts.csv", csv_bytes(fresh_people(2)), "text/csv")
    assert_upstream_error(answer)
