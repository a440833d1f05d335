"""`/metrics` in Prometheus text format (CONTRACT §9).

HTTP metrics are checked on the shared stack in every mode. Events appended, projection
positions and WebSocket connections live in the command, projector and push processes; they
are checked on stacks whose single process runs all of them.
"""
from __future__ import annotations

import uuid

from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect


def scrape(stack) -> dict[tuple[str, frozenset], float]:
    with stack.client() as http:
        answer = http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; version=1.0.0; charset=utf-8"
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples}


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_http_requests_are_counted_by_route_and_status(stack):
    token = stack.new_user()["token"]
    route = {"method": "GET", "route": "/api/v1/users/me"}
    before = scrape(stack)
    with stack.client(token) as http:
        for _ in range(3):
            assert http.get("/api/v1/users/me/").status_code == 200
    after = scrape(stack)
    counted = value(after, "tessera_http_requests_total", **route, status="200")
    assert counted >= value(before, "tessera_http_requests_total", **route, status="200") + 3
    timed = value(after, "tessera_http_request_duration_seconds_count", **route)
    assert timed >= value(before, "tessera_http_request_duration_seconds_count", **route) + 3
    assert value(after, "tessera_http_request_duration_seconds_bucket", **route, le="+Inf") == timed
    assert value(after, "tessera_http_request_duration_seconds_sum", **route) > 0


def test_events_appended_are_counted_per_context(all_in_one):
    before = scrape(all_in_one)
    with all_in_one.client() as http:
        head = http.get("/health/ready/").json()["head"]
        created = http.post("/api/v1/auth/register/", json={
            "email": f"metrics-{uuid.uuid4().hex[:10]}@tessera.test", "password": "password-123",
            "first_name": "Metric", "last_name": "Counted"})
    assert created.status_code == 201
    after = scrape(all_in_one)
    appended = (value(after, "tessera_events_appended_total", context="identity")
                - value(before, "tessera_events_appended_total", context="identity"))
    assert 2 <= appended <= created.json()["position"] - head


def test_events_the_jobs_worker_appends_are_counted_too(all_in_one, wait_until):
    """The worker saves a job's start and end itself, not through a command; only commands'
    events were counted, so a report added one (its request) instead of three."""
    admin = all_in_one.admin_token()
    before = value(scrape(all_in_one), "tessera_events_appended_total", context="jobs")
    with all_in_one.client(admin) as http:
        report = http.post("/api/v1/reports/", json={}).json()

        def done() -> bool:
            return http.get(f"/api/v1/reports/{report['id']}/").json().get("status") == "done"

        wait_until(done, timeout=30, message="the report to be done")
    after = value(scrape(all_in_one), "tessera_events_appended_total", context="jobs")
    assert after - before >= 3  # ReportRequested, JobStarted, JobCompleted


def test_projection_position_and_lag_follow_the_log(all_in_one, wait_until):
    login = all_in_one.new_user()
    with all_in_one.client(login["token"]) as http:
        position = int(http.get("/api/v1/users/me/").headers["x-projection-position"])

    def caught_up():
        samples = scrape(all_in_one)
        return (value(samples, "tessera_projection_position", projection="users") >= position
                and ("tessera_projection_lag_events", frozenset({("projection", "users")}))
                in samples)

    wait_until(caught_up, timeout=10, message="users projection position in /metrics")


def test_websocket_connections_are_gauged(all_in_one, wait_until):
    token = all_in_one.new_user()["token"]

    def open_echo_sockets() -> float:
        return value(scrape(all_in_one), "tessera_websocket_connections", socket="echo")

    baseline = open_echo_sockets()
    with connect(f"{all_in_one.ws_url}/ws/echo/?token={token}") as socket:
        socket.send('{"type": "ping"}')
        assert socket.recv(timeout=10) == '{"type":"pong"}'
        assert open_echo_sockets() == baseline + 1
    wait_until(lambda: open_echo_sockets() == baseline, timeout=10,
               message="echo socket gauge back to its baseline")


def test_refusals_raised_before_the_handler_are_counted_under_their_own_status(stack):
    """The bearer check and the input checks raise; the answer (401, 400) is made outside the
    metrics middleware, which counted every such request as a 500."""
    route = {"method": "GET", "route": "/api/v1/users/me"}
    before = scrape(stack)
    with stack.client() as http:
        assert http.get("/api/v1/users/me/").status_code == 401
    with stack.client(stack.new_user()["token"]) as http:
        assert http.get("/api/v1/users/me/?q=a%00b").status_code == 400
    after = scrape(stack)
    for status, more in (("401", 1), ("400", 1), ("500", 0)):
        grown = (value(after, "tessera_http_requests_total", **route, status=status)
                 - value(before, "tessera_http_requests_total", **route, status=status))
        assert grown == more, (status, grown)
