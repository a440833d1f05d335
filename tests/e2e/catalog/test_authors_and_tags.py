"""Authors and tags (CONTRACT §5.1): who may create them, uniqueness, paginated lists."""
from __future__ import annotations

import uuid


def test_any_user_adds_authors_and_lists_them(stack, library):
    name = f"Ursula {uuid.uuid4().hex[:8]}"
    with stack.client(library.user) as http:
        answer = http.post("/api/v1/authors/", json={"name": f"  {name} "})
        blank = http.post("/api/v1/authors/", json={"name": "   "})
    assert answer.status_code == 201, answer.text
    author = answer.json()
    assert author["name"] == name and isinstance(author["position"], int)
    assert blank.status_code == 400 and blank.json()["error"]["code"] == "INVALID_PAYLOAD"
    library.last_position = author["position"]
    listed = library.get("/api/v1/authors/", search=name.upper()).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == author["id"]
    assert stack.client().post("/api/v1/authors/", json={"name": "x"}).status_code == 401


def test_only_staff_create_tags_and_names_are_unique_whatever_the_case(stack, library):
    name = f"Sci-Fi-{uuid.uuid4().hex[:8]}"
    with stack.client(library.user) as http:
        refused = http.post("/api/v1/tags/", json={"name": name})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "FORBIDDEN"
    tag = library.tag(name)
    with stack.client(library.admin) as http:
        again = http.post("/api/v1/tags/", json={"name": name.lower()})
    assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT"
    listed = library.get("/api/v1/tags/", page_size=100, search=name).json()
    assert [t["name"] for t in listed["results"]] == [name] and listed["results"][0]["id"] == tag["id"]


def test_author_and_tag_lists_page(library):
    prefix = uuid.uuid4().hex[:8]
    made = [library.author(f"{prefix} writer {n}")["id"] for n in range(3)]
    first = library.get("/api/v1/authors/", search=prefix, page_size=2).json()
    second = library.get("/api/v1/authors/", search=prefix, page_size=2, page=2).json()
    assert first["count"] == 3 and first["next"] and first["previous"] is None
    assert [a["id"] for a in first["results"] + second["results"]] == made
