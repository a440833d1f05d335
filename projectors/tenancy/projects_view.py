"""The `projects` read model: each tenant's projects, listed in creation order."""
from __future__ import annotations

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on


class ProjectsView(Projection):
    name = "projects"
    contexts = ("tenancy",)
    write_only = True
    tables = {
        "projects": """CREATE TABLE IF NOT EXISTS projects (
            id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, name TEXT NOT NULL,
            description TEXT NOT NULL, created_by TEXT, created_at TEXT NOT NULL)""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS projects_by_tenant ON projects (tenant_id, created_at, id)",
    )

    @on("ProjectCreated")
    def created(self, event: Envelope, w: Writer) -> None:
        w.execute(
            "INSERT INTO projects (id, tenant_id, name, description, created_by, created_at)"
            " VALUES (:id, :tenant, :name, :description, :actor, :at)",
            {"id": event.aggregate_id_text, "tenant": event.tenant_id_text,
             "name": event.data["name"], "description": event.data["description"],
             "actor": event.actor_id_text, "at": event.timestamp_text},
        )
