"""`health/` and `health/ready/` (CONTRACT §9)."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/health/", "/health", "/api/v1/health/"])
def test_health_is_ok_without_a_token(stack, path):
    with stack.client() as http:
        answer = http.get(path)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_ready_reports_the_store_and_projections(stack):
    with stack.client() as http:
        answer = http.get("/health/ready/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert body["failing"] == {}
    assert 0 <= body["position"] and body["head"] >= 1
