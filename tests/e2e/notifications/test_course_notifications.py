"""Creating a course notifies every online user: the platform notification "New course: <title>"."""
from __future__ import annotations

import json

from websockets.sync.client import connect

from tests.e2e.notifications.flows import create_course


def course_frame(socket, title: str) -> dict:
    while True:
        frame = json.loads(socket.recv(timeout=15))
        if frame["type"] == "notification" and frame["data"]["title"] == f"New course: {title}":
            return frame


def test_every_online_user_is_notified_of_a_new_course(stack, reader_factory):
    alice, bob = reader_factory(), reader_factory()
    with connect(f"{stack.ws_url}/ws/notifications/?token={alice.token}") as a_socket, \
            connect(f"{stack.ws_url}/ws/notifications/?token={bob.token}") as b_socket:
        for socket in (a_socket, b_socket):
            socket.send('{"type": "ping"}')
            assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}
        course = create_course(stack)
        frames = [course_frame(socket, course["title"]) for socket in (a_socket, b_socket)]
    assert frames[0] == frames[1]
    assert frames[0]["channel"] == "notifications:platform"
    assert frames[0]["position"] == course["position"]
    data = frames[0]["data"]
    assert (data["obj_code"], data["obj_id"], data["read"], data["message"]) == (
        "platform", None, False, "Learn things")


def test_the_course_notification_is_in_every_feed_and_marked_per_user(stack, reader_factory):
    alice, bob = reader_factory(), reader_factory()
    course = create_course(stack)
    title = f"New course: {course['title']}"
    found = [n for n in alice.feed(course["position"]) if n["title"] == title]
    assert len(found) == 1
    note = {**found[0], "position": course["position"]}
    marked = alice.http.patch(f"/api/v1/notifications/{note['id']}/mark-as-read/")
    assert marked.json()["read"] is True
    assert alice.seen(note)["read"] is True and bob.seen(note)["read"] is False
