"""Per-aggregate history and the aggregate as it was at a version, from the audit log."""
from __future__ import annotations

import uuid


def test_history_lists_an_aggregates_events_in_order(auditor, person):
    person.rename("Ada")
    position = person.rename("Grace")
    history = auditor.history("user", person.id, position)
    assert [(e["version"], e["event_type"]) for e in history] == [
        (1, "UserRegistered"), (2, "UserProfileUpdated"), (3, "UserProfileUpdated")]
    assert all(e["aggregate_id"] == person.id for e in history)


def test_state_at_a_version_folds_the_entries_up_to_it(auditor, person):
    person.rename("Ada")
    position = person.rename("Grace")
    path = f"/api/v1/audit/user/{person.id}/state/"
    first = auditor.get(path, position, version=1).json()
    assert first["version"] == 1 and first["state"]["first_name"] == "Test"
    assert first["state"]["password_hash"] == "[redacted]"
    assert auditor.get(path, version=2).json()["state"]["first_name"] == "Ada"
    latest = auditor.get(path).json()
    assert (latest["version"], latest["state"]["first_name"], latest["last_event"]) == (
        3, "Grace", "UserProfileUpdated")
    assert latest["deleted"] is False and latest["created_at"] <= latest["updated_at"]


def test_missing_versions_and_aggregates_are_404_and_bad_versions_400(auditor, person):
    path = f"/api/v1/audit/user/{person.id}/state/"
    position = person.rename("Once")
    assert auditor.get(path, position, version=99).status_code == 404
    for bad in ("0", "abc", "-1", "²"):  # "²".isdigit() is True and int("²") raises: it was a 500
        answer = auditor.get(path, version=bad)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "INVALID_PAYLOAD"
    assert auditor.get(f"/api/v1/audit/user/{uuid.uuid4()}/state/").status_code == 404
    assert auditor.get(f"/api/v1/audit/user/{uuid.uuid4()}/history/").status_code == 404
    assert auditor.get(f"/api/v1/audit/book/{person.id}/history/").status_code == 404
    assert auditor.get("/api/v1/audit/user/not-an-id/state/").status_code == 404
