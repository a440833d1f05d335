"""The Tenant aggregate's membership rules, without servers."""
from __future__ import annotations

from uuid import uuid4

import pytest

from domain.tenancy.errors import (
    AlreadyMemberError,
    LastOwnerError,
    MemberNotFoundError,
    NotATenantMemberError,
    NotATenantOwnerError,
    SlugShapedLikeIdError,
    TenantNotFoundError,
)
from domain.tenancy.tenant import Tenant, TenantSlugClaim


def new_tenant():
    owner = uuid4()
    return Tenant.found("Acme", "acme", owner), owner


def test_the_founder_is_the_only_owner():
    tenant, owner = new_tenant()
    assert tenant.members == {owner: "owner"}
    tenant.authorize_owner(owner)
    tenant.authorize_member(owner)


def test_members_may_not_manage_and_strangers_do_not_see_the_tenant():
    tenant, _ = new_tenant()
    member, stranger = uuid4(), uuid4()
    tenant.add_member(member, "member")
    tenant.authorize_member(member)
    with pytest.raises(NotATenantOwnerError):
        tenant.authorize_owner(member)
    with pytest.raises(TenantNotFoundError):
        tenant.authorize_owner(stranger)
    with pytest.raises(NotATenantMemberError):
        tenant.authorize_member(stranger)


def test_adding_a_member_again_changes_the_role_or_conflicts():
    tenant, _ = new_tenant()
    member = uuid4()
    assert tenant.add_member(member, "member") is True
    with pytest.raises(AlreadyMemberError):
        tenant.add_member(member, "member")
    assert tenant.add_member(member, "owner") is False
    assert tenant.role_of(member) == "owner"
    names = [type(e).__name__ for e in tenant.pending_events]
    assert names == ["TenantCreated", "TenantMemberAdded", "TenantMemberRoleChanged"]


def test_the_last_owner_can_be_neither_removed_nor_demoted():
    tenant, owner = new_tenant()
    with pytest.raises(LastOwnerError):
        tenant.remove_member(owner)
    tenant.add_member(uuid4(), "member")
    with pytest.raises(LastOwnerError):
        tenant.add_member(owner, "member")
    second = uuid4()
    tenant.add_member(second, "owner")
    tenant.remove_member(owner)
    assert tenant.members.get(owner) is None
    with pytest.raises(MemberNotFoundError):
        tenant.remove_member(owner)


def test_a_slug_that_reads_as_an_id_is_refused():
    with pytest.raises(SlugShapedLikeIdError):
        Tenant.found("Sneaky", str(uuid4()), uuid4())
    with pytest.raises(SlugShapedLikeIdError):
        Tenant.found("Sneaky", uuid4().hex, uuid4())


def test_slug_claims_are_deterministic_per_slug():
    assert TenantSlugClaim.id_for("acme") == TenantSlugClaim.id_for(" ACME ")
    assert TenantSlugClaim.id_for("acme") != TenantSlugClaim.id_for("acme-2")
