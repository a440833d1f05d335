"""Chat fan-out side by side with the Django Channels peer, both driven by `ws_fanout.py`.

`../shared/bench/ws_fanout.py` speaks only the contract (register, log in, create 20-member
group conversations, one `/ws/chat/{id}/` socket per user, messages sent over the sockets at
an open-loop rate) and times send → receipt at every other member. Run against:
- Tessera in its production shape: PostgreSQL + Kafka, `tessera serve` (one push process),
  `tessera relay` and `tessera projector`;
- the peer (`../shared/bench/peer_channels/`) as its README says: gunicorn with 2 uvicorn
  workers and the channels-redis layer on a Redis of its own, its database on the same cluster.
Each system runs the chat scenario (default 200 msg/s into groups of 20, 400 users) and the
sockets-held scenario (default 2,000 sockets, several per user, pinged every 5 s).
Targets for Tessera: 2,000 sockets on one push process; at 200 msg/s, delivered-to-all p99
≤ 150 ms. The open-file limit is raised to the hard limit first (children inherit it).
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from infra.servers import free_port, wait_for
from tests.bench.peer import SHARED, WORK, _children, peer_env, peer_venv
from tests.bench.serve import Served, production_shape

WS_FANOUT = SHARED / "ws_fanout.py"
PEER_CHANNELS = SHARED / "peer_channels"
GROUP_SIZE = 20


@dataclass
class FanoutLoad:
    users: int = 400
    rate: float = 200.0
    seconds: float = 20.0
    # Unrecorded seconds of the same load first, for both systems: the start-up transients
    # (JIT of the broker, the database's first autovacuum and analyze after the sign-ups,
    # cold caches) are not the steady state a rate target is about.
    warmup: float = 10.0
    sockets: int = 2000
    hold_seconds: float = 30.0


def raise_open_files() -> int:
    """One descriptor per socket, in this process and the servers it starts."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def ws_fanout(base_url: str, label: str, *options: str,
              server_cpu: Callable[[], float] = lambda: 0.0) -> dict[str, Any]:
    """One ws_fanout.py run (this venv's Python, the same driver for every system).

    The servers' CPU is read when the driver starts sending (its "sending" progress line) and
    when it has drained, so the setup's password hashing does not count.
    """
    driver = subprocess.Popen([sys.executable, str(WS_FANOUT), "--base-url", base_url, "--label", label,
                               "--out", str(WORK / "ws_fanout.jsonl"), *options],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert driver.stderr is not None and driver.stdout is not None
    progress, cpu_before = [], None
    for line in driver.stderr:
        progress.append(line)
        if cpu_before is None and "sending" in line:
            cpu_before = server_cpu()
    output = driver.stdout.read()
    cpu_used = server_cpu() - cpu_before if cpu_before is not None else None
    if driver.wait() != 0 or not output.strip():
        raise RuntimeError(f"ws_fanout.py {label} failed: {''.join(progress)[-2000:]}")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["server_cpu_s"] = round(cpu_used, 2) if cpu_used is not None else None
    return result


def cpu_seconds(pids: list[int]) -> float:
    """CPU used so far by these processes and their children."""
    return sum(Served("", pid).cpu_seconds() for pid in pids)


def chat_row(system: str, load: FanoutLoad, run: dict[str, Any]) -> dict[str, Any]:
    delivered_all = run.get("all_delivered_ms") or {}
    sent = run.get("sent", 0) + run.get("warmup_s", 0) * run.get("target_rate", 0)
    cpu = run.get("server_cpu_s")
    return {"scenario": f"chat fan-out {load.rate:g} msg/s, groups of {GROUP_SIZE} ({system})",
            "per_s": run.get("achieved_rate"), "p50_ms": delivered_all.get("p50"),
            "p99_ms": delivered_all.get("p99"), "sockets_held": run.get("sockets_open"),
            "delivered_ratio": run.get("delivered_ratio"), "lost_frames": run.get("lost_frames"),
            "per_recipient_ms": run.get("latency_ms"), "server_cpu_s": cpu,
            "server_cpu_ms_per_msg": round(cpu * 1000 / sent, 2) if cpu is not None and sent else None,
            "ws_fanout": run}


def sockets_row(system: str, run: dict[str, Any]) -> dict[str, Any]:
    pong = run.get("pong_ms") or {}
    return {"scenario": f"sockets held, pinged every 5 s ({system})",
            "per_s": round(run.get("pongs", 0) / max(run.get("duration_s", 1), 1), 1),
            "p50_ms": pong.get("p50"), "p99_ms": pong.get("p99"),
            "sockets_held": run.get("sockets_open_at_end"), "sockets_failed": run.get("sockets_failed"),
            "ws_fanout": run}


def measure(system: str, label: str, base_url: str, load: FanoutLoad,
            server_cpu: Callable[[], float]) -> list[dict[str, Any]]:
    common = ("--users", str(load.users), "--group-size", str(GROUP_SIZE))
    chat = ws_fanout(base_url, f"{label}-r{load.rate:g}", *common, "--rate", str(load.rate),
                     "--duration", str(load.seconds), "--warmup", str(load.warmup), server_cpu=server_cpu)
    rows = [chat_row(system, load, chat)]
    if load.sockets:
        held = ws_fanout(base_url, f"{label}-sockets{load.sockets}", *common, "--sockets-only",
                         "--sockets", str(load.sockets), "--duration", str(load.hold_seconds))
        rows.append(sockets_row(system, held))
    return rows


@contextmanager
def redis_server() -> Iterator[tuple[int, int]]:
    """A Redis of the peer's own on a free port, persisting nothing (its scripts/redis.sh)."""
    port = free_port()
    process = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--daemonize", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: _answers_ping(port), 20, "redis-server")
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(10)


def _answers_ping(port: int) -> bool:
    done = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, check=False)
    return done.stdout.strip() == "PONG"


@contextmanager
def served_channels_peer(cluster: Any, workers: int = 2) -> Iterator[tuple[str, list[int]]]:
    """The Channels peer as measured in its README: migrate, then gunicorn + uvicorn workers."""
    python = peer_venv(PEER_CHANNELS)
    with redis_server() as (redis_port, redis_pid):
        env = {**peer_env(cluster.create_database()), "REDIS_PORT": str(redis_port)}
        subprocess.run([str(python), "manage.py", "migrate", "-v", "0"], cwd=PEER_CHANNELS, env=env, check=True)
        port, log = free_port(), (WORK / "peer-channels.log").open("ab")
        process = subprocess.Popen([str(python.parent / "gunicorn"), "peer.asgi:application",
                                    "-k", "uvicorn_worker.UvicornWorker", "--workers", str(workers),
                                    "--bind", f"127.0.0.1:{port}"], cwd=PEER_CHANNELS, env=env,
                                   stdout=log, stderr=log, start_new_session=True)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _answers(f"{base_url}/api/v1/auth/login/", process), 60, "the Channels peer")
            wait_for(lambda: len(_children(process.pid)) >= workers, 30, "the peer's workers")
            yield base_url, [process.pid, redis_pid]
        finally:
            process.terminate()
            process.wait(30)
            log.close()


def _answers(url: str, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"the Channels peer exited; see {WORK / 'peer-channels.log'}")
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


def run(cluster: Any, load: FanoutLoad | None = None, peer: bool = True) -> list[dict[str, Any]]:
    load = load or FanoutLoad()
    limit = raise_open_files()
    WORK.mkdir(parents=True, exist_ok=True)
    with production_shape(cluster) as (stack, processes):
        pids = [process.pid for process in processes]
        rows = measure("tessera, PostgreSQL + Kafka", "tessera", stack.base_url, load,
                       lambda: cpu_seconds(pids))
    if peer:
        with served_channels_peer(cluster) as (base_url, pids):
            rows += measure("peer: Django Channels + Redis", "channels", base_url, load,
                            lambda: cpu_seconds(pids))
    return [{**row, "open_files_limit": limit} for row in rows]
