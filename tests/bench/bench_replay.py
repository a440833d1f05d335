"""Replay speed: `tessera replay` (projectors.verify.replay) over 200,000+ events on PostgreSQL.

The log is written through the application layer, many aggregates per `save()`, not over
HTTP: users with their email claims, tenants with their slug claims, and projects, so the
replay decodes every kind and writes three read models.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

from domain.acting import acting_as
from domain.identity.application import IdentityApplication
from domain.identity.user import EmailClaim, User
from domain.tenancy.application import TenancyApplication
from domain.tenancy.project import Project
from domain.tenancy.tenant import Tenant, TenantSlugClaim
from infra.config import load_settings
from infra.runtime import Runtime
from projectors.verify import replay

BATCH = 1000


def _users(count: int) -> list[Any]:
    aggregates: list[Any] = []
    for n in range(count):
        user = User(f"replay-{n}@tessera.test", "argon2-not-checked", f"First{n}", f"Last{n}")
        aggregates += [user, EmailClaim(user.email, user.id)]
    return aggregates


def _tenants(owners: list[Any]) -> list[Any]:
    aggregates: list[Any] = []
    for n, owner in enumerate(owners):
        tenant = Tenant.found(f"Tenant {n}", f"replay-tenant-{n}", owner.id)
        aggregates += [tenant, TenantSlugClaim(tenant.slug, tenant.id)]
    return aggregates


def _save_in_batches(app: Any, aggregates: list[Any]) -> None:
    for start in range(0, len(aggregates), BATCH):
        app.save(*aggregates[start:start + BATCH])


def write_log(runtime: Runtime, events: int) -> dict[str, Any]:
    """Append about `events` events; return how many and how fast."""
    started = time.perf_counter()
    identity, tenancy = runtime.app(IdentityApplication), runtime.app(TenancyApplication)
    with acting_as(uuid.uuid4()):
        users = _users(events // 10)
        _save_in_batches(identity, users)
        tenants = _tenants(users[0:2000:2])
        _save_in_batches(tenancy, tenants)
        written = len(users) + len(tenants)
        tenant_ids = [t.id for t in tenants[::2]]
        projects = [Project(tenant_ids[n % len(tenant_ids)], f"Project {n}", "replayed")
                    for n in range(events - written)]
        _save_in_batches(tenancy, projects)
    head = runtime.recorder.max_notification_id()
    seconds = time.perf_counter() - started
    return {"events": head, "seconds": round(seconds, 1), "per_s": round(head / seconds)}


def run(cluster: Any, events: int = 200_000) -> list[dict[str, Any]]:
    url = cluster.create_database()
    settings = load_settings({"TESSERA_DATABASE_URL": url})
    runtime = Runtime(settings).open_storage()
    try:
        written = write_log(runtime, events)
        cpu = time.process_time()
        one = replay(runtime.recorder.inner, runtime.store, runtime.projections)
        cpu = time.process_time() - cpu
    finally:
        runtime.store.close()
    shipped = cli_replay(url)
    return [
        {"scenario": "log written via application (1,000 aggregates/save)", **written},
        {"scenario": "replay, one process (all projections, PG)", "events": one["position"],
         "seconds": round(one["seconds"], 1), "per_s": round(one["events_per_second"]),
         "events_per_cpu_s": round(one["position"] / cpu) if cpu else None},
        {"scenario": "tessera replay (2 processes, all projections, PG)", "events": shipped["position"],
         "seconds": round(shipped["seconds"], 1), "per_s": round(shipped["events_per_second"])},
    ]


def cli_replay(database_url: str) -> dict[str, Any]:
    """`tessera replay` as an operator runs it: the projections split over two processes."""
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "infra.cli", "replay"], env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]
