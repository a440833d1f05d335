"""The audit log (CONTRACT §7): one row per event of every context, secrets redacted.

`action` is `create` for an aggregate's first event, `delete` for an event type ending in
`Deleted`, else `update`; the event type itself is kept too (`event_type`), and the API's
`action` filter accepts either. `label` is the name-like field an event carries (title, name,
email, ...), from which the API builds each entry's `representation`.
"""
from __future__ import annotations

from typing import ClassVar

import msgspec

from infra.envelope import Envelope
from projectors.audit.redaction import redact
from projectors.projection import Projection, Writer

LABEL_FIELDS = ("title", "name", "email", "slug", "subject", "file_name")
_encode = msgspec.json.Encoder().encode


def action_of(envelope: Envelope) -> str:
    if envelope.aggregate_version == 1:
        return "create"
    return "delete" if envelope.type.endswith("Deleted") else "update"


def label_of(data: dict[str, object]) -> str | None:
    for field in LABEL_FIELDS:
        value = data.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None


class AuditView(Projection):
    name = "audit"
    contexts = ()
    write_only = True
    tables: ClassVar[dict[str, str]] = {
        "audit_log": """CREATE TABLE IF NOT EXISTS audit_log (
            position BIGINT PRIMARY KEY, timestamp TEXT NOT NULL, actor_id TEXT, tenant_id TEXT,
            context TEXT NOT NULL, aggregate_type TEXT NOT NULL, aggregate_id TEXT NOT NULL,
            aggregate_version BIGINT NOT NULL, event_type TEXT NOT NULL, action TEXT NOT NULL,
            label TEXT, changes TEXT NOT NULL)""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS audit_aggregate ON audit_log (aggregate_id, aggregate_version)",
        "CREATE INDEX IF NOT EXISTS audit_type ON audit_log (aggregate_type, position)",
        "CREATE INDEX IF NOT EXISTS audit_actor ON audit_log (actor_id, position)",
        "CREATE INDEX IF NOT EXISTS audit_action ON audit_log (action, position)",
        "CREATE INDEX IF NOT EXISTS audit_event_type ON audit_log (event_type, position)",
        ("CREATE INDEX IF NOT EXISTS audit_tenant ON audit_log (tenant_id, position)"
         " WHERE tenant_id IS NOT NULL"),
        "CREATE INDEX IF NOT EXISTS audit_timestamp ON audit_log (timestamp)",
    )

    def handles(self, envelope: Envelope) -> bool:
        return True

    def apply(self, envelope: Envelope, writer: Writer) -> None:
        writer.execute(
            "INSERT INTO audit_log (position, timestamp, actor_id, tenant_id, context,"
            " aggregate_type, aggregate_id, aggregate_version, event_type, action, label, changes)"
            " VALUES (:position, :timestamp, :actor_id, :tenant_id, :context, :aggregate_type,"
            " :aggregate_id, :version, :event_type, :action, :label, :changes)",
            {"position": envelope.position, "timestamp": envelope.timestamp_text,
             "actor_id": envelope.actor_id_text,
             "tenant_id": envelope.tenant_id_text,
             "context": envelope.context, "aggregate_type": envelope.aggregate_type,
             "aggregate_id": envelope.aggregate_id_text, "version": envelope.aggregate_version,
             "event_type": envelope.type, "action": action_of(envelope),
             "label": label_of(envelope.data), "changes": _encode(redact(envelope.data)).decode()})
