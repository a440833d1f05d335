"""Throwaway servers for a benchmark run: a durable PostgreSQL and `tessera serve` processes."""
from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from infra.servers import free_port
from infra.servers.kafka_broker import KafkaBroker
from tests.fixtures.stack import (Stack, base_env, scratch_dir, serve_process, start_production,
                                 stop, wait_healthy)

PASSWORD = "bench-password-123"


def process_tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [int(child) for child in children.read_text().split()] if children.exists() else []
    return [pid, *(grandchild for child in found for grandchild in process_tree(child))]


@dataclass
class Served:
    base_url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU the server process and its children (workers) have used so far."""
        total = 0.0
        for pid in process_tree(self.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total


class UsesCpu(Protocol):
    def cpu_seconds(self) -> float: ...


def wait_until_quiet(*servers: UsesCpu, busy: float = 0.05, window: float = 0.5,
                     timeout: float = 120.0) -> float:
    """Wait until the servers together use under `busy` of a core over `window` seconds;
    the seconds waited. A system measured right after another must not share the two cores
    with the first one's leftovers (projections catching up on the burst just sent), or
    the second system's figure pays for the first's work."""
    started = time.perf_counter()
    used = sum(server.cpu_seconds() for server in servers)
    while time.perf_counter() - started < timeout:
        time.sleep(window)
        now = sum(server.cpu_seconds() for server in servers)
        if now - used < busy * window:
            break
        used = now
    return round(time.perf_counter() - started, 1)


@contextmanager
def tessera_serve(extra_env: dict[str, str], *service: str) -> Iterator[Served]:
    """`tessera serve` (embedded mode: API, in-process follower and projections), or with
    `service` (e.g. "command", "--workers", "2") one service alone."""
    with scratch_dir("tessera-bench-") as data_dir:
        port = free_port()
        log = Path(data_dir) / "serve.log"
        process = serve_process(["serve", *service, "--host", "127.0.0.1", "--port", str(port)],
                                base_env(data_dir, **extra_env), log)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base_url, process, log)
            yield Served(base_url, process.pid)
        finally:
            stop(process)


def signed_up(base_url: str, prefix: str = "bench") -> dict[str, Any]:
    """A fresh user's login body (user, token): one registration, so one argon2 hash."""
    email = f"{prefix}-{uuid.uuid4().hex[:10]}@tessera.test"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        registered = http.post("/api/v1/auth/register/", json={
            "email": email, "password": PASSWORD, "first_name": "Bench", "last_name": "Mark"})
        registered.raise_for_status()
        login = http.post("/api/v1/auth/login/", json={"email": email, "password": PASSWORD})
        login.raise_for_status()
        return login.json()


@contextmanager
def production_shape(cluster: Any) -> Iterator[tuple[Stack, list[Served]]]:
    """PostgreSQL + Kafka: `tessera serve` (the API, projections left to the projector),
    relay, projector and worker processes, as `make test` starts them; with each process, to
    wait until all are quiet."""
    with KafkaBroker(low_memory=False) as broker, \
            contextmanager(start_production)(cluster, broker.bootstrap) as stack:
        yield stack, [Served(stack.base_url, process.pid) for process in stack.processes.values()]
