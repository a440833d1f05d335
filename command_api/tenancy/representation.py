"""Tenancy bodies of CONTRACT §3, from the aggregates (commands answer from the store)."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.tenancy.project import Project
from domain.tenancy.tenant import Tenant
from infra.envelope import format_timestamp


def tenant_body(tenant: Tenant, user_id: UUID) -> dict[str, Any]:
    return {"id": str(tenant.id), "name": tenant.name, "slug": tenant.slug,
            "role": tenant.role_of(user_id), "created_at": format_timestamp(tenant.created_on)}


def member_body(tenant: Tenant, user_id: UUID) -> dict[str, Any]:
    return {"tenant_id": str(tenant.id), "user_id": str(user_id), "role": tenant.role_of(user_id)}


def project_body(project: Project) -> dict[str, Any]:
    return {"id": str(project.id), "name": project.name, "description": project.description,
            "tenant_id": str(project.tenant_id), "created_at": format_timestamp(project.created_on)}
