"""`Idempotency-Key`: a repeat by the same user returns the first answer and appends nothing."""
from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from infra.readstore import open_read_store
from tests.fixtures import wait_until


def log_head(stack) -> int:
    """The event store's last position, as `health/ready/` reports it."""
    with stack.client() as http:
        return http.get("/health/ready/").json()["head"]


def fresh_slug() -> str:
    return f"idem-{uuid.uuid4().hex[:10]}"


def create_tenant(http: httpx.Client, slug: str, key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return http.post("/api/v1/tenants/", json={"name": "Idem", "slug": slug}, headers=headers)


def test_a_repeated_command_replays_the_first_answer(stack):
    key, slug = f"create-{uuid.uuid4()}", fresh_slug()
    with stack.client(stack.new_user()["token"]) as http:
        first = create_tenant(http, slug, key)
        assert first.status_code == 201, first.text
        head = log_head(stack)
        assert head >= first.json()["position"]
        again = create_tenant(http, slug, key)
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert log_head(stack) == head


def assert_reused_for_another_request(answer: httpx.Response) -> None:
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["message"]) == (
        "CONFLICT", "Idempotency-Key was already used for a different request")
    assert error["request_id"] == answer.headers["x-request-id"]
    assert "idempotent-replayed" not in answer.headers


def test_a_key_reused_with_another_body_is_a_conflict_and_runs_nothing(stack):
    """Not a repeat (CONTRACT §1): replaying the first answer told the client its new request
    was done when it was not."""
    key, slug, other_slug = f"create-{uuid.uuid4()}", fresh_slug(), fresh_slug()
    with stack.client(stack.new_user()["token"]) as http:
        first = create_tenant(http, slug, key)
        head = log_head(stack)
        assert_reused_for_another_request(create_tenant(http, other_slug, key))
        assert log_head(stack) == head
        assert create_tenant(http, slug, key).content == first.content
        still_free = create_tenant(http, other_slug)
    assert still_free.status_code == 201


def test_a_key_reused_for_another_tenant_is_a_conflict(stack):
    key = f"project-{uuid.uuid4()}"
    with stack.client(stack.new_user()["token"]) as http:
        tenants = [create_tenant(http, fresh_slug()).json()["id"] for _ in range(2)]
        made = [http.post("/api/v1/projects/", json={"name": "A"}, headers={"X-Tenant": tenant, "Idempotency-Key": key})
                for tenant in tenants]
    assert made[0].status_code == 201, made[0].text
    assert_reused_for_another_request(made[1])


def test_a_body_the_handler_never_read_still_tells_requests_apart(stack):
    """DELETE reads no body: the key's fingerprint still covers the body that was sent."""
    key = f"unread-{uuid.uuid4()}"
    with stack.client(stack.new_user()["token"]) as http:
        path = f"/api/v1/tenants/{create_tenant(http, fresh_slug()).json()['id']}/members/{uuid.uuid4()}/"

        def remove(body: bytes) -> httpx.Response:
            return http.request("DELETE", path, content=body, headers={
                "Idempotency-Key": key, "Content-Type": "application/json"})

        body = b'{"note": "%s"}' % (b"x" * 200_000)
        first, again, other = remove(body), remove(body), remove(body.replace(b"x", b"y", 1))
    assert (first.status_code, again.status_code) == (404, 404), again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert_reused_for_another_request(other)


def test_a_key_stored_without_a_fingerprint_replays_as_before(stack):
    """Keys stored by a version that kept no fingerprint are honoured for their 24 h."""
    key, slug = f"old-{uuid.uuid4()}", fresh_slug()
    with stack.client(stack.new_user()["token"]) as http:
        first = create_tenant(http, slug, key)
        store = open_read_store(stack.env.get("TESSERA_DATABASE_URL"), Path(stack.env["TESSERA_DATA_DIR"]),
                                pool_size=1)
        try:
            # The answer is stored just after it is sent: forget its fingerprint once it is there.
            wait_until(lambda: forget_fingerprint(store, key))
        finally:
            store.close()
        again = create_tenant(http, fresh_slug(), key)
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"


def test_errors_are_replayed_too(stack):
    """A 4xx is an answer: repeating the key gets the same conflict, not a second attempt."""
    slug, key = fresh_slug(), f"dup-{uuid.uuid4()}"
    with stack.client(stack.new_user()["token"]) as http:
        assert create_tenant(http, slug).status_code == 201
        first, again = create_tenant(http, slug, key), create_tenant(http, slug, key)
    assert first.status_code == again.status_code == 409
    assert again.json()["error"] == first.json()["error"]
    assert again.headers["idempotent-replayed"] == "true"


def test_the_key_belongs_to_its_user(stack):
    key = f"shared-{uuid.uuid4()}"
    with stack.client(stack.new_user()["token"]) as alice, stack.client(stack.new_user()["token"]) as bob:
        mine, theirs = create_tenant(alice, fresh_slug(), key), create_tenant(bob, fresh_slug(), key)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert "idempotent-replayed" not in theirs.headers


def test_anonymous_commands_are_never_replayed_to_another_client(stack):
    """Login answers carry tokens: a reused key must not hand them to someone else."""
    first, second = stack.new_user(), stack.new_user()
    key = f"login-{uuid.uuid4()}"
    with stack.client() as http:
        one = http.post("/api/v1/auth/login/", headers={"Idempotency-Key": key},
                        json={"email": first["user"]["email"], "password": "password-123"})
        two = http.post("/api/v1/auth/login/", headers={"Idempotency-Key": key},
                        json={"email": second["user"]["email"], "password": "password-123"})
    assert one.json()["user"]["id"] == first["user"]["id"]
    assert two.json()["user"]["id"] == second["user"]["id"]
    assert "idempotent-replayed" not in two.headers


def test_without_a_key_a_repeat_runs_again(stack):
    slug = fresh_slug()
    with stack.client(stack.new_user()["token"]) as http:
        first, again = create_tenant(http, slug), create_tenant(http, slug)
    assert (first.status_code, again.status_code) == (201, 409)


def test_keys_are_kept_whole_up_to_255_characters(stack):
    """Two keys alike but for their last character are two requests (they were cut at 200)."""
    stem = f"long-{uuid.uuid4().hex}".ljust(254, "k")
    with stack.client(stack.new_user()["token"]) as http:
        first, second = create_tenant(http, fresh_slug(), stem + "1"), create_tenant(http, fresh_slug(), stem + "2")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert "idempotent-replayed" not in second.headers


def test_a_longer_key_is_refused_and_nothing_runs(stack):
    slug = fresh_slug()
    with stack.client(stack.new_user()["token"]) as http:
        refused = create_tenant(http, slug, "k" * 256)
        assert refused.status_code == 400, refused.text
        error = refused.json()["error"]
        assert (error["code"], error["details"]) == (
            "INVALID_PAYLOAD", {"Idempotency-Key": ["Idempotency-Key longer than 255 characters"]})
        assert create_tenant(http, slug).status_code == 201


def test_a_quota_refusal_is_not_replayed_so_the_retry_runs(stack):
    """A 429 says nothing was done and when to come back: a retry with its key runs again."""
    action, key = f"idem-{uuid.uuid4().hex[:8]}", f"consume-{uuid.uuid4()}"
    with stack.client(stack.admin_token()) as admin, stack.client(stack.new_user()["token"]) as http:
        assert admin.put(f"/api/v1/quotas/limits/{action}/", json={"daily_limit": 1}).status_code == 200
        assert http.post(f"/api/v1/quotas/{action}/consume/", json={}).status_code == 200
        refused = http.post(f"/api/v1/quotas/{action}/consume/", json={}, headers={"Idempotency-Key": key})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert admin.put(f"/api/v1/quotas/limits/{action}/", json={"daily_limit": 2}).status_code == 200
        retried = http.post(f"/api/v1/quotas/{action}/consume/", json={}, headers={"Idempotency-Key": key})
        again = http.post(f"/api/v1/quotas/{action}/consume/", json={}, headers={"Idempotency-Key": key})
    assert retried.status_code == 200 and retried.json()["used"] == 2, retried.text
    assert again.json() == retried.json() and again.headers["idempotent-replayed"] == "true"


def forget_fingerprint(store, key: str) -> bool:
    with store.transaction() as tx:
        return tx.execute("UPDATE idempotency_keys SET fingerprint = NULL "
                          "WHERE key = :key AND status IS NOT NULL", {"key": key}) == 1
