"""Every tenancy event names the tenant it belongs to (CONTRACT §3), as stored and as enveloped."""
from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.popo import POPOApplicationRecorder

from domain.acting import acting_as
from domain.tenancy.application import TenancyApplication
from domain.tenancy.errors import NotATenantMemberError, SlugTakenError
from infra.envelope import envelope_from_notification
from infra.eventstore import MsgspecMapper


@pytest.fixture
def tenancy():
    recorder = POPOApplicationRecorder()
    return TenancyApplication(recorder, MsgspecMapper()), recorder


def envelopes(recorder):
    return [envelope_from_notification(n) for n in recorder.select_notifications(1, 1000)]


def test_tenant_member_and_project_events_carry_their_tenant(tenancy):
    app, recorder = tenancy
    owner, member = uuid4(), uuid4()
    with acting_as(owner):
        tenant = app.create_tenant("Acme", "acme", owner)
        app.add_member(tenant.id, owner, member, "member", True)
    with acting_as(member):
        project = app.create_project("acme", member, "Roadmap", "")
    with acting_as(owner):
        app.remove_member(tenant.id, owner, member)
    events = envelopes(recorder)
    assert [e.type for e in events] == ["TenantCreated", "TenantSlugClaimed", "TenantMemberAdded",
                                        "ProjectCreated", "TenantMemberRemoved"]
    assert {e.tenant_id for e in events} == {tenant.id}
    assert [e.actor_id for e in events] == [owner, owner, owner, member, owner]
    assert events[3].aggregate_id == project.id
    assert app.load(type(project), project.id).tenant_id == tenant.id


def test_tenant_events_ignore_a_tenant_set_by_the_caller(tenancy):
    app, recorder = tenancy
    owner, elsewhere = uuid4(), uuid4()
    with acting_as(owner, elsewhere):
        tenant = app.create_tenant("Globex", "globex", owner)
        app.add_member(tenant.id, owner, uuid4(), "owner", True)
    assert {e.tenant_id for e in envelopes(recorder)} == {tenant.id}


def test_a_taken_slug_conflicts_and_writes_nothing(tenancy):
    app, recorder = tenancy
    app.create_tenant("Acme", "acme", uuid4())
    before = len(envelopes(recorder))
    with pytest.raises(SlugTakenError):
        app.create_tenant("Acme again", "acme", uuid4())
    assert len(envelopes(recorder)) == before


def test_a_member_added_a_moment_ago_creates_projects_and_a_removed_one_cannot(tenancy):
    app, _ = tenancy
    owner, member = uuid4(), uuid4()
    tenant = app.create_tenant("Initech", "initech", owner)
    with pytest.raises(NotATenantMemberError):
        app.create_project(str(tenant.id), member, "Too early", "")
    app.add_member(tenant.id, owner, member, "member", True)
    assert app.create_project(str(tenant.id), member, "TPS reports", "").tenant_id == tenant.id
    app.remove_member(tenant.id, owner, member)
    with pytest.raises(NotATenantMemberError):
        app.create_project("initech", member, "Too late", "")
    with pytest.raises(NotATenantMemberError):
        app.create_project("no-such-tenant", owner, "Nowhere", "")
