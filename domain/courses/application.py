"""Courses commands. Tags belong to the catalog: a tag id is known when the store holds a
catalog aggregate of kind `Tag` under it (checked by kind, not by importing the catalog)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.application import ContextApplication
from domain.courses.course import Course
from domain.courses.errors import UnknownTagsError


class CoursesApplication(ContextApplication):
    def create_course(self, title: str, description: str, price: Decimal, is_free: bool,
                      start_date: date, tag_ids: list[UUID]) -> Course:
        course = Course.plan(title, description, price, is_free, start_date, tag_ids)
        missing = [str(tag_id) for tag_id in course.tag_ids if not self._is_tag(tag_id)]
        if missing:
            raise UnknownTagsError(missing)
        self.save(course)
        return course

    def _is_tag(self, tag_id: UUID) -> bool:
        """Read from the id's first event (`kind_of`), not by loading the whole tag."""
        return self.kind_of(tag_id) == "Tag"
