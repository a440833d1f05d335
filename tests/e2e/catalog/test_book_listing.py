"""GET books/ (CONTRACT §5.1): every filter and ordering, combined, paged; bad values → 400."""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture(scope="module")
def shelf(library):
    """Four books under one unique word, with known authors, tags and comment counts."""
    word = uuid.uuid4().hex[:8]
    le_guin, herbert = library.author("Le Guin"), library.author("Herbert")
    sea, sand = library.tag(), library.tag()
    books = {
        "b": library.book(f"B {word} Earthsea", le_guin, [sea]),
        "d": library.book(f"d {word} Dune", herbert, [sand]),
        "a": library.book(f"A {word} Lathe", le_guin, []),
        "c": library.book(f"C {word} Children of Dune", herbert, [sand, sea]),
    }
    for key, count in {"b": 3, "d": 1, "c": 2}.items():
        for n in range(count):
            library.comment(books[key], f"{key} {n}")
    return {"word": word, "books": books, "le_guin": le_guin, "herbert": herbert, "sea": sea, "sand": sand}


def keys(library, shelf, **params):
    ids = {b["id"]: k for k, b in shelf["books"].items()}
    answer = library.books(**{"title": shelf["word"], **params})
    return [ids[b["id"]] for b in answer["results"]]


@pytest.mark.parametrize(("ordering", "expected"), [
    ("comments_count", "adcb"), ("-comments_count", "bcda"), ("title", "abcd"), ("-title", "dcba"),
    ("created_at", "bdac"), ("-created_at", "cadb"), (None, "cadb"),
])
def test_every_ordering(library, shelf, ordering, expected):
    params = {"ordering": ordering} if ordering else {}
    assert "".join(keys(library, shelf, **params)) == expected


def test_each_filter_and_their_combinations(library, shelf):
    assert keys(library, shelf, ordering="title") == list("abcd")
    assert keys(library, shelf, title=shelf["word"].upper() + " dUNE", ordering="title") == ["d"]
    assert keys(library, shelf, author=shelf["herbert"]["id"], ordering="title") == ["c", "d"]
    assert keys(library, shelf, tags=shelf["sea"]["id"], ordering="title") == ["b", "c"]
    both = f"{shelf['sea']['id']},{shelf['sand']['id']}"
    assert keys(library, shelf, tags=both, ordering="title") == ["b", "c", "d"]
    assert keys(library, shelf, min_comments=2, ordering="-comments_count") == ["b", "c"]
    assert keys(library, shelf, min_comments=0, ordering="title") == list("abcd")
    assert keys(library, shelf, author=shelf["herbert"]["id"], tags=shelf["sea"]["id"]) == ["c"]
    assert keys(library, shelf, author=shelf["le_guin"]["id"], tags=both, min_comments=3) == ["b"]
    assert keys(library, shelf, author=shelf["le_guin"]["id"], min_comments=4) == []
    item = library.books(title=shelf["word"], tags=shelf["sand"]["id"], ordering="-comments_count")["results"][0]
    assert item["comments_count"] == 2 and item["author"]["name"] == "Herbert"
    assert {t["id"] for t in item["tags"]} == {shelf["sand"]["id"], shelf["sea"]["id"]}


def test_pages_count_and_link(library, shelf):
    first = library.books(title=shelf["word"], ordering="title", page_size=3)
    assert first["count"] == 4 and len(first["results"]) == 3 and first["previous"] is None
    assert "page=2" in first["next"] and f"title={shelf['word']}" in first["next"]
    second = library.books(title=shelf["word"], ordering="title", page_size=3, page=2)
    assert [b["title"][0] for b in second["results"]] == ["d"] and second["next"] is None
    assert library.books(title=shelf["word"], page=9)["results"] == []


def test_a_long_title_filter_matches_whole_and_one_past_255_characters_is_400(library):
    """`title` was cut to 200 characters: a 203-character title matched both books, 201 x's too."""
    prefix, author = "x" * 196 + uuid.uuid4().hex[:4], library.author()
    books = [library.book(prefix + end, author) for end in ("AAA", "BBB")]
    assert [b["id"] for b in library.books(title=prefix + "BBB")["results"]] == [books[1]["id"]]
    assert library.books(title=prefix + "x")["count"] == 0
    assert library.books(title=prefix + "B" * 55)["count"] == 0
    answer = library.get("/api/v1/books/", title=prefix + "B" * 56)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["details"] == {"title": ["must be at most 255 characters"]}


@pytest.mark.parametrize("params", [
    {"ordering": "price"}, {"ordering": "comments_count; drop table books"}, {"author": "12"},
    {"tags": "1,3"}, {"tags": f"{uuid.uuid4()},nope"}, {"min_comments": "many"},
    {"min_comments": "-1"}, {"page": "0"}, {"page_size": "x"},
])
def test_invalid_filters_are_400_in_the_envelope(library, params):
    answer = library.get("/api/v1/books/", **params)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "INVALID_PAYLOAD" and error["details"] and error["request_id"]


def test_listing_needs_a_token(stack):
    assert stack.client().get("/api/v1/books/").status_code == 401
