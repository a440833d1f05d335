"""A closed-loop HTTP load driver: `concurrency` requests in flight, as ../shared/bench/load.py.

Each virtual user sends its next request as soon as the previous one is answered; latencies
are recorded per request after an unrecorded warm-up.
"""
from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable
from itertools import count
from typing import Any

import aiohttp

MakeRequest = Callable[[int], tuple[str, str, dict[str, Any] | None]]


def percentile(sorted_values: list[float], pct: float) -> float | None:
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, math.ceil(pct / 100.0 * len(sorted_values)) - 1))
    return round(sorted_values[k], 2)


def latency_summary(values: list[float]) -> dict[str, float | None]:
    ordered = sorted(values)
    return {"p50": percentile(ordered, 50), "p95": percentile(ordered, 95),
            "p99": percentile(ordered, 99), "max": round(ordered[-1], 2) if ordered else None}


async def _phase(session: aiohttp.ClientSession, base_url: str, headers: dict[str, str],
                 make: MakeRequest, concurrency: int, seconds: float,
                 ) -> tuple[list[tuple[Any, float]], float]:
    sequence, results = count(), []
    started = time.perf_counter()
    deadline = started + seconds

    async def virtual_user() -> None:
        while time.perf_counter() < deadline:
            method, path, body = make(next(sequence))
            sent = time.perf_counter()
            try:
                url = base_url + path
                async with session.request(method, url, json=body, headers=headers) as answer:
                    await answer.read()
                    status: Any = answer.status
            except (TimeoutError, aiohttp.ClientError) as error:
                status = type(error).__name__
            results.append((status, (time.perf_counter() - sent) * 1000.0))

    await asyncio.gather(*(virtual_user() for _ in range(concurrency)))
    return results, time.perf_counter() - started


async def closed_loop(base_url: str, headers: dict[str, str], make: MakeRequest, *,
                      concurrency: int = 32, seconds: float = 15.0, warmup: float = 2.0,
                      server_cpu: Callable[[], float] | None = None) -> dict[str, Any]:
    """Throughput (ok answers/s) and latency percentiles (ms) of `make`'s requests.

    With `server_cpu` (the server's CPU seconds so far), also the server's CPU per answer:
    a figure that other load on the machine does not change much.
    """
    connector = aiohttp.TCPConnector(limit=concurrency + 4)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        if warmup > 0:
            await _phase(session, base_url, headers, make, concurrency, warmup)
        cpu, served = time.process_time(), server_cpu() if server_cpu else 0.0
        results, elapsed = await _phase(session, base_url, headers, make, concurrency, seconds)
        cpu, served = time.process_time() - cpu, (server_cpu() - served) if server_cpu else None
    statuses = Counter(str(status) for status, _ in results)
    ok = sum(n for status, n in statuses.items() if status.isdigit() and 200 <= int(status) < 300)
    return {"concurrency": concurrency, "duration_s": round(elapsed, 2), "requests": len(results),
            "ok": ok, "status": dict(statuses), "ok_per_s": round(ok / elapsed, 1),
            "latency_ms": latency_summary([ms for status, ms in results if status in (200, 201)]),
            "client_cpu_s": round(cpu, 2),
            "server_cpu_ms_per_ok": (round(served * 1000 / ok, 3)
                                     if served is not None and ok else None)}
