"""Routes every service has: health, readiness and Prometheus metrics (CONTRACT §9)."""
from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from infra import metrics


@get(["/health", "/api/v1/health"], opt={"public": True}, include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get(["/health/ready", "/api/v1/health/ready"], opt={"public": True}, include_in_schema=False)
async def ready(state: State) -> Response[dict[str, Any]]:
    runtime = state.runtime
    failing: dict[str, str] = {}
    try:
        await runtime.store.fetch_one("SELECT 1 AS ok")
    except Exception as error:  # noqa: BLE001 - reported, not raised
        failing["read_store"] = type(error).__name__
    head = await _log_head(runtime, failing)
    position = await runtime.clock.current()
    lag = max(0, head - position)
    if lag > runtime.settings.ready_max_lag:
        failing["projections"] = f"lag {lag} events"
    failing.update(await problems(getattr(runtime, "readiness_checks", {})))
    body = {"status": "ok" if not failing else "unavailable", "position": position, "head": head,
            "pushed": runtime.hub.released if runtime.hub is not None else None, "failing": failing,
            "degraded": await problems(getattr(runtime, "degraded_checks", {}))}
    return Response(body, status_code=200 if not failing else 503)


async def problems(checks: dict[str, Any]) -> dict[str, str]:
    """What each failing check says. `degraded_checks` are optional integrations (the SQS
    bridge): named in the answer, but the service still serves, so still ready."""
    found = {name: await check() for name, check in checks.items()}
    return {name: problem for name, problem in found.items() if problem}


async def _log_head(runtime: Any, failing: dict[str, str]) -> int:
    import asyncio

    try:
        return await asyncio.to_thread(lambda: runtime.recorder.max_notification_id() or 0)
    except Exception as error:  # noqa: BLE001
        failing["event_store"] = type(error).__name__
        return 0


@get("/metrics", opt={"public": True}, include_in_schema=False, sync_to_thread=False)
def prometheus_metrics() -> Response[bytes]:
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


PLATFORM_HANDLERS = [health, ready, prometheus_metrics]
