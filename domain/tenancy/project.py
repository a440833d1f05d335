"""Projects: work that belongs to exactly one tenant."""
from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate


class Project(Aggregate):
    @event("ProjectCreated")
    def __init__(self, tenant_id: UUID, name: str, description: str) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.description = description
