"""Who is acting, and for which tenant, while a command runs.

Every event carries `actor_id` and `tenant_id` (CONTRACT §7). Passing them through every
aggregate method would clutter each command, so the command layer sets them once per request
and the event classes read them as defaults.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import UUID

_actor: ContextVar[UUID | None] = ContextVar("tessera_actor", default=None)
_tenant: ContextVar[UUID | None] = ContextVar("tessera_tenant", default=None)


def current_actor() -> UUID | None:
    return _actor.get()


def current_tenant() -> UUID | None:
    return _tenant.get()


@contextmanager
def acting_as(actor_id: UUID | None, tenant_id: UUID | None = None) -> Iterator[None]:
    actor_token = _actor.set(actor_id)
    tenant_token = _tenant.set(tenant_id)
    try:
        yield
    finally:
        _actor.reset(actor_token)
        _tenant.reset(tenant_token)


@contextmanager
def in_tenant(tenant_id: UUID | None) -> Iterator[None]:
    """Scope events to a tenant that only exists from this command on (tenant creation)."""
    token = _tenant.set(tenant_id)
    try:
        yield
    finally:
        _tenant.reset(token)
