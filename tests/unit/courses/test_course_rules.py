"""Course price rules, without servers."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.courses.course import Course
from domain.courses.errors import InvalidCoursePriceError


def plan(price: str, is_free: bool) -> Course:
    return Course.plan(" Rust ", " Fast ", Decimal(price), is_free, date(2025, 1, 1), [])


def test_prices_are_kept_to_the_cent_and_titles_trimmed():
    course = plan("19.9", False)
    assert course.price == Decimal("19.90") and str(course.price) == "19.90"
    assert (course.title, course.description) == ("Rust", "Fast")
    assert plan("0", True).price == Decimal("0.00")


@pytest.mark.parametrize(("price", "is_free"), [
    ("-1", False), ("0.001", False), ("1000000.01", False), ("5", True), ("0", False), ("NaN", False),
])
def test_impossible_prices_are_refused(price, is_free):
    with pytest.raises(InvalidCoursePriceError):
        plan(price, is_free)
