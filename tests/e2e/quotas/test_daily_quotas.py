"""Daily quotas through the public API: limits, consumption, refusals, uploads (CONTRACT §4)."""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta


def next_midnight() -> datetime:
    return datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)


def set_limit(stack, action: str, daily_limit: int | None) -> dict:
    with stack.client(stack.admin_token()) as http:
        answer = http.put(f"/api/v1/quotas/limits/{action}/", json={"daily_limit": daily_limit})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_20_concurrent_consumes_against_a_limit_of_10_let_exactly_10_through(stack):
    action = f"export-{uuid.uuid4().hex[:8]}"
    assert set_limit(stack, action, 10)["daily_limit"] == 10
    token = stack.new_user()["token"]
    start = threading.Barrier(20)

    def consume(_: int):
        with stack.client(token) as http:
            start.wait()
            return http.post(f"/api/v1/quotas/{action}/consume/", json={})

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(consume, range(20)))
    assert Counter(a.status_code for a in answers) == {200: 10, 429: 10}
    assert sorted(a.json()["used"] for a in answers if a.status_code == 200) == list(range(1, 11))
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["error"]["code"] == "QUOTA_EXCEEDED"
    seconds_left = (next_midnight() - datetime.now(UTC)).total_seconds()
    assert abs(int(refused.headers["Retry-After"]) - seconds_left) <= 5
    last = max(a.json()["position"] for a in answers if a.status_code == 200)
    with stack.client(token) as http:
        mine = http.get("/api/v1/quotas/", headers={"X-Min-Position": str(last)}).json()
    assert {"action": action, "used": 10, "limit": 10, "remaining": 0,
            "resets_at": next_midnight().strftime("%Y-%m-%dT%H:%M:%SZ")} in mine


def test_refused_consumption_takes_nothing_and_unlimited_actions_count(stack):
    limited, free = f"report-{uuid.uuid4().hex[:8]}", f"ping-{uuid.uuid4().hex[:8]}"
    set_limit(stack, limited, 5)
    with stack.client(stack.new_user()["token"]) as http:
        first = http.post(f"/api/v1/quotas/{limited}/consume/", json={"amount": 3})
        too_much = http.post(f"/api/v1/quotas/{limited}/consume/", json={"amount": 3})
        rest = http.post(f"/api/v1/quotas/{limited}/consume/", json={"amount": 2})
        unlimited = http.post(f"/api/v1/quotas/{free}/consume/")
        zero = http.post(f"/api/v1/quotas/{free}/consume/", json={"amount": 0})
    assert (first.json()["used"], first.json()["remaining"]) == (3, 2)
    assert too_much.status_code == 429 and int(too_much.headers["Retry-After"]) >= 1
    assert rest.status_code == 200 and (rest.json()["used"], rest.json()["remaining"]) == (5, 0)
    assert unlimited.status_code == 200
    assert {k: unlimited.json()[k] for k in ("action", "used", "limit", "remaining")} == {
        "action": free, "used": 1, "limit": None, "remaining": None}
    assert zero.status_code == 400


def test_uploads_consume_the_upload_quota(stack):
    token = stack.new_user()["token"]
    set_limit(stack, "upload", 2)
    try:
        with stack.client(token) as http:
            answers = [http.post("/api/v1/uploads/") for _ in range(3)]
    finally:
        set_limit(stack, "upload", None)
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[0].json()["message"] == "Upload accepted"
    assert answers[2].json()["error"]["code"] == "QUOTA_EXCEEDED"


def test_only_admins_set_limits(stack):
    with stack.client(stack.new_user()["token"]) as http:
        answer = http.put("/api/v1/quotas/limits/upload/", json={"daily_limit": 1000})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "FORBIDDEN"
