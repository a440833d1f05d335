"""Strict parsing of list filters: what each accepts, and that anything else is a 400."""
from __future__ import annotations

from decimal import ROUND_FLOOR
from uuid import uuid4

import pytest

from infra.web.errors import ApiError
from query_api.filters import boolean, cents, choice, contains_pattern, day, integer, uuid_list


def test_values_are_normalised():
    a, b = uuid4(), uuid4()
    assert uuid_list({"tags": f" {a},{b},{a}, "}, "tags") == [str(a), str(b)]
    assert cents({"p": "19.9"}, "p") == 1990 and cents({"p": "0.001"}, "p") == 1
    assert cents({"p": "0.009"}, "p", ROUND_FLOOR) == 0 and cents({}, "p") is None
    assert day({"d": "2025-02-28"}, "d") == "2025-02-28" and integer({"n": "7"}, "n") == 7
    assert boolean({"b": "TRUE"}, "b") is True and boolean({"b": "0"}, "b") is False
    assert contains_pattern("50%_off\\") == "%50\\%\\_off\\\\%"
    assert choice({}, "ordering", {"title": "", "-title": ""}, "-title") == "-title"


@pytest.mark.parametrize(("parse", "raw"), [
    (lambda v: uuid_list({"x": v}, "x"), "1,2"), (lambda v: cents({"x": v}, "x"), "-1"),
    (lambda v: cents({"x": v}, "x"), "Infinity"), (lambda v: day({"x": v}, "x"), "2025-2-1"),
    (lambda v: day({"x": v}, "x"), "2025-02-30"), (lambda v: integer({"x": v}, "x"), "1.5"),
    (lambda v: boolean({"x": v}, "x"), "nope"), (lambda v: choice({"x": v}, "x", {"a": ""}, "a"), "b"),
])
def test_anything_else_is_invalid_payload(parse, raw):
    with pytest.raises(ApiError) as refused:
        parse(raw)
    assert refused.value.status == 400 and refused.value.code == "INVALID_PAYLOAD" and "x" in refused.value.details
