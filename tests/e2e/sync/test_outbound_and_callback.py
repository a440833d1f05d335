"""Chosen events go to the outbound queue in the body of CONTRACT §8; callbacks mark them."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from tests.e2e.sync.queues import APP_KEY, Queues

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def find_message(queues: Queues, wait_until: Any, email: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def arrived() -> bool:
        bodies = [json.loads(m["Body"]) for m in queues.receive(queues.outbound)]
        found.extend(b for b in bodies if b["data"]["obj_data"].get("email") == email)
        return bool(found)

    wait_until(arrived, 20, message=f"the UserRegistered message of {email}")
    assert len(found) == 1
    return found[0]


def records(
    stack: Any, admin: str, position: int | None = None, **filters: str
) -> list[dict[str, Any]]:
    headers = {"X-Min-Position": str(position)} if position else {}
    with stack.client(admin) as http:
        answer = http.get("/api/v1/event-sync/", params=filters, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def callback(stack: Any, body: dict[str, Any], key: str = APP_KEY, request_id: str = "") -> Any:
    headers = {
        "Authorization": f"Token {key}",
        **({"X-Request-ID": request_id} if request_id else {}),
    }
    with stack.client() as http:
        return http.post("/api/v1/event-sync/", json=body, headers=headers)


def test_registration_is_sent_with_the_contract_body(sqs_stack, queues, wait_until):
    user = sqs_stack.new_user(first_name="Ada", last_name="Sync")["user"]
    body = find_message(queues, wait_until, user["email"])

    assert set(body) == {"apps", "data", "timestamp"}
    assert set(body["data"]) == {"obj_type", "obj_data", "obj_cmd"}
    assert body["apps"] == {"source": "tessera"}
    assert RFC3339.match(body["timestamp"])
    data = body["data"]
    assert (data["obj_type"], data["obj_cmd"]) == ("user", "put")
    obj = data["obj_data"]
    assert obj["id"] == user["id"] and obj["event_type"] == "UserRegistered"
    assert (obj["first_name"], obj["last_name"]) == ("Ada", "Sync")
    assert uuid.UUID(obj["event_id"])
    assert not [key for key in obj if "password" in key or "hash" in key]

    admin = sqs_stack.admin_token()
    [record] = wait_until(
        lambda: records(sqs_stack, admin, event_id=obj["event_id"]),
        10,
        message="the EventSync record",
    )
    assert {k: record[k] for k in ("apps", "obj_type", "obj_data", "obj_cmd")} == {
        "apps": body["apps"],
        **data,
    }
    assert (record["direction"], record["sent"], record["received"], record["processed"]) == (
        "outbound",
        True,
        False,
        False,
    )
    assert set(record) >= {
        "id",
        "apps",
        "obj_type",
        "obj_data",
        "obj_cmd",
        "sent",
        "received",
        "processed",
        "log",
    }


def test_callback_marks_received_and_processed(sqs_stack, queues, wait_until):
    user = sqs_stack.new_user()["user"]
    data = find_message(queues, wait_until, user["email"])["data"]
    admin = sqs_stack.admin_token()
    event_id = data["obj_data"]["event_id"]
    wait_until(
        lambda: records(sqs_stack, admin, event_id=event_id), 10, message="the EventSync record"
    )

    request_id = uuid.uuid4().hex
    body = {"obj_type": "user", "obj_data": {"event_id": event_id}, "obj_cmd": "put"}
    answer = callback(sqs_stack, body, request_id=request_id)
    assert answer.status_code == 200, answer.text
    log = (Path(sqs_stack.env["TESSERA_DATA_DIR"]) / "serve.log").read_text(errors="replace")
    assert f"[request_id={request_id} trace_id=-] event-sync callback for event {event_id}" in log
    assert answer.json()["received"] is True and answer.json()["processed"] is True

    [record] = records(sqs_stack, admin, answer.json()["position"], event_id=event_id)
    assert (record["sent"], record["received"], record["processed"]) == (True, True, True)
    assert [entry["status"] for entry in record["log"]] == [
        "opened",
        "sent",
        "received",
        "processed",
    ]

    again = callback(
        sqs_stack, {"obj_type": "user", "obj_data": {"event_id": event_id}, "obj_cmd": "put"}
    )
    # Nothing new is appended: the answer is the record's last event (CONTRACT §1: an integer)
    assert again.status_code == 200 and again.json()["position"] == answer.json()["position"]


def test_callback_with_a_wrong_key_is_401(sqs_stack):
    body = {"obj_type": "user", "obj_data": {"event_id": str(uuid.uuid4())}, "obj_cmd": "put"}
    for headers in (
        {"Authorization": "Token wrong-key"},
        {},
        {"Authorization": f"Bearer {APP_KEY}"},
    ):
        with sqs_stack.client() as http:
            answer = http.post("/api/v1/event-sync/", json=body, headers=headers)
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["code"] == "UNAUTHORIZED"
        assert answer.headers["www-authenticate"] == 'Token realm="event-sync"'


def test_callback_for_an_unknown_event_is_404(sqs_stack):
    for event_id in (str(uuid.uuid4()), "not-a-uuid"):
        answer = callback(
            sqs_stack, {"obj_type": "user", "obj_data": {"event_id": event_id}, "obj_cmd": "put"}
        )
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "NOT_FOUND"
    missing = callback(sqs_stack, {"obj_type": "user", "obj_data": {}, "obj_cmd": "put"})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "INVALID_PAYLOAD"
    extra = callback(sqs_stack, {"obj_type": "user", "obj_data": {"event_id": str(uuid.uuid4())},
                                 "obj_cmd": "put", "processed": False})
    assert extra.status_code == 400 and extra.json()["error"]["details"] == {"processed": ["is not a known field"]}


def test_event_sync_list_is_for_admins(sqs_stack):
    with sqs_stack.client(sqs_stack.new_user()["token"]) as http:
        answer = http.get("/api/v1/event-sync/")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "FORBIDDEN"
