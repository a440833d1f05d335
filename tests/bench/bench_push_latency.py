"""End-to-end latency from a command's HTTP request to the WebSocket frame it causes.

One sample at a time (latency, not throughput): the command is sent, and the clock stops
when the frame carrying its unique tag arrives on a socket of the user it is meant for.
Meanwhile a background load of `rate` other commands per second (POST projects/, open loop)
keeps the store, the relay, Kafka and the projector busy, as the issue's figure asks.
The probe is the first of PROBES whose route this build serves (its OpenAPI document says);
each mode is one entry of `stacks()`: a context manager yielding a running `Served`. Each mode
first runs the background load unmeasured for `WARM_UP_SECONDS`: the production shape's
Kafka broker spends its first minute of load compiling (its JIT used a third of the broker's
CPU then), which a running system has done long before.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

import httpx
import websockets

from infra.config import load_settings
from infra.servers.kafka_broker import KafkaBroker
from infra.web.app import SERVICES, build_app
from query_api.docs import full_schema
from tests.bench.driver import latency_summary
from tests.bench.serve import Served, signed_up, tessera_serve
from tests.fixtures.stack import ADMIN_EMAIL, ADMIN_PASSWORD, start_production

WARM_UP_SECONDS = 30.0


class Probe(Protocol):
    """A command that pushes a frame, and the socket that receives it."""

    route: str

    def prepare(self, http: httpx.Client, ws_base: str) -> str:
        """Set up what the command needs; return the socket URL to listen on."""
        ...

    def command(self, tag: str) -> tuple[str, dict[str, Any], dict[str, str]]:
        """Path, body and headers of a command whose frame will contain `tag`."""
        ...


def _admin_token(http: httpx.Client) -> str:
    credentials = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    answer = http.post("/api/v1/auth/login/", json=credentials)
    answer.raise_for_status()
    return answer.json()["token"]


class NotificationProbe:
    """An admin notifies one user; the user's `/ws/notifications/` gets a `notification`."""

    route = "/api/v1/notifications"

    def prepare(self, http: httpx.Client, ws_base: str) -> str:
        user = signed_up(str(http.base_url).rstrip("/"), "bench-push")
        self.user_id, self.admin = user["user"]["id"], _admin_token(http)
        return f"{ws_base}/ws/notifications/?token={user['token']}"

    def command(self, tag: str) -> tuple[str, dict[str, Any], dict[str, str]]:
        body = {"title": tag, "message": "latency probe", "obj_code": "user",
                "obj_id": self.user_id}
        return "/api/v1/notifications/", body, {"Authorization": f"Bearer {self.admin}"}


class ChatProbe:
    """One user posts in a private conversation; the other's `/ws/chat/{id}/` gets `message`."""

    route = "/api/v1/chat/conversations/{conversation_id}/messages"

    def prepare(self, http: httpx.Client, ws_base: str) -> str:
        base = str(http.base_url).rstrip("/")
        sender, receiver = signed_up(base, "bench-chat"), signed_up(base, "bench-chat")
        self.auth = {"Authorization": f"Bearer {sender['token']}"}
        answer = http.post("/api/v1/chat/conversations/", headers=self.auth,
                           json={"user_ids": [receiver["user"]["id"]]})
        answer.raise_for_status()
        self.conversation = answer.json()["id"]
        return f"{ws_base}/ws/chat/{self.conversation}/?token={receiver['token']}"

    def command(self, tag: str) -> tuple[str, dict[str, Any], dict[str, str]]:
        return (f"/api/v1/chat/conversations/{self.conversation}/messages/",
                {"type_message": "text", "content": {"text": tag}}, self.auth)


PROBES: list[Callable[[], Probe]] = [NotificationProbe, ChatProbe]


def _route_matches(route: str, paths: set[str]) -> bool:
    stem = route.split("{")[0]
    return any(path == route or (path.startswith(stem) and path.endswith(route.rsplit("}", 1)[-1]))
               for path in paths)


def choose_probe() -> Probe | None:
    """The first probe whose command this build serves (from its OpenAPI document)."""
    paths = set(full_schema(build_app(SERVICES, load_settings({})))["paths"])
    for make in PROBES:
        probe = make()
        if _route_matches(probe.route, paths):
            return probe
    return None


def _background_headers(base_url: str) -> dict[str, str]:
    owner = signed_up(base_url, "bench-background")
    auth = {"Authorization": f"Bearer {owner['token']}"}
    slug = f"bg-{uuid.uuid4().hex[:8]}"
    tenant = httpx.post(f"{base_url}/api/v1/tenants/", json={"name": "Background", "slug": slug},
                        headers=auth, timeout=30)
    tenant.raise_for_status()
    return {**auth, "X-Tenant": tenant.json()["id"]}


async def _background_load(base_url: str, headers: dict[str, str], rate: float, sent: list[int]) -> None:
    """POST projects/ at a steady `rate` per second (open loop, aiohttp: a light client) until
    cancelled."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(base_url, headers=headers, connector=connector) as http:
        pending: set[asyncio.Task[Any]] = set()
        started = time.perf_counter()

        async def post(n: int) -> None:
            async with http.post("/api/v1/projects/", json={"name": f"bg-{n}"}) as answer:
                await answer.read()

        try:
            while True:
                task = asyncio.create_task(post(len(sent)))
                pending.add(task)
                task.add_done_callback(pending.discard)
                sent.append(1)
                await asyncio.sleep(max(0.0, started + len(sent) / rate - time.perf_counter()))
        finally:
            for task in pending:
                task.cancel()


async def _samples(served: Served, probe: Probe, socket_url: str, count: int,
                   rate: float = 0) -> tuple[list[float], float]:
    """The probe's latencies, and the background commands per second actually sent."""
    latencies: list[float] = []
    sent: list[int] = []
    background = None
    if rate:
        headers = await asyncio.to_thread(_background_headers, served.base_url)
        background = asyncio.create_task(_background_load(served.base_url, headers, rate, sent))
    began = time.perf_counter()
    try:
        await _probe_loop(served, probe, socket_url, count, latencies)
    finally:
        if background:
            background.cancel()
    return latencies, len(sent) / (time.perf_counter() - began)


async def _probe_loop(served: Served, probe: Probe, socket_url: str, count: int,
                      latencies: list[float]) -> None:
    async with websockets.connect(socket_url, max_size=None) as socket, \
            httpx.AsyncClient(base_url=served.base_url, timeout=30) as http:
        for _ in range(count):
            tag = f"probe-{uuid.uuid4().hex}"
            path, body, headers = probe.command(tag)
            started = time.perf_counter()
            answer = await http.post(path, json=body, headers=headers)
            answer.raise_for_status()
            await _frame_with(socket, tag, timeout=30)
            latencies.append((time.perf_counter() - started) * 1000.0)


async def _frame_with(socket: Any, tag: str, timeout: float) -> None:
    """Wait for the frame carrying `tag`; a frame that never comes fails the run loudly."""
    deadline = time.perf_counter() + timeout
    while tag not in await asyncio.wait_for(socket.recv(), timeout=max(0.01, deadline - time.perf_counter())):
        pass


def measure(served: Served, probe: Probe, mode: str, count: int = 200, rate: float = 0) -> dict[str, Any]:
    with httpx.Client(base_url=served.base_url, timeout=30) as http:
        socket_url = probe.prepare(http, served.base_url.replace("http://", "ws://"))
    latencies, background_per_s = asyncio.run(_samples(served, probe, socket_url, count, rate))
    summary = latency_summary(latencies)
    return {"scenario": _scenario(mode) + (f" + {rate:g} cmd/s" if rate else ""),
            "probe": type(probe).__name__, "samples": len(latencies), "p50_ms": summary["p50"],
            "p99_ms": summary["p99"], "latency_ms": summary,
            "background_per_s": round(background_per_s, 1) if rate else None}


def _scenario(mode: str) -> str:
    return f"command → WebSocket frame ({mode})"


@contextmanager
def production(cluster: Any) -> Iterator[Served]:
    """PostgreSQL + Kafka: `tessera serve`, `tessera relay` and `tessera projector` processes."""
    running = contextmanager(start_production)
    with KafkaBroker(low_memory=False) as broker, running(cluster, broker.bootstrap) as stack:
        yield Served(stack.base_url, stack.processes["serve"].pid)


def stacks(cluster: Any) -> Iterator[tuple[str, Callable[[], AbstractContextManager[Served]]]]:
    """Each mode to measure, as (name, start it)."""
    yield "embedded, SQLite", lambda: tessera_serve({})
    yield "embedded, PostgreSQL", lambda: tessera_serve(
        {"TESSERA_DATABASE_URL": cluster.create_database()})
    yield "production, PostgreSQL + Kafka", lambda: production(cluster)


def run(cluster: Any, count: int = 200, rate: float = 200) -> list[dict[str, Any]]:
    probe = choose_probe()
    results = []
    for mode, start in stacks(cluster):
        if probe is None:
            results.append({"scenario": _scenario(mode),
                            "not_measured": "no command of this build pushes a frame yet"})
            continue
        with start() as served:
            asyncio.run(_warm_up(served, rate, WARM_UP_SECONDS))
            results.append({**measure(served, probe, mode, count), "warm_up_s": WARM_UP_SECONDS})
            results.append(measure(served, probe, mode, count, rate))
    return results


async def _warm_up(served: Served, rate: float, seconds: float) -> None:
    """The background load, unmeasured, for `seconds`; then a pause for the read side to
    drain what it left."""
    headers = await asyncio.to_thread(_background_headers, served.base_url)
    load = asyncio.create_task(_background_load(served.base_url, headers, rate, []))
    await asyncio.sleep(seconds)
    load.cancel()
    await asyncio.gather(load, return_exceptions=True)
    await asyncio.sleep(2.0)
