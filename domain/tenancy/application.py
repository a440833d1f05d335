"""Tenancy commands: one method each; membership changes are serialised per tenant."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder, IntegrityError, Mapper

from domain.acting import in_tenant
from domain.application import ContextApplication
from domain.concurrency import KeyedLocks, serialised
from domain.errors import NotFoundError
from domain.tenancy.errors import (
    NotATenantMemberError,
    SlugTakenError,
    TenantNotFoundError,
    UserNotFoundError,
)
from domain.tenancy.project import Project
from domain.tenancy.tenant import Tenant, TenantSlugClaim, as_tenant_id

R = TypeVar("R")


class TenancyApplication(ContextApplication):
    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID],
                 snapshots: AggregateRecorder | None = None) -> None:
        super().__init__(recorder, mapper, snapshots)
        self.tenant_locks = KeyedLocks()

    def create_tenant(self, name: str, slug: str, owner_id: UUID) -> Tenant:
        tenant = Tenant.found(name, slug, owner_id)
        try:
            self.save(tenant, TenantSlugClaim(slug, tenant.id))
        except IntegrityError:
            raise SlugTakenError() from None
        return tenant

    def add_member(self, tenant_id: UUID, owner_id: UUID, user_id: UUID, role: str,
                   user_exists: bool) -> tuple[Tenant, bool]:
        """The tenant, and whether the user is new to it (else only the role changed)."""
        def admit(tenant: Tenant) -> bool:
            if not user_exists:
                raise UserNotFoundError()
            return tenant.add_member(user_id, role)

        return self._changing(tenant_id, owner_id, admit)

    def remove_member(self, tenant_id: UUID, owner_id: UUID, user_id: UUID) -> Tenant:
        tenant, _ = self._changing(tenant_id, owner_id, lambda tenant: tenant.remove_member(user_id))
        return tenant

    def create_project(self, tenant_reference: str, member_id: UUID, name: str,
                       description: str) -> Project:
        tenant = self.tenant_of_member(tenant_reference, member_id)
        project = Project(tenant.id, name, description)
        self.save(project)
        return project

    def tenant_of_member(self, tenant_reference: str, user_id: UUID) -> Tenant:
        """The tenant an `X-Tenant` value (id or slug) names, if `user_id` belongs to it."""
        try:
            tenant = self.load(Tenant, self._tenant_id(tenant_reference))
        except NotFoundError:
            raise NotATenantMemberError() from None
        tenant.authorize_member(user_id)
        return tenant

    def _tenant_id(self, reference: str) -> UUID:
        tenant_id = as_tenant_id(reference)
        if tenant_id is not None:
            return tenant_id
        return self.load(TenantSlugClaim, TenantSlugClaim.id_for(reference)).tenant_id

    def _changing(self, tenant_id: UUID, owner_id: UUID,
                  change: Callable[[Tenant], R]) -> tuple[Tenant, R]:
        """Change an owner's tenant under its lock: concurrent membership changes (six members
        added at once) take turns instead of failing on each other's version, and a conflict
        with another process is retried."""
        def attempt() -> tuple[Tenant, R]:
            tenant = self._owned_tenant(tenant_id, owner_id)
            with in_tenant(tenant.id):
                outcome = change(tenant)
            self.save(tenant)
            return tenant, outcome

        return serialised(self.tenant_locks, [tenant_id], attempt)

    def _owned_tenant(self, tenant_id: UUID, owner_id: UUID) -> Tenant:
        try:
            tenant = self.load(Tenant, tenant_id)
        except NotFoundError:
            raise TenantNotFoundError() from None
        tenant.authorize_owner(owner_id)
        return tenant
