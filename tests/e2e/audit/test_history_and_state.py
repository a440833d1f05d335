"""Per-aggregate history and the aggregate as it was at a version, from the audit log."""
from __future__ import annotations

import time
import uuid

from websockets.sync.client import connect


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


def state_at(auditor, kind: str, aggregate_id: str, position: int, **params) -> dict:
    answer = auditor.get(f"/api/v1/audit/{kind}/{aggregate_id}/state/", position, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def created_for(auditor, kind: str, user_id: str, position: int) -> str:
    """The id of the `kind` aggregate whose first event names this user."""
    [found] = [e["aggregate_id"] for e in auditor.entries(position, aggregate_type=kind, action="create")
               if e["changes"].get("user_id") == user_id]
    return found


def test_a_users_state_shows_events_without_fields(stack, auditor):
    """UserEmailConfirmed and UserDeactivated carry no field: the state showed neither."""
    with stack.client() as http:
        registered = http.post("/api/v1/auth/register/", json={
            "email": f"audit-{uuid.uuid4().hex[:12]}@tessera.test", "password": "password-123",
            "first_name": "Con", "last_name": "Firmed"}).json()
        confirmed = http.post("/api/v1/auth/confirm_email/", json={"token": registered["token"]})
    assert confirmed.status_code == 200, confirmed.text
    user_id, token = registered["user"]["id"], confirmed.json()["token"]
    at_confirm = state_at(auditor, "user", user_id, confirmed.json()["position"])
    assert at_confirm["last_event"] == "UserEmailConfirmed"
    assert at_confirm["state"]["email_confirmed"] is True and at_confirm["state"]["is_active"] is True
    with stack.client(token) as http:
        assert http.delete("/api/v1/users/me/").status_code == 204
    latest = state_at(auditor, "user", user_id, 0)
    assert latest["last_event"] == "UserDeactivated" and latest["state"]["is_active"] is False
    assert latest["state"]["password_hash"] == "[redacted]"
    assert state_at(auditor, "user", user_id, 0, version=1)["state"]["email_confirmed"] is False


def test_a_login_sessions_state_shows_its_revocation(stack, auditor):
    login = stack.new_user()
    with stack.client() as http:
        rotated = http.post("/api/v1/auth/refresh/", json={"refresh": login["refresh"]})
        reused = http.post("/api/v1/auth/refresh/", json={"refresh": login["refresh"]})
    assert rotated.status_code == 200 and reused.status_code == 401, reused.text
    session = created_for(auditor, "login_session", login["user"]["id"], rotated.json()["position"])
    deadline = time.monotonic() + 10
    while (latest := state_at(auditor, "login_session", session, 0))["version"] < 3:
        assert time.monotonic() < deadline, latest
    assert latest["last_event"] == "LoginSessionRevoked" and latest["state"]["revoked"] is True
    assert latest["state"]["refresh_jti"] == "[redacted]"


def test_a_books_state_shows_its_deletion(stack, auditor):
    with stack.client(stack.admin_token()) as admin:
        author = admin.post("/api/v1/authors/", json={"name": "Audited"}).json()
        book = admin.post("/api/v1/books/", json={"title": "Gone", "author_id": author["id"],
                                                  "tag_ids": []}).json()
        assert admin.delete(f"/api/v1/books/{book['id']}/").status_code == 204
    history = auditor.history("book", book["id"], book["position"])
    while len(history) < 2:
        history = auditor.history("book", book["id"], history[-1]["position"] + 1)
    latest = state_at(auditor, "book", book["id"], history[-1]["position"])
    assert latest["last_event"] == "BookDeleted" and latest["state"]["deleted"] is True


def test_a_products_state_follows_its_stock_and_a_presence_its_online_flag(stack, auditor):
    """Events whose fields are not the state's: a reservation lowers `stock`, and coming
    online sets `is_online` (UserCameOnline carries only the user id)."""
    login = stack.new_user()
    with stack.client(stack.admin_token()) as admin:
        product = admin.post("/api/v1/products/", json={"name": "Audited", "price": "1.00", "stock": 5}).json()
    with stack.client(login["token"]) as http:
        order = http.post("/api/v1/orders/", json={"product_id": product["id"], "quantity": 2}).json()
    assert state_at(auditor, "product", product["id"], order["position"])["state"]["stock"] == 3
    with connect(f"{stack.ws_url}/ws/presence/?token={login['token']}"):
        deadline = time.monotonic() + 15
        while not (entries := [e for e in auditor.entries(aggregate_type="presence", action="UserCameOnline")
                               if e["changes"].get("user_id") == login["user"]["id"]]):
            assert time.monotonic() < deadline, "never came online"
        presence = state_at(auditor, "presence", entries[0]["aggregate_id"], entries[0]["position"],
                            version=entries[0]["version"])
    assert presence["state"]["is_online"] is True and presence["state"]["user_id"] == login["user"]["id"]


def test_a_channel_sessions_state_follows_its_steps(stack, auditor):
    """ChannelSessionConnecting, …Authenticated and …Ready carry no field but set `status`."""
    with stack.client(stack.admin_token()) as admin:
        assert admin.delete("/api/v1/whatsapp/session/").status_code == 204
        started = admin.post("/api/v1/whatsapp/session/start/")
    assert started.status_code == 202, started.text
    [session] = {e["aggregate_id"] for e in auditor.entries(started.json()["position"],
                                                              aggregate_type="channel_session")}
    deadline = time.monotonic() + 15
    while (latest := state_at(auditor, "channel_session", session, 0))["last_event"] != "ChannelSessionReady":
        assert time.monotonic() < deadline, latest
    assert latest["state"]["status"] == "ready"
    steps = [e for e in auditor.entries(aggregate_type="channel_session")
             if e["position"] >= started.json()["position"]
             and e["event_type"] in ("ChannelSessionConnecting", "ChannelSessionAuthenticated")]
    assert len(steps) == 2, steps
    for step in steps:
        status = state_at(auditor, "channel_session", session, 0, version=step["version"])["state"]["status"]
        assert status == step["event_type"].removeprefix("ChannelSession").lower()
