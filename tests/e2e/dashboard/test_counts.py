"""GET dashboard/ (CONTRACT §5.5): counts that follow the events, for admin and support only."""
from __future__ import annotations

from datetime import UTC, datetime

KEYS = {"users_count", "courses_count", "books_count", "orders_count", "reports_count",
        "notifications_count", "online_users", "events_per_minute", "events_total"}


def test_the_dashboard_has_every_count(board):
    body = board.read()
    assert set(body) == KEYS
    assert all(isinstance(body[k], int) and body[k] >= 0 for k in KEYS - {"events_per_minute"})
    assert body["users_count"] >= 1


def test_counts_follow_registrations_orders_and_notifications(board):
    before = board.read(board.notify())
    after = board.read(board.register())
    assert after["users_count"] == before["users_count"] + 1
    after_order = board.read(board.order())
    assert after_order["orders_count"] == after["orders_count"] + 1
    after_note = board.read(board.notify())
    assert after_note["notifications_count"] == after_order["notifications_count"] + 1
    assert after_note["events_total"] > after_order["events_total"] > after["events_total"]


def test_a_course_counts_as_a_course_and_as_its_notification(board):
    before = board.read(board.notify())
    after = board.read(board.course())
    assert after["courses_count"] == before["courses_count"] + 1
    assert after["notifications_count"] == before["notifications_count"] + 1


def test_books_count_follows_creation_and_deletion(board):
    before = board.read(board.notify())
    book_id, position = board.book()
    assert board.read(position)["books_count"] == before["books_count"] + 1
    board.delete_book(book_id)
    assert board.read(board.notify())["books_count"] == before["books_count"]


def test_reports_count_follows_report_requests(board):
    before = board.read(board.notify())
    assert board.read(board.report())["reports_count"] == before["reports_count"] + 1


def test_events_are_counted_in_the_minute_of_their_timestamp(board):
    before = board.read(board.notify())
    after = board.read(board.notify())
    minutes = after["events_per_minute"]
    assert [m["minute"] for m in minutes] == sorted(m["minute"] for m in minutes)
    assert all(m["minute"].endswith(":00Z") and m["events"] > 0 for m in minutes)
    latest = datetime.fromisoformat(minutes[-1]["minute"])
    assert abs((datetime.now(UTC) - latest).total_seconds()) < 180
    gained = sum(m["events"] for m in minutes) - sum(
        m["events"] for m in before["events_per_minute"])
    assert gained == after["events_total"] - before["events_total"] >= 1


def test_only_admin_and_support_see_the_dashboard(stack, board):
    login = stack.new_user()
    with stack.client(login["token"]) as user:
        answer = user.get("/api/v1/dashboard/")
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "FORBIDDEN"
        promoted = board.admin.patch(f"/api/v1/users/{login['user']['id']}/access_level/",
                                     json={"access_level": "support"})
        assert promoted.status_code == 200, promoted.text
        assert user.get("/api/v1/dashboard").status_code == 200
    with stack.client() as anonymous:
        assert anonymous.get("/api/v1/dashboard/").status_code == 401
