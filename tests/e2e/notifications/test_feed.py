"""The notification feed of CONTRACT §5.3: platform and own, newest first, read state, hiding."""
from __future__ import annotations


def test_a_platform_notification_reaches_every_user_once_stored(sender, reader_factory):
    alice, bob = reader_factory(), reader_factory()
    sent = sender.send()
    assert sent["obj_code"] == "platform" and sent["obj_id"] is None and sent["read"] is False
    for reader in (alice, bob):
        seen = reader.seen(sent)
        assert seen == {"id": sent["id"], "title": sent["title"], "message": "Hello",
                        "obj_code": "platform", "obj_id": None, "created_at": seen["created_at"],
                        "read": False}
        assert seen["created_at"].endswith("Z")


def test_a_user_notification_reaches_only_that_user(sender, reader_factory):
    alice, bob = reader_factory(), reader_factory()
    sent = sender.send("user", alice.id)
    assert alice.seen(sent)["obj_id"] == alice.id
    assert bob.seen(sent) is None
    assert bob.http.patch(f"/api/v1/notifications/{sent['id']}/mark-as-read/").status_code == 404
    assert bob.http.delete(f"/api/v1/notifications/{sent['id']}/").status_code == 404


def test_the_feed_is_newest_first(sender, reader_factory):
    alice = reader_factory()
    first, second = sender.send("user", alice.id), sender.send("user", alice.id)
    ids = [n["id"] for n in alice.feed(second["position"])]
    assert ids.index(second["id"]) < ids.index(first["id"])


def test_mark_as_read_is_per_user_and_unread_filters_it_out(sender, reader_factory):
    alice, bob = reader_factory(), reader_factory()
    sent = sender.send()
    answer = alice.http.patch(f"/api/v1/notifications/{sent['id']}/mark-as-read/")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["id"] == sent["id"] and body["read"] is True and isinstance(body["position"], int)
    assert alice.seen(body)["read"] is True
    assert alice.seen(body, unread="true") is None
    assert bob.seen(body)["read"] is False
    assert bob.seen(body, unread="true")["read"] is False
    again = alice.http.patch(f"/api/v1/notifications/{sent['id']}/mark-as-read")
    assert again.status_code == 200 and again.json()["read"] is True


def test_delete_hides_it_for_the_caller_only(sender, reader_factory):
    alice, bob = reader_factory(), reader_factory()
    sent = sender.send()
    assert alice.http.delete(f"/api/v1/notifications/{sent['id']}/").status_code == 204
    assert alice.seen(sent) is None
    assert bob.seen(sent) is not None
    assert alice.http.delete(f"/api/v1/notifications/{sent['id']}").status_code == 404
    marked = alice.http.patch(f"/api/v1/notifications/{sent['id']}/mark-as-read/")
    assert marked.status_code == 404 and marked.json()["error"]["code"] == "NOT_FOUND"


def test_unknown_notifications_are_404(reader_factory):
    alice = reader_factory()
    missing = "00000000-0000-4000-8000-000000000000"
    assert alice.http.patch(f"/api/v1/notifications/{missing}/mark-as-read/").status_code == 404
    assert alice.http.delete(f"/api/v1/notifications/{missing}/").status_code == 404


def test_a_bad_unread_value_is_400(reader_factory):
    answer = reader_factory().http.get("/api/v1/notifications/", params={"unread": "maybe"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "INVALID_PAYLOAD"
