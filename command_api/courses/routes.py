"""Courses commands over HTTP (CONTRACT §5.2): admin/support create courses (CourseCreated)."""
from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from command_api.courses.schemas import CreateCourse
from domain.courses.application import CoursesApplication
from domain.errors import ForbiddenError
from infra.runtime import Runtime
from query_api.courses import queries

API = "/api/v1"


@post(f"{API}/courses", status_code=HTTP_201_CREATED)
async def create_course(data: JSONBody[CreateCourse], request: Request,
                        runtime: NamedDependency[Runtime]) -> dict[str, Any]:
    if not request.user.is_staff:
        raise ForbiddenError("Only admin or support may create courses")
    course, position = await runtime.execute(
        runtime.app(CoursesApplication).create_course, data.title, data.description, data.price,
        data.is_free, data.start_date, data.tag_ids, actor=request.user.id)
    await runtime.wait_for_projections(position)
    listed = await queries.course(runtime, str(course.id))
    return {**(listed or queries.course_body(course)), "position": position}


router = [create_course]
