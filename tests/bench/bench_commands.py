"""Command throughput at 32 in flight, against the store's physical ceiling on the same cluster.

The command is POST `projects/` (tenancy): JWT check, one aggregate read (the tenant, for
membership), one event appended. Registration would measure argon2 instead. The ceiling is
a plain psycopg loop, 32 connections, inserting rows shaped like the store's own (same
columns, bigserial position, unique index) one per transaction, on the same cluster.

Two floors say how far the 30%-of-ceiling target is from what any command could reach here,
both with the same driver and concurrency on the same two cores: `GET health/` on the two
command workers (no token, no database: a request that does nothing), and `GET users/me/`
on two query workers (the bearer check every route makes and one indexed read of the user).
"""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
from typing import Any

import httpx
import psycopg

from domain.tenancy.project import Project
from infra.eventstore import MsgspecMapper
from tests.bench.driver import closed_loop
from tests.bench.serve import Served, signed_up, tessera_serve

RAW_TABLE = """CREATE TABLE IF NOT EXISTS bench_raw_events (
    originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text, state bytea,
    notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"""
RAW_INDEX = ("CREATE UNIQUE INDEX IF NOT EXISTS bench_raw_events_position "
             "ON bench_raw_events (notification_id)")
RAW_INSERT = ("INSERT INTO bench_raw_events (originator_id, originator_version, topic, state) "
              "VALUES (%s, 1, %s, %s)")


def project_row(name: str) -> tuple[str, bytes]:
    """The topic and state the store keeps for one ProjectCreated event."""
    stored = MsgspecMapper().to_stored_event(Project(uuid.uuid4(), name, "").collect_events()[0])
    return stored.topic, stored.state


def raw_insert_ceiling(url: str, connections: int = 32, seconds: float = 10.0) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(RAW_TABLE)
        conn.execute(RAW_INDEX)
    counts = [0] * connections
    start = threading.Barrier(connections + 1)
    deadline: list[float] = []

    def writer(slot: int) -> None:
        topic, state = project_row(f"raw-{slot}")
        with psycopg.connect(url, autocommit=True) as conn:
            start.wait()
            while time.perf_counter() < deadline[0]:
                conn.execute(RAW_INSERT, (uuid.uuid4(), topic, state))
                counts[slot] += 1

    threads = [threading.Thread(target=writer, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    deadline.append(time.perf_counter() + seconds)
    started = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"connections": connections, "rows": sum(counts), "duration_s": round(elapsed, 2),
            "rows_per_s": round(sum(counts) / elapsed, 1)}


def create_project_load(served: Served, seconds: float, concurrency: int,
                        signup: Served | None = None) -> dict[str, Any]:
    """POST projects/ at `served`; the owner signs up at `signup` (the process with the
    projections, when `served` is a command service alone)."""
    base_url = served.base_url
    owner = signed_up((signup or served).base_url, "bench-owner")
    auth = {"Authorization": f"Bearer {owner['token']}"}
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=(signup or served).base_url, timeout=30, headers=auth) as http:
        tenant = http.post("/api/v1/tenants/", json={"name": "Bench", "slug": slug})
        tenant.raise_for_status()
        http.get("/api/v1/users/me/", headers={"X-Min-Position": str(tenant.json()["position"])})
    headers = {**auth, "X-Tenant": tenant.json()["id"]}
    run = uuid.uuid4().hex[:6]
    return asyncio.run(closed_loop(
        base_url, headers, lambda i: ("POST", "/api/v1/projects/", {"name": f"p-{run}-{i}"}),
        concurrency=concurrency, seconds=seconds, server_cpu=served.cpu_seconds))


def get_load(served: Served, path: str, seconds: float, concurrency: int,
             headers: dict[str, str] | None = None) -> dict[str, Any]:
    return asyncio.run(closed_loop(served.base_url, headers or {}, lambda i: ("GET", path, None),
                                   concurrency=concurrency, seconds=seconds, server_cpu=served.cpu_seconds))


def run(cluster: Any, seconds: float = 15.0, concurrency: int = 32) -> list[dict[str, Any]]:
    ceiling = raw_insert_ceiling(cluster.create_database(), concurrency, min(seconds, 10.0))
    env = {"TESSERA_DATABASE_URL": cluster.create_database()}
    with tessera_serve(env) as served:
        single = create_project_load(served, seconds, concurrency)
        with tessera_serve(env, "command", "--workers", "2") as commands:
            workers = create_project_load(commands, seconds, concurrency, signup=served)
            floor = get_load(commands, "/api/v1/health/", seconds, concurrency)
        with tessera_serve(env, "query", "--workers", "2") as queries:
            reader = {"Authorization": f"Bearer {signed_up(served.base_url, 'bench-reader')['token']}"}
            bearer = get_load(queries, "/api/v1/users/me/", seconds, concurrency, reader)
    return [
        {"scenario": "store ceiling: psycopg insert, 1 row/tx", "per_s": ceiling["rows_per_s"],
         **ceiling},
        command_row("command: POST projects/ (tessera serve, PG)", single, ceiling),
        command_row("command: POST projects/ (serve command --workers 2, PG)", workers, ceiling),
        command_row("floor: GET health/, no database (serve command --workers 2)", floor, ceiling),
        command_row("floor: GET users/me/, bearer check + one read (serve query --workers 2)", bearer, ceiling),
    ]


def command_row(scenario: str, load: dict[str, Any], ceiling: dict[str, Any]) -> dict[str, Any]:
    ratio = load["ok_per_s"] / ceiling["rows_per_s"] if ceiling["rows_per_s"] else None
    return {"scenario": scenario, "per_s": load["ok_per_s"], "p50_ms": load["latency_ms"]["p50"],
            "p99_ms": load["latency_ms"]["p99"],
            "ratio_to_ceiling": round(ratio, 3) if ratio is not None else None, **load}
