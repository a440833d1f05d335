"""SQL over the `audit_log` read model, and the entries CONTRACT §7 shows."""
from __future__ import annotations

from typing import Any

import msgspec

from query_api.pagination import PAGE_SQL, Page

_decode = msgspec.json.Decoder().decode
ACTIONS = ("create", "update", "delete")
SELECT = (
    "SELECT a.position, a.timestamp, a.actor_id, a.tenant_id, a.aggregate_type, a.aggregate_id,"
    " a.aggregate_version, a.event_type, a.action, a.label, a.changes, c.label AS first_label"
    " FROM audit_log a LEFT JOIN audit_log c"
    " ON c.aggregate_id = a.aggregate_id AND c.aggregate_version = 1"
)


class AuditFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Validated filters; `action` is create|update|delete or an event type (e.g. BookUpdated)."""

    actor: str | None = None
    aggregate_type: str | None = None
    aggregate_id: str | None = None
    action: str | None = None
    tenant: str | None = None
    since: str | None = None
    until: str | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses, params = ["1 = 1"], {}
        for column, value in (("actor_id", self.actor), ("aggregate_type", self.aggregate_type),
                              ("aggregate_id", self.aggregate_id), ("tenant_id", self.tenant)):
            if value is not None:
                clauses.append(f"a.{column} = :{column}")
                params[column] = value
        if self.action is not None:
            column = "action" if self.action in ACTIONS else "event_type"
            clauses.append(f"a.{column} = :action")
            params["action"] = self.action
        if self.since is not None:
            clauses.append("a.timestamp >= :since")
            params["since"] = self.since
        if self.until is not None:
            clauses.append("a.timestamp <= :until")
            params["until"] = self.until
        return " AND ".join(clauses), params


def entry(row: dict[str, Any]) -> dict[str, Any]:
    label = row["label"] or row["first_label"]
    kind = row["aggregate_type"].replace("_", " ")
    return {"position": int(row["position"]), "timestamp": row["timestamp"],
            "actor_id": row["actor_id"], "tenant_id": row["tenant_id"],
            "aggregate_type": row["aggregate_type"], "aggregate_id": row["aggregate_id"],
            "version": int(row["aggregate_version"]), "event_type": row["event_type"],
            "action": row["action"],
            "representation": f"{kind} '{label}'" if label else f"{kind} {row['aggregate_id']}",
            "changes": _decode(row["changes"])}


async def entries(store: Any, chosen: AuditFilter, page: Page) -> tuple[int, list[dict[str, Any]]]:
    """One page of matching entries, newest first, and how many match."""
    where, params = chosen.where()
    counted = await store.fetch_one(f"SELECT count(*) AS n FROM audit_log a WHERE {where}", params)
    rows = await store.fetch_all(f"{SELECT} WHERE {where} ORDER BY a.position DESC {PAGE_SQL}",
                                 {**params, **page.params})
    return int(counted["n"] if counted else 0), [entry(row) for row in rows]


async def history(store: Any, aggregate_type: str, aggregate_id: str, page: Page,
                  up_to: int | None = None) -> tuple[int, list[dict[str, Any]]]:
    """The aggregate's events in version order (up to version `up_to` if given)."""
    where = "a.aggregate_id = :id AND a.aggregate_type = :type AND a.aggregate_version <= :up_to"
    params = {"id": aggregate_id, "type": aggregate_type, "up_to": up_to or 2**62}
    counted = await store.fetch_one(f"SELECT count(*) AS n FROM audit_log a WHERE {where}", params)
    rows = await store.fetch_all(f"{SELECT} WHERE {where} ORDER BY a.aggregate_version {PAGE_SQL}",
                                 {**params, **page.params})
    return int(counted["n"] if counted else 0), [entry(row) for row in rows]
