"""The audit log over HTTP (CONTRACT §7): read-only, for admin and support.

Staff see every tenant's entries: admin and support are platform roles (§2), and tenant roles
(§3) grant no audit access; `?tenant=<id>` narrows the list to one tenant.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from domain.errors import ForbiddenError, NotFoundError
from infra.envelope import format_timestamp
from infra.runtime import Runtime
from query_api.audit import queries
from query_api.audit.queries import ACTIONS, AuditFilter
from query_api.audit.state import fold
from query_api.filters import integer, invalid
from query_api.pagination import Page, paginated, requested_page

AUDIT = "/api/v1/audit"
AGGREGATE_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,80}$")
EVENT_TYPE = re.compile(r"^[A-Z][A-Za-z0-9]{0,80}$")
HISTORY_LIMIT = 10_000


def require_staff(request: Request) -> None:
    if not request.user.is_staff:
        raise ForbiddenError("Only admin and support may read the audit log")


def uuid_param(request: Request, name: str) -> str | None:
    raw = request.query_params.get(name) or None
    try:
        return str(UUID(raw)) if raw is not None else None
    except ValueError:
        raise invalid(name, "must be a UUID") from None


def moment_param(request: Request, name: str, end_of_day: bool = False) -> str | None:
    """An RFC 3339 timestamp (or a date) as the log's sortable UTC text."""
    raw = request.query_params.get(name) or None
    if raw is None:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            moment = datetime(day.year, day.month, day.day, 23, 59, 59, 999999) if end_of_day \
                else datetime(day.year, day.month, day.day)
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise invalid(name, "must be an RFC 3339 timestamp or a date") from None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return format_timestamp(aware)


def audit_filter(request: Request) -> AuditFilter:
    params = request.query_params
    kind, action = params.get("aggregate_type") or None, params.get("action") or None
    if kind is not None and not AGGREGATE_TYPE.match(kind):
        raise invalid("aggregate_type", "must be a snake_case aggregate type, e.g. book")
    if action is not None and action not in ACTIONS and not EVENT_TYPE.match(action):
        raise invalid("action", "must be create, update, delete or an event type")
    chosen = AuditFilter(actor=uuid_param(request, "actor"), aggregate_type=kind,
                         aggregate_id=uuid_param(request, "aggregate_id"), action=action,
                         tenant=uuid_param(request, "tenant"), since=moment_param(request, "from"),
                         until=moment_param(request, "to", end_of_day=True))
    if chosen.since and chosen.until and chosen.since > chosen.until:
        raise invalid("from", "must not be after 'to'")
    return chosen


def aggregate_ref(aggregate_type: str, aggregate_id: str) -> tuple[str, str]:
    try:
        return aggregate_type, str(UUID(aggregate_id))
    except ValueError:
        raise NotFoundError("Aggregate not found") from None


@get(AUDIT)
async def list_entries(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """Matching entries, newest first."""
    require_staff(request)
    chosen, page = audit_filter(request), requested_page(request)
    count, rows = await queries.entries(runtime.store, chosen, page)
    return paginated(request, page, count, rows)


@get(f"{AUDIT}/{{aggregate_type:str}}/{{aggregate_id:str}}/history")
async def aggregate_history(aggregate_type: FromPath[str], aggregate_id: FromPath[str],
                            request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """The aggregate's events in order (paginated); 404 for an aggregate with none."""
    require_staff(request)
    page = requested_page(request)
    aggregate = aggregate_ref(aggregate_type, aggregate_id)
    count, rows = await queries.history(runtime.store, *aggregate, page)
    if count == 0:
        raise NotFoundError("Aggregate not found")
    return paginated(request, page, count, rows)


@get(f"{AUDIT}/{{aggregate_type:str}}/{{aggregate_id:str}}/state")
async def aggregate_state(aggregate_type: FromPath[str], aggregate_id: FromPath[str],
                          request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    """The aggregate at `?version=n` (default: its latest); 404 past its last version."""
    require_staff(request)
    version = integer(request.query_params, "version", minimum=1)
    _, rows = await queries.history(runtime.store, *aggregate_ref(aggregate_type, aggregate_id),
                                    Page(number=1, size=HISTORY_LIMIT), up_to=version)
    if not rows or (version is not None and rows[-1]["version"] != version):
        raise NotFoundError("No such aggregate version")
    return fold(rows)


router = [list_entries, aggregate_history, aggregate_state]
