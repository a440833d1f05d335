"""An in-memory OTLP/HTTP collector, and a stack in every mode that exports its spans to it."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.fixtures.stack import STACK_MODES, Stack, start_variant


class Collector:
    """Keeps every span the stack's processes export, decoded from OTLP protobuf."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                collector.add(ExportTraceServiceRequest.FromString(body))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def add(self, request: ExportTraceServiceRequest) -> None:
        found = []
        for resource_spans in request.resource_spans:
            resource = {kv.key: kv.value.string_value for kv in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                found += [
                    {
                        "trace_id": s.trace_id.hex(),
                        "span_id": s.span_id.hex(),
                        "parent_id": s.parent_span_id.hex(),
                        "name": s.name,
                        "service": resource.get("service.name"),
                        "attributes": {kv.key: kv.value.string_value for kv in s.attributes},
                    }
                    for s in scope_spans.spans
                ]
        with self.lock:
            self.spans += found

    def trace(self, trace_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [s for s in self.spans if s["trace_id"] == trace_id]

    def find(self, name: str, **attributes: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                s
                for s in self.spans
                if s["name"] == name
                and all(s["attributes"].get(k) == v for k, v in attributes.items())
            ]


@pytest.fixture(scope="session")
def collector() -> Iterator[Collector]:
    collector = Collector()
    yield collector
    collector.server.shutdown()


@pytest.fixture(scope="package", params=STACK_MODES)
def traced_stack(request: pytest.FixtureRequest, collector: Collector) -> Iterator[Stack]:
    """The system exporting its spans to `collector`, once per mode; stopped after this package."""
    env = {
        "TESSERA_OTLP_ENDPOINT": collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "TESSERA_DB_POOL_SIZE": "4",
    }
    yield from start_variant(request, request.param, "traced", env)
