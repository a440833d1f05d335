"""Courses reads (CONTRACT §5.2): the filtered listing and one course."""
from __future__ import annotations

from decimal import ROUND_FLOOR
from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from infra.runtime import Runtime
from query_api.courses import queries
from query_api.courses.queries import COURSE_ORDERINGS, CourseFilter
from query_api.filters import boolean, cents, choice, day, found, text, uuid_list
from query_api.pagination import paginated, requested_page

API = "/api/v1"


def course_filter(request: Request) -> CourseFilter:
    params = request.query_params
    return CourseFilter(
        title=text(params, "title"), price_min=cents(params, "price_min"),
        price_max=cents(params, "price_max", ROUND_FLOOR), start_date_from=day(params, "start_date_from"),
        start_date_to=day(params, "start_date_to"), tags=uuid_list(params, "tags"),
        is_free=boolean(params, "is_free"),
        ordering=choice(params, "ordering", COURSE_ORDERINGS, "-created_at"))


@get(f"{API}/courses")
async def list_courses(request: Request, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    page = requested_page(request)
    return paginated(request, page, *await queries.courses(runtime, course_filter(request), page))


@get(f"{API}/courses/{{course_id:uuid}}")
async def show_course(course_id: FromPath[UUID],
                      runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    return found(await queries.course(runtime, str(course_id)), "Course")


router = [list_courses, show_course]
