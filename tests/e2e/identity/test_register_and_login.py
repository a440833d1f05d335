"""Registration and login through the public API, in every mode."""
from __future__ import annotations

import uuid


def test_registered_user_logs_in_and_reads_itself(stack):
    email = f"ana-{uuid.uuid4().hex[:8]}@tessera.test"
    login = stack.new_user(email=email, first_name="Ana")
    with stack.client(login["token"]) as http:
        me = http.get("/api/v1/users/me")
    assert me.status_code == 200
    assert me.json()["user"]["email"] == email
    assert me.json()["user"]["first_name"] == "Ana"
    assert "password" not in me.text and "argon2" not in me.text
    assert int(me.headers["x-projection-position"]) >= 1


def test_duplicate_email_is_a_conflict_in_the_envelope(stack):
    email = f"dup-{uuid.uuid4().hex[:8]}@tessera.test"
    stack.new_user(email=email)
    with stack.client() as http:
        again = http.post("/api/v1/auth/register/", json={
            "email": email, "password": "password-123", "first_name": "A", "last_name": "B"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "CONFLICT"
    assert again.headers["x-request-id"] == again.json()["error"]["request_id"]


def test_admin_is_bootstrapped_from_the_environment(stack):
    with stack.client(stack.admin_token()) as http:
        me = http.get("/api/v1/users/me/")
    assert me.json()["user"]["access_level"] == "admin"
    assert me.json()["user"]["email_confirmed"] is True
