"""Tenants, who belongs to them, and the uniqueness of their slugs.

The Tenant aggregate is the one authority on membership for commands: a member added a moment
ago is in its event stream at once, whatever the read models have caught up with.
Creation events take the tenant's id as `tenant_id`, so the event's own envelope field names
the tenant it belongs to (CONTRACT §3) without relying on the acting context.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.aggregate import Aggregate, stable_id
from domain.errors import InvalidError
from domain.tenancy.errors import (
    AlreadyMemberError,
    LastOwnerError,
    MemberNotFoundError,
    NotATenantMemberError,
    NotATenantOwnerError,
    SlugShapedLikeIdError,
    TenantNotFoundError,
)

ROLES = ("owner", "member")


def as_tenant_id(reference: str) -> UUID | None:
    """The id an `X-Tenant` value names, or None when it is a slug."""
    try:
        return UUID(reference.strip())
    except ValueError:
        return None


class Tenant(Aggregate):
    @classmethod
    def create_id(cls, tenant_id: UUID, **_: Any) -> UUID:  # type: ignore[override]
        return tenant_id

    @classmethod
    def found(cls, name: str, slug: str, owner_id: UUID) -> Tenant:
        if as_tenant_id(slug) is not None:
            raise SlugShapedLikeIdError()
        return cls(uuid4(), name, slug, owner_id)

    @event("TenantCreated")
    def __init__(self, tenant_id: UUID, name: str, slug: str, owner_id: UUID) -> None:
        self.name, self.slug = name, slug
        self.members: dict[UUID, str] = {owner_id: "owner"}

    def role_of(self, user_id: UUID) -> str | None:
        return self.members.get(user_id)

    def authorize_member(self, user_id: UUID) -> None:
        if user_id not in self.members:
            raise NotATenantMemberError()

    def authorize_owner(self, user_id: UUID) -> None:
        """Owners pass; members are refused; strangers are told the tenant does not exist."""
        if user_id not in self.members:
            raise TenantNotFoundError()
        if self.members[user_id] != "owner":
            raise NotATenantOwnerError()

    def add_member(self, user_id: UUID, role: str) -> bool:
        """Admit a user (True), or give a member a new role (False); an owner must remain."""
        if role not in ROLES:
            raise InvalidError(f"Field 'role' must be one of {', '.join(ROLES)}",
                               {"role": ["invalid"]})
        current = self.members.get(user_id)
        if current == role:
            raise AlreadyMemberError()
        if current is None:
            self._admit(user_id, role)
            return True
        self._check_an_owner_remains(without=user_id)
        self._change_role(user_id, role)
        return False

    def remove_member(self, user_id: UUID) -> None:
        if user_id not in self.members:
            raise MemberNotFoundError()
        self._check_an_owner_remains(without=user_id)
        self._expel(user_id)

    def _check_an_owner_remains(self, without: UUID) -> None:
        if not any(role == "owner" for user, role in self.members.items() if user != without):
            raise LastOwnerError()

    @event("TenantMemberAdded")
    def _admit(self, user_id: UUID, role: str) -> None:
        self.members[user_id] = role

    @event("TenantMemberRoleChanged")
    def _change_role(self, user_id: UUID, role: str) -> None:
        self.members[user_id] = role

    @event("TenantMemberRemoved")
    def _expel(self, user_id: UUID) -> None:
        del self.members[user_id]


class TenantSlugClaim(Aggregate):
    """Owns one slug, so a second tenant claiming it conflicts; maps the slug to its tenant."""

    @staticmethod
    def id_for(slug: str) -> UUID:
        return stable_id("tenant-slug", slug.strip().lower())

    @classmethod
    def create_id(cls, slug: str, tenant_id: UUID) -> UUID:  # type: ignore[override]
        return cls.id_for(slug)

    @event("TenantSlugClaimed")
    def __init__(self, slug: str, tenant_id: UUID) -> None:
        self.slug = slug
        self.tenant_id = tenant_id
