"""A keyed command refused by a version conflict ("changed concurrently; retry") did nothing:
its key is released so the retry it asks for runs, where a decided 409 is replayed. A repeat
that outwaits its first request gets a 409 naming its own request id.

A version conflict cannot be caused on purpose through the API (commands on one aggregate are
serialised in a process), so the middleware is driven here with a command that conflicts once.
"""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import msgspec
from eventsourcing.persistence import IntegrityError

from domain.errors import InsufficientStockError
from infra.readstore import SqliteReadStore
from infra.web.errors import envelope, to_api_error
from infra.web import idempotency
from infra.web.idempotency import TABLES, idempotency_middleware


def keyed_store(tmp_path) -> SqliteReadStore:
    store = SqliteReadStore(tmp_path / "read.sqlite")
    with store.transaction() as tx:
        for statement in TABLES:
            tx.execute(statement)
    return store


def command_failing_first_with(error: Exception):
    """An ASGI command answering `error`'s envelope on its first run and 201 after."""
    runs: list[int] = []

    async def command(scope: Any, receive: Any, send: Any) -> None:
        runs.append(1)
        api_error = to_api_error(error) if len(runs) == 1 else None
        status = api_error.status if api_error else 201
        body = envelope(api_error.code, api_error.message, None, "r") if api_error else {"run": len(runs)}
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": msgspec.json.encode(body)})

    return command, runs


def send_keyed(middleware: Any, store: SqliteReadStore, request_id: bytes = b"r") -> dict[str, Any]:
    scope = {"type": "http", "method": "POST", "path": "/api/v1/orders", "query_string": b"",
             "headers": [(b"idempotency-key", b"K"), (b"x-request-id", request_id)],
             "user": SimpleNamespace(id="u1"),
             "app": SimpleNamespace(state=SimpleNamespace(runtime=SimpleNamespace(store=store)))}
    answer: dict[str, Any] = {}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        answer.update(message)

    asyncio.run(middleware(scope, receive, send))
    return answer


def test_a_version_conflict_releases_the_key_so_the_retry_runs(tmp_path):
    store = keyed_store(tmp_path)
    command, runs = command_failing_first_with(IntegrityError())
    middleware = idempotency_middleware(command)
    conflict = send_keyed(middleware, store)
    retried = send_keyed(middleware, store)
    assert conflict["status"] == 409
    assert (retried["status"], len(runs)) == (201, 2)
    assert msgspec.json.decode(retried["body"]) == {"run": 2}


def test_a_decided_conflict_is_replayed_and_not_run_again(tmp_path):
    store = keyed_store(tmp_path)
    command, runs = command_failing_first_with(InsufficientStockError("Insufficient stock"))
    middleware = idempotency_middleware(command)
    first, again = send_keyed(middleware, store), send_keyed(middleware, store)
    assert (first["status"], again["status"], len(runs)) == (409, 409, 1)
    assert msgspec.json.decode(again["body"])["error"]["code"] == "INSUFFICIENT_STOCK"


def test_a_repeat_outwaiting_the_first_request_names_its_own_request_id(tmp_path, monkeypatch):
    store = keyed_store(tmp_path)
    with store.transaction() as tx:  # the first request holds the key and has not answered
        tx.execute("INSERT INTO idempotency_keys (owner, key, created_at, claim) "
                   "VALUES ('u1:POST:/api/v1/orders', 'K', 1e12, 'first')")
    monkeypatch.setattr(idempotency, "IN_PROGRESS_WAIT_SECONDS", 0.05)
    command, runs = command_failing_first_with(IntegrityError())
    answer = send_keyed(idempotency_middleware(command), store, request_id=b"repeat-1")
    error = msgspec.json.decode(answer["body"])["error"]
    assert (answer["status"], error["code"], error["request_id"], runs) == (409, "CONFLICT", "repeat-1", [])
