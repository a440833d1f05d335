"""Mail broadcast (CONTRACT §8): one mail per active user over SMTP; refusals counted failed."""
from __future__ import annotations

import math

from command_api.jobs.tasks.broadcast import BATCH, SENDERS
from tests.e2e.jobs.flows import (
    csv_bytes,
    finished,
    fresh_people,
    get_json,
    post_file,
    wait_for_state,
)


def active_users(stack, token: str, position: int) -> int:
    count, page, more = 0, 1, True
    while more:
        body = get_json(stack, token, f"/api/v1/users/?page_size=100&page={page}", position)
        count += sum(1 for user in body["results"] if user["is_active"])
        page, more = page + 1, body["next"] is not None
    return count


def test_broadcast_mails_every_active_user_once_and_counts_refusals(jobs_stack, smtp_server):
    admin = jobs_stack.admin_token()
    imported = post_file(jobs_stack, admin, "/api/v1/contacts/upload-csv/", "c.csv", csv_bytes(fresh_people(150)))
    wait_for_state(jobs_stack, admin, f"/api/v1/contacts/task-status/{imported.json()['task_id']}/", finished)
    refused = jobs_stack.new_user()["user"]["email"]
    kept = jobs_stack.new_user()["user"]["email"]
    gone = jobs_stack.new_user()
    with jobs_stack.client(gone["token"]) as http:
        assert http.delete("/api/v1/users/me/").status_code == 204
    smtp_server.wait_for(3)  # the three confirmation mails of registration, out of the way
    smtp_server.clear()
    smtp_server.refused_recipients.add(refused)
    with jobs_stack.client(admin) as http:
        answer = http.post("/api/v1/mail/broadcast/", json={"subject": "Big news", "body": "Hello all"})
        assert answer.status_code == 202, answer.text
    active = active_users(jobs_stack, admin, answer.json()["position"])
    path = f"/api/v1/mail/broadcast/{answer.json()['id']}/"
    status = wait_for_state(jobs_stack, admin, path, finished)
    assert status["status"] == "done", status
    assert (status["sent"], status["failed"]) == (active - 1, 1)
    assert status["failures"][0]["email"] == refused and status["failures"][0]["reason"].startswith("550")
    mails = [m for m in smtp_server.messages if m.message["Subject"] == "Big news"]
    recipients = [to for m in mails for to in m.rcpt_tos]
    assert len(recipients) == len(set(recipients)) == active - 1
    assert kept in recipients and refused not in recipients and gone["user"]["email"] not in recipients
    assert mails[0].message.get_content().strip() == "Hello all"
    assert smtp_server.connections <= SENDERS * math.ceil(len(mails) / BATCH) < len(mails)


def test_only_admins_broadcast_and_bodies_are_validated(jobs_stack):
    user, admin = jobs_stack.new_user(), jobs_stack.admin_token()
    with jobs_stack.client(user["token"]) as http:
        assert http.post("/api/v1/mail/broadcast/", json={"subject": "x", "body": "y"}).status_code == 403
    with jobs_stack.client(admin) as http:
        for subject in ("", "   ", "News\r\nBcc: everyone@example.com", "tab\there", "a\u2028b", "a\u2029b",
                        "a\x85b", "a\x1cb"):
            refused = http.post("/api/v1/mail/broadcast/", json={"subject": subject, "body": "y"})
            assert refused.status_code == 400 and "subject" in refused.json()["error"]["details"]
        assert http.get("/api/v1/mail/broadcast/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert get_json(jobs_stack, admin, "/api/v1/users/?page_size=1")["count"] >= 1


def test_a_broadcast_or_report_with_an_unknown_field_is_refused(jobs_stack):
    """A `to` was ignored and the mail went to every user; a report's `filters` were ignored."""
    with jobs_stack.client(jobs_stack.admin_token()) as http:
        targeted = http.post("/api/v1/mail/broadcast/", json={"subject": "Only for one", "body": "b",
                                                               "to": ["admin@tessera.test"]})
        filtered = http.post("/api/v1/reports/", json={"format": "xlsx", "filters": {"is_active": False}})
    assert targeted.status_code == 400, targeted.text
    assert targeted.json()["error"]["details"] == {"to": ["is not a known field"]}
    assert filtered.status_code == 400, filtered.text
    assert filtered.json()["error"]["code"] == "INVALID_PAYLOAD"
