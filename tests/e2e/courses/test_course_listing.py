"""GET courses/ (CONTRACT §5.2): every filter and ordering, combined, paged; bad values → 400."""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture(scope="module")
def term(school):
    """Four courses under one unique word: (key, price, free, start date, tags)."""
    word = uuid.uuid4().hex[:8]
    red, blue = school.tag(), school.tag()
    specs = [("b", "50.00", False, "2025-03-01", [red]), ("a", "0", True, "2025-07-15", [blue]),
             ("d", "120.00", False, "2026-01-10", [red, blue]), ("c", "9.99", False, "2025-07-15", [])]
    ids = {}
    for key, price, free, start, tags in specs:
        course = school.course(title=f"{key.upper()} {word} course", price=price, is_free=free,
                               start_date=start, tag_ids=[t["id"] for t in tags])
        ids[course["id"]] = key
    return {"word": word, "ids": ids, "red": red["id"], "blue": blue["id"]}


def keys(school, term, **params):
    answer = school.get("/api/v1/courses/", **{"title": term["word"], **params})
    assert answer.status_code == 200, answer.text
    return "".join(term["ids"][c["id"]] for c in answer.json()["results"])


@pytest.mark.parametrize(("ordering", "expected"), [
    ("price", "acbd"), ("-price", "dbca"), ("start_date", "bacd"), ("-start_date", "dcab"),
    ("created_at", "badc"), ("-created_at", "cdab"), ("title", "abcd"), (None, "cdab"),
])
def test_every_ordering(school, term, ordering, expected):
    assert keys(school, term, **({"ordering": ordering} if ordering else {})) == expected


def test_each_filter_and_their_combinations(school, term):
    assert keys(school, term, title=f"{term['word'].upper()} COURSE", ordering="title") == "abcd"
    assert keys(school, term, price_min="9.99", price_max="50", ordering="price") == "cb"
    assert keys(school, term, price_min="10", ordering="price") == "bd"
    assert keys(school, term, price_max="0", ordering="price") == "a"
    assert keys(school, term, price_min="60", price_max="10") == ""
    # 1e-9999999999 × 100 underflowed to 0 cents, and price_min took in the free course.
    assert keys(school, term, price_min="1e-9999999999", ordering="price") == "cbd"
    assert keys(school, term, price_max="1e-9999999999", ordering="price") == "a"
    assert keys(school, term, start_date_from="2025-07-15", ordering="start_date") == "acd"
    assert keys(school, term, start_date_to="2025-07-15", ordering="start_date") == "bac"
    assert keys(school, term, start_date_from="2025-04-01", start_date_to="2025-12-31",
                ordering="title") == "ac"
    assert keys(school, term, tags=term["red"], ordering="title") == "bd"
    assert keys(school, term, tags=f"{term['red']},{term['blue']}", ordering="title") == "abd"
    assert keys(school, term, is_free="true") == "a"
    assert keys(school, term, is_free="false", ordering="price") == "cbd"
    assert keys(school, term, tags=term["blue"], is_free="false", price_max="200",
                start_date_from="2025-03-01", ordering="price") == "d"


def test_pages(school, term):
    first = school.get("/api/v1/courses/", title=term["word"], ordering="price", page_size=3).json()
    assert first["count"] == 4 and len(first["results"]) == 3 and "page=2" in first["next"]
    second = school.get("/api/v1/courses/", title=term["word"], ordering="price", page_size=3, page=2).json()
    assert [term["ids"][c["id"]] for c in second["results"]] == ["d"] and second["next"] is None


@pytest.mark.parametrize("params", [
    {"price_min": "cheap"}, {"price_max": "-5"}, {"price_min": "NaN"}, {"start_date_from": "2025-02-30"},
    {"start_date_to": "yesterday"}, {"start_date_from": "2025-1-1"}, {"tags": "1,3"},
    {"is_free": "maybe"}, {"ordering": "-title"}, {"ordering": "rating"}, {"page_size": "0"},
    {"title": "x" * 256}, {"price_min": "1_0"}, {"price_max": "\uff11\uff10"},
])
def test_invalid_filter_values_are_400_in_the_envelope(school, params):
    answer = school.get("/api/v1/courses/", **params)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "INVALID_PAYLOAD" and error["details"]
