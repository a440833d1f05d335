"""Courses: created by staff; a free course costs nothing and a paid one something."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import Aggregate
from domain.courses.errors import InvalidCoursePriceError

CENT = Decimal("0.01")
MAX_PRICE = Decimal("1000000.00")


def course_price(price: Decimal, is_free: bool) -> Decimal:
    """The price as stored (two decimals); free courses cost 0, paid ones more than 0."""
    try:
        exact = price.quantize(CENT)
    except InvalidOperation:
        raise InvalidCoursePriceError("must be a number with at most 2 decimal places") from None
    if exact != price or not Decimal(0) <= exact <= MAX_PRICE:
        raise InvalidCoursePriceError("must be between 0 and 1000000 with at most 2 decimal places")
    if is_free and exact != 0:
        raise InvalidCoursePriceError("must be 0 for a free course")
    if not is_free and exact == 0:
        raise InvalidCoursePriceError("must be above 0 unless the course is free")
    return exact


class Course(Aggregate):
    @event("CourseCreated")
    def __init__(self, title: str, description: str, price: Decimal, is_free: bool,
                 start_date: date, tag_ids: list[UUID]) -> None:
        self.title = title
        self.description = description
        self.price = price
        self.is_free = is_free
        self.start_date = start_date
        self.tag_ids = tag_ids

    @classmethod
    def plan(cls, title: str, description: str, price: Decimal, is_free: bool, start_date: date,
             tag_ids: list[UUID]) -> Course:
        return cls(title.strip(), description.strip(), course_price(price, is_free), is_free,
                   start_date, list(dict.fromkeys(tag_ids)))
