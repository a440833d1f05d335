"""Job progress and ends reach the owner live on `/ws/notifications/`, and no one else."""
from __future__ import annotations

import json
import time

from websockets.sync.client import connect

from tests.e2e.jobs.flows import csv_bytes, fresh_people, get_json, jpeg_bytes, post_file


def frames_until_done(socket, job_id: str, timeout: float = 60) -> list[dict]:
    frames, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        if frame.get("data", {}).get("id") == job_id:
            frames.append(frame)
            if frame["data"]["status"] in ("done", "ready", "failed"):
                return frames
    raise AssertionError(f"no end frame for job {job_id}; got {frames}")


def test_import_progress_and_end_are_pushed_to_its_owner(jobs_stack):
    admin = jobs_stack.admin_token()
    me = jobs_stack.login("admin@tessera.test", "admin-password-123")["user"]["id"]
    with connect(f"{jobs_stack.ws_url}/ws/notifications/?token={admin}") as socket:
        answer = post_file(jobs_stack, admin, "/api/v1/contacts/upload-csv/", "c.csv",
                           csv_bytes(fresh_people(2500)), "text/csv")
        frames = frames_until_done(socket, answer.json()["task_id"])
    assert {f["channel"] for f in frames} == {f"notifications:user:{me}"}
    progress = [f["data"]["created"] for f in frames if f["type"] == "job_progress"]
    assert progress == sorted(progress) and progress[-1] == 2500 and len(progress) >= 3
    assert [f["data"]["status"] for f in frames if f["type"] == "job"] == ["processing", "done"]
    positions = [f["position"] for f in frames]
    assert positions == sorted(positions)


def test_an_images_end_frame_says_ready_as_its_rest_answer_does(jobs_stack):
    """CONTRACT §8: an image is `processing`, then `ready`; its frame said `done`."""
    user = jobs_stack.new_user()
    with connect(f"{jobs_stack.ws_url}/ws/notifications/?token={user['token']}") as socket:
        answer = post_file(jobs_stack, user["token"], "/api/v1/images/", "a.jpg", jpeg_bytes(), "image/jpeg")
        frames = frames_until_done(socket, answer.json()["id"])
    assert [f["data"]["status"] for f in frames if f["type"] == "job"] == ["processing", "ready"]
    image = get_json(jobs_stack, user["token"], f"/api/v1/images/{answer.json()['id']}/", frames[-1]["position"])
    assert image["status"] == "ready"
