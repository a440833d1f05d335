"""Audit rows: one per event of any context, actions by version and type, state folded back."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

from infra.envelope import Envelope
from infra.readstore import SqliteReadStore
from projectors.audit.audit_view import AuditView, action_of
from projectors.runtime import FLOOR, SourceBatch, apply_batches, create_tables
from query_api.audit.state import fold


def envelope(position: int, type_: str, version: int, data: dict[str, Any],
             aggregate_id: UUID, context: str = "catalog") -> Envelope:
    return Envelope(id=uuid4(), type=type_, version="v1", aggregate_type="book",
                    aggregate_id=aggregate_id, aggregate_version=version, position=position,
                    timestamp=datetime(2026, 1, 31, 12, 0, position, tzinfo=UTC), actor_id=None,
                    tenant_id=None, data=data, context=context)


@pytest.mark.parametrize("type_, version, action", [
    ("BookCreated", 1, "create"), ("BookUpdated", 2, "update"), ("BookDeleted", 3, "delete"),
    ("NotificationDeleted", 1, "create")])
def test_actions(type_, version, action):
    assert action_of(envelope(1, type_, version, {}, uuid4())) == action


def test_every_event_of_every_context_is_one_row_and_state_folds_back(tmp_path):
    store = SqliteReadStore(tmp_path / "read.sqlite")
    create_tables(store, [AuditView()])
    book, author = uuid4(), str(uuid4())
    events = [envelope(1, "BookCreated", 1, {"title": "Dune", "author_id": author, "tag_ids": []}, book),
              envelope(2, "SomethingElse", 1, {"x": 1}, uuid4(), context="anything"),
              envelope(3, "BookUpdated", 2, {"title": "Dune II", "author_id": author, "tag_ids": []}, book),
              envelope(4, "BookDeleted", 3, {}, book)]
    apply_batches(store, [AuditView()], [SourceBatch(FLOOR, events)])
    with store.transaction() as tx:
        rows = tx.fetch_all("SELECT * FROM audit_log ORDER BY position")
    assert [r["action"] for r in rows] == ["create", "create", "update", "delete"]
    entries = [{"aggregate_type": r["aggregate_type"], "aggregate_id": r["aggregate_id"],
                "version": r["aggregate_version"], "timestamp": r["timestamp"],
                "event_type": r["event_type"], "action": r["action"],
                "changes": msgspec.json.decode(r["changes"])}
               for r in rows if r["aggregate_id"] == str(book)]
    assert fold(entries[:1])["state"] == {"title": "Dune", "author_id": author, "tag_ids": [],
                                          "deleted": False}
    at_two = fold(entries[:2])
    assert (at_two["version"], at_two["state"]["title"], at_two["deleted"]) == (2, "Dune II", False)
    assert fold(entries)["deleted"] is True and fold(entries)["last_event"] == "BookDeleted"
    assert fold(entries)["state"]["deleted"] is True  # BookDeleted carries no field


def test_an_unknown_event_type_folds_by_laying_fields_over_fields():
    """No aggregate defines it (its class was moved under another name): no 500, the fields."""
    entries = [{"aggregate_type": "gadget", "aggregate_id": str(uuid4()), "version": version,
                "timestamp": "2026-01-31T12:00:00.000000Z", "event_type": f"Gadget{kind}",
                "action": "update", "changes": changes}
               for version, kind, changes in ((1, "Made", {"name": "a", "size": 1}),
                                              (2, "Changed", {"changes": {"size": 2}}))]
    assert fold(entries)["state"] == {"name": "a", "size": 2}


def test_an_entry_that_no_longer_converts_to_its_event_class_folds_by_laying_fields_over_fields():
    """A BookCreated written before a field it now requires existed (upcast in the store, not in
    the audit log) cannot be rebuilt into the event: the state is the fields, not a 500."""
    book = str(uuid4())
    entries = [{"aggregate_type": "book", "aggregate_id": book, "version": 1,
                "timestamp": "2026-01-31T12:00:00.000000Z", "event_type": "BookCreated",
                "action": "create", "changes": {"title": "Dune"}}]
    assert fold(entries)["state"] == {"title": "Dune"}
