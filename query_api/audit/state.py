"""An aggregate as it was at a version, rebuilt from its audit entries (never from the store).

Each entry is turned back into its domain event and applied through the aggregate's own
mutators, so the state is what the aggregate was: events without fields count too
(UserEmailConfirmed sets `email_confirmed`, UserDeactivated clears `is_active`, a
ProductStockReserved lowers `stock`). Laying each event's fields over the earlier ones, as
before, left a confirmed user unconfirmed and a presence without `is_online`. Secrets stay
redacted: the entries hold them redacted, and the state is redacted again on the way out.
Entries of an event type no aggregate here defines (a class since moved under another name),
or that no longer convert to their class (a field added since), fall back to laying fields
over fields.
"""
from __future__ import annotations

import logging
from functools import cache
from typing import Any

import msgspec
from eventsourcing.utils import get_topic

from domain.aggregate import Aggregate
from infra.envelope import event_kind
from infra.runtime import application_classes
from projectors.audit.redaction import redact

log = logging.getLogger("tessera.audit")


def fold(entries: list[dict[str, Any]]) -> dict[str, Any]:
    first, last = entries[0], entries[-1]
    return {"aggregate_type": first["aggregate_type"], "aggregate_id": first["aggregate_id"],
            "version": last["version"], "created_at": first["timestamp"],
            "updated_at": last["timestamp"], "last_event": last["event_type"],
            "deleted": any(e["action"] == "delete" for e in entries), "state": state_of(entries)}


def state_of(entries: list[dict[str, Any]]) -> dict[str, Any]:
    known = event_classes()
    if all((e["aggregate_type"], e["event_type"]) in known for e in entries):
        try:
            return replayed(entries)
        except (msgspec.ValidationError, TypeError, ValueError, AttributeError):
            # An entry written under an older version of its event class (a field added since,
            # upcast in the store but not in the audit log) does not convert: fields over fields
            # is still an answer, where the error was a 500.
            log.warning("audit state of %s %s laid over, not replayed", entries[0]["aggregate_type"],
                        entries[0]["aggregate_id"], exc_info=True)
    return laid_over(entries)


def laid_over(entries: list[dict[str, Any]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for entry in entries:
        changes = dict(entry["changes"])
        nested = changes.pop("changes", None)
        fields.update(changes)
        if isinstance(nested, dict):
            fields.update(nested)
    return fields


def replayed(entries: list[dict[str, Any]]) -> dict[str, Any]:
    aggregate = None
    for entry in entries:
        aggregate = event_of(entry).mutate(aggregate)
    attributes = {k: v for k, v in vars(aggregate).items() if not k.startswith("_")}
    return redact(msgspec.to_builtins(attributes, order="sorted"))


def event_of(entry: dict[str, Any]) -> Any:
    kind = (entry["aggregate_type"], entry["event_type"])
    event_class, aggregate_class = event_classes()[kind]
    fields = {**entry["changes"], "originator_id": entry["aggregate_id"],
              "originator_version": entry["version"], "timestamp": entry["timestamp"],
              "actor_id": entry.get("actor_id"), "tenant_id": entry.get("tenant_id")}
    if entry["version"] == 1:
        fields["originator_topic"] = get_topic(aggregate_class)
    return msgspec.convert(fields, event_class, strict=False)


@cache
def event_classes() -> dict[tuple[str, str], tuple[type, type]]:
    """(aggregate_type, event_type) as the audit log names them → (event class, aggregate
    class), for every aggregate of every context."""
    application_classes()  # imports every context's aggregates
    found: dict[tuple[str, str], tuple[type, type]] = {}
    aggregates: list[type] = [Aggregate]
    while aggregates:
        aggregate = aggregates.pop()
        aggregates.extend(aggregate.__subclasses__())
        own = f"{aggregate.__qualname__}."
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, Aggregate.Event) \
                    and value.__qualname__.startswith(own):
                kind = event_kind(get_topic(value))
                found[(kind.aggregate_type, kind.type)] = (value, aggregate)
    return found
