"""Prometheus metrics of CONTRACT §9, in one registry per process."""
from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

HTTP_REQUESTS = Counter("tessera_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "tessera_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_APPENDED = Counter("tessera_events_appended_total", "Events appended to the store", ["context"])
PROJECTION_POSITION = Gauge("tessera_projection_position", "Last position applied", ["projection"])
PROJECTION_LAG = Gauge("tessera_projection_lag_events", "Events not yet projected", ["projection"])
RELAY_POSITION = Gauge("tessera_relay_position", "Last position produced to Kafka")
WS_CONNECTIONS = Gauge("tessera_websocket_connections", "Open WebSocket connections", ["socket"])
JOBS = Gauge("tessera_jobs", "Jobs by status", ["kind", "status"])
JOB_DURATION = Histogram("tessera_job_duration_seconds", "Job durations", ["kind"])


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def count_appended(topics: Iterable[str]) -> None:
    """Counted where the store writes, so the jobs worker's, imports' and any other writer's
    events are counted as well as the commands' (only those were, by `Runtime.execute`)."""
    from infra.envelope import topic_context  # the envelope module imports the event store

    for context, count in Tally(topic_context(topic) for topic in topics).items():
        EVENTS_APPENDED.labels(context).inc(count)


def exposition() -> tuple[bytes, str]:
    """The text and its media type, without the charset: Litestar adds one to any `text/`
    type, and the header said `charset=utf-8; charset=utf-8`."""
    return generate_latest(), CONTENT_TYPE_LATEST.removesuffix("; charset=utf-8")
