"""The audit log of CONTRACT §7: every event as an entry, secrets redacted, staff only."""
from __future__ import annotations

KEYS = {"position", "timestamp", "actor_id", "tenant_id", "aggregate_type", "aggregate_id",
        "action", "representation", "changes", "event_type", "version"}


def test_a_users_actions_are_entries_with_actor_action_and_changes(auditor, person):
    position = person.rename("Renamed")
    entries = auditor.entries(position, aggregate_type="user", aggregate_id=person.id)
    assert [e["event_type"] for e in entries] == ["UserProfileUpdated", "UserRegistered"]
    updated, created = entries
    assert set(updated) == KEYS
    assert (created["action"], created["version"], updated["action"], updated["version"]) == (
        "create", 1, "update", 2)
    assert updated["actor_id"] == person.id and updated["position"] == position
    assert updated["changes"] == {"changes": {"first_name": "Renamed"}}
    email = created["changes"]["email"]
    assert created["representation"] == updated["representation"] == f"user '{email}'"
    assert updated["timestamp"].endswith("Z") and updated["tenant_id"] is None


def test_secrets_never_reach_the_audit_log(auditor, person):
    position = person.rename("Secretive")
    registered = auditor.entries(position, aggregate_type="user", aggregate_id=person.id)[-1]
    assert registered["changes"]["password_hash"] == "[redacted]"
    sessions = [e for e in auditor.entries(position, aggregate_type="login_session")
                if e["changes"]["user_id"] == person.id]
    assert sessions and all(e["changes"]["refresh_jti"] == "[redacted]" for e in sessions)
    raw = auditor.get(position=position, aggregate_id=person.id, page_size=100).text
    assert "$argon2" not in raw and "[redacted]" in raw


def test_a_deleted_event_is_a_delete_action_and_event_types_filter_too(stack, auditor, person):
    with stack.client(stack.admin_token()) as admin:
        sent = admin.post("/api/v1/notifications/", json={"title": "audit me", "obj_code": "user",
                                                          "obj_id": person.id}).json()
    assert person.http.patch(f"/api/v1/notifications/{sent['id']}/mark-as-read/").status_code == 200
    assert person.http.delete(f"/api/v1/notifications/{sent['id']}/").status_code == 204
    mine = auditor.entries(sent["position"], actor=person.id, aggregate_type="notification_inbox")
    assert [(e["event_type"], e["action"]) for e in mine] == [
        ("NotificationDeleted", "delete"), ("NotificationRead", "update"),
        ("NotificationInboxOpened", "create")]
    [deleted] = auditor.entries(actor=person.id, action="delete")
    assert deleted["changes"]["notification_id"] == sent["id"]
    [read] = auditor.entries(actor=person.id, action="NotificationRead")
    assert read["event_type"] == "NotificationRead"
    [created] = auditor.entries(aggregate_id=sent["id"], action="create")
    assert created["representation"] == "notification 'audit me'"
    assert created["actor_id"] != person.id


def test_only_admin_and_support_read_the_log(stack, auditor, person):
    assert person.http.get("/api/v1/audit/").status_code == 403
    history = person.http.get(f"/api/v1/audit/user/{person.id}/history/")
    assert history.status_code == 403 and history.json()["error"]["code"] == "FORBIDDEN"
    promoted = auditor.http.patch(f"/api/v1/users/{person.id}/access_level/",
                                  json={"access_level": "support"})
    assert promoted.status_code == 200, promoted.text
    assert person.http.get("/api/v1/audit/").status_code == 200
    with stack.client() as anonymous:
        assert anonymous.get("/api/v1/audit/").status_code == 401


def test_the_log_is_read_only(auditor):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        answer = auditor.http.request(method, "/api/v1/audit/", json={})
        assert answer.status_code in (404, 405), (method, answer.status_code)
        assert answer.json()["error"]["code"]
