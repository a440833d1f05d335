"""What other services send is applied once per event id; malformed messages are dead-lettered."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any


def message(event_id: str, obj_id: str, obj_cmd: str = "put", **fields: Any) -> str:
    return json.dumps(
        {
            "apps": {"source": "crm"},
            "timestamp": "2026-01-31T12:00:00Z",
            "data": {
                "obj_type": "contact",
                "obj_cmd": obj_cmd,
                "obj_data": {"id": obj_id, "event_id": event_id, **fields},
            },
        }
    )


def listed(stack: Any, path: str, **filters: str) -> list[dict[str, Any]]:
    with stack.client(stack.admin_token()) as http:
        answer = http.get(f"/api/v1/event-sync/{path}", params=filters)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def applied_object(stack: Any, wait_until: Any, obj_id: str, event_id: str) -> dict[str, Any]:
    def done() -> list[dict[str, Any]]:
        found = listed(stack, "objects/", obj_type="contact", obj_id=obj_id)
        return found if found and found[0]["last_event_id"] == event_id else []

    [found] = wait_until(done, 20, message=f"contact {obj_id} applied by {event_id}")
    return found


def test_a_duplicate_delivery_is_applied_once(sqs_stack, queues, wait_until):
    event_id, obj_id = str(uuid.uuid4()), uuid.uuid4().hex
    body = message(event_id, obj_id, name="Grace")
    queues.send(body)
    queues.send(body)

    contact = applied_object(sqs_stack, wait_until, obj_id, event_id)
    wait_until(lambda: queues.drained(queues.inbound), 20, message="both deliveries consumed")
    contact = applied_object(sqs_stack, wait_until, obj_id, event_id)
    assert contact["obj_data"] == {"id": obj_id, "event_id": event_id, "name": "Grace"}
    assert contact["applied"] == 1 and contact["deleted"] is False
    [record] = listed(sqs_stack, "", event_id=event_id)
    assert (record["direction"], record["received"], record["processed"]) == ("inbound", True, True)
    assert (record["obj_type"], record["obj_cmd"], record["apps"]) == (
        "contact",
        "put",
        {"source": "crm"},
    )


def test_later_changes_update_and_delete_the_object(sqs_stack, queues, wait_until):
    obj_id = uuid.uuid4().hex
    first, second, third = (str(uuid.uuid4()) for _ in range(3))
    queues.send(message(first, obj_id, name="Old"))
    applied_object(sqs_stack, wait_until, obj_id, first)
    queues.send(message(second, obj_id, name="New"))
    assert applied_object(sqs_stack, wait_until, obj_id, second)["obj_data"]["name"] == "New"
    queues.send(message(third, obj_id, obj_cmd="delete"))
    gone = applied_object(sqs_stack, wait_until, obj_id, third)
    assert gone["deleted"] is True and gone["applied"] == 3


def test_malformed_messages_go_to_the_dead_letter_queue(sqs_stack, queues, wait_until):
    marker = uuid.uuid4().hex
    bad = [
        f"not json {marker}",
        json.dumps({"apps": {}, "timestamp": marker, "data": {"obj_type": "contact"}}),
        message("not-a-uuid", marker),
        message(str(uuid.uuid4()), "", note=marker),
    ]
    for body in bad:
        queues.send(body)
    dead: list[dict[str, Any]] = []

    def all_dead() -> bool:
        dead.extend(m for m in queues.receive(queues.dead_letter) if marker in m["Body"])
        return len(dead) == len(bad)

    wait_until(all_dead, 30, message="every malformed message in the dead-letter queue")
    assert sorted(m["Body"] for m in dead) == sorted(bad)
    assert all(m["MessageAttributes"]["error"]["StringValue"] for m in dead)

    event_id, obj_id = str(uuid.uuid4()), uuid.uuid4().hex
    queues.send(message(event_id, obj_id))
    applied_object(sqs_stack, wait_until, obj_id, event_id)
    log = Path(sqs_stack.env["TESSERA_DATA_DIR"]) / "serve.log"
    assert log.read_text(errors="replace").count("malformed inbound message") >= len(bad)
