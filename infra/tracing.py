"""OpenTelemetry tracing: one trace per command, from the HTTP request to the projector.

Off unless `TESSERA_OTLP_ENDPOINT` is set; then each process exports its spans over OTLP/HTTP
(`<endpoint>/v1/traces`) as `tessera-<service>`. While off, every helper here returns at once.

How a trace crosses processes: the mapper stamps the W3C `traceparent` of the command's span
into each stored event's JSON (beside the event's fields, never in the envelope's `data`);
the relay, reading the store from another process, continues that trace in its produce span
and puts the produce span's `traceparent` in the Kafka record's headers; the projector
continues it from there.
"""

from __future__ import annotations

import atexit
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from opentelemetry import propagate, trace

from infra.config import Settings

TRACEPARENT = "traceparent"
_STAMP = re.compile(rb'"traceparent":"([0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2})"')
tracer = trace.get_tracer("tessera")
_state = {"on": False}


def enabled() -> bool:
    return _state["on"]


def setup_process(settings: Settings, service: str) -> None:
    """At a `tessera` command's start: ids on every log line, and tracing if configured."""
    import logging

    from infra.web.middleware import RequestIdFilter

    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
    setup(settings, service)


def setup(settings: Settings, service: str) -> None:
    """Export this process's spans when an endpoint is configured; otherwise stay off."""
    if not settings.otlp_endpoint:
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    endpoint = settings.otlp_endpoint.rstrip("/")
    if not endpoint.endswith("/v1/traces"):
        endpoint += "/v1/traces"
    use(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)), f"tessera-{service}")


def use(processor: Any, service: str = "tessera") -> Any:
    """Turn tracing on with this span processor (tests pass one with an in-memory exporter)."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    global tracer
    tracer = provider.get_tracer("tessera")
    _state["on"] = True
    atexit.register(provider.shutdown)
    return provider


def off() -> None:
    """Stop tracing in this process (tests turn it on and off again)."""
    _state["on"] = False


def span(name: str, attributes: dict[str, Any] | None = None) -> Any:
    """A span around a block, child of the current one; a no-op while tracing is off."""
    if not _state["on"]:
        return nullcontext(None)
    return tracer.start_as_current_span(name, attributes=_clean(attributes))


def command_span(command: Any, context_of: Any) -> Any:
    """The span of one command: `command <method>`, with its bounded context."""
    if not _state["on"]:
        return nullcontext(None)
    name = getattr(command, "__name__", "command")
    return span(
        f"command {name}", {"tessera.context": context_of(command), "tessera.command": name}
    )


def continued(name: str, traceparent: str | None, attributes: dict[str, Any] | None = None) -> Any:
    """A span continuing `traceparent`; gives the Kafka headers that carry it on."""
    if not _state["on"] or not traceparent:
        return nullcontext([])
    return _continued(name, traceparent, attributes)


@contextmanager
def _continued(
    name: str, traceparent: str, attributes: dict[str, Any] | None
) -> Iterator[list[tuple[str, bytes]]]:
    parent = propagate.extract({TRACEPARENT: traceparent})
    with tracer.start_as_current_span(
        name, context=parent, attributes=_clean(attributes), kind=trace.SpanKind.PRODUCER
    ):
        yield [(TRACEPARENT, current_traceparent().encode())]


def consumed(name: str, headers_of_records: Iterable[Any]) -> Any:
    """One span per consumed record that carries a trace, open while the batch is handled."""
    return _consumed(name, headers_of_records) if _state["on"] else nullcontext(None)


def stored(name: str, notifications: Sequence[Any]) -> Any:
    """`consumed` for events read straight from the store (the in-process follower)."""
    if not _state["on"]:
        return nullcontext(None)
    found = traceparents([n.state for n in notifications])
    return _consumed(name, [[(TRACEPARENT, t.encode())] for t in found if t])


@contextmanager
def _consumed(name: str, headers_of_records: Iterable[Any]) -> Iterator[None]:
    parents = [found for found in (header(h, TRACEPARENT) for h in headers_of_records) if found]
    spans = [
        tracer.start_span(
            name, context=propagate.extract({TRACEPARENT: p}), kind=trace.SpanKind.CONSUMER
        )
        for p in parents
    ]
    try:
        yield
    finally:
        for opened in spans:
            opened.end()


def request_span(scope: Any, request_id: str | None) -> Any:
    """The server span of one HTTP request (not of a WebSocket's whole life)."""
    if not _state["on"] or scope["type"] != "http":
        return nullcontext(None)
    return tracer.start_as_current_span(
        f"HTTP {scope.get('method', '')}",
        kind=trace.SpanKind.SERVER,
        attributes={
            "http.request.method": scope.get("method", ""),
            "url.path": scope.get("path", ""),
            "tessera.request_id": request_id or "",
        },
    )


def end_request(span: Any, scope: Any, status: int) -> None:
    if span is not None:
        route = scope.get("path_template") or "?"
        span.update_name(f"HTTP {scope.get('method', '')} {route}")
        span.set_attributes({"http.route": route, "http.response.status_code": status})


def current_traceparent() -> str:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get(TRACEPARENT, "")


def current_trace_id() -> str:
    if not _state["on"]:
        return "-"
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else "-"


def stamp(state: bytes) -> bytes:
    """A stored event's JSON with the current span's `traceparent` added (when tracing)."""
    if not _state["on"]:
        return state
    traceparent = current_traceparent()
    return state[:-1] + b',"traceparent":"' + traceparent.encode() + b'"}' if traceparent else state


def traceparents(states: Sequence[bytes]) -> list[str | None]:
    """The `traceparent` stamped into each stored event, if any (all None while off)."""
    if not _state["on"]:
        return [None] * len(states)
    return [(m.group(1).decode() if (m := _STAMP.search(s)) else None) for s in states]


def header(headers: Any, name: str) -> str | None:
    found = dict(headers or {}).get(name)
    return found.decode() if isinstance(found, bytes) else found


def _clean(attributes: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (attributes or {}).items() if v is not None}
