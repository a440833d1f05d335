"""A PostgreSQL runtime with every shipped projection and a log of one tenant's projects,
for the tests that replay or catch up on such a log."""
from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from domain.acting import acting_as
from domain.tenancy.application import TenancyApplication
from infra.config import load_settings
from infra.runtime import Runtime
from projectors.projection import Projection, load_projections


def shipped_projection_names() -> list[str]:
    """The project's projections, not those other test modules registered."""
    load_projections()
    return sorted(name for name, cls in Projection.registry.items()
                  if cls.__module__.startswith("projectors."))


def runtime_with_projects(database_url: str, names: Sequence[str]) -> tuple[Runtime, list[UUID]]:
    """The runtime (storage open, nothing projected yet) and the projects' ids; the log holds
    the tenant, its slug claim and the projects, in that order."""
    settings = load_settings({"TESSERA_DATABASE_URL": database_url})
    runtime = Runtime(settings, projection_names=shipped_projection_names()).open_storage()
    tenancy = runtime.app(TenancyApplication)
    owner = uuid4()
    with acting_as(owner):
        tenancy.create_tenant("Acme", "acme", owner)
        ids = [tenancy.create_project("acme", owner, name, "").id for name in names]
    return runtime, ids
