"""Books and comments (CONTRACT §5.1): creation, staff-only changes, deletion, comment counts."""
from __future__ import annotations

import uuid


def test_a_user_adds_a_book_shown_with_author_tags_and_no_comments(stack, library):
    author, tag = library.author("Octavia Butler"), library.tag()
    book = library.book("Kindred", author, [tag, tag])
    assert book["title"] == "Kindred" and book["comments_count"] == 0
    assert book["author"] == {"id": author["id"], "name": "Octavia Butler"}
    assert book["tags"] == [{"id": tag["id"], "name": tag["name"]}]
    assert book["created_at"].endswith("Z") and isinstance(book["position"], int)
    shown = library.get(f"/api/v1/books/{book['id']}/").json()
    assert shown == {k: v for k, v in book.items() if k != "position"}


def test_books_must_name_an_existing_author_and_tags(stack, library):
    author = library.author()
    with stack.client(library.user) as http:
        no_author = http.post("/api/v1/books/", json={"title": "X", "author_id": str(uuid.uuid4())})
        no_tag = http.post("/api/v1/books/", json={"title": "X", "author_id": author["id"],
                                                    "tag_ids": [str(uuid.uuid4())]})
        not_uuid = http.post("/api/v1/books/", json={"title": "X", "author_id": "1"})
        no_title = http.post("/api/v1/books/", json={"title": "", "author_id": author["id"]})
    for answer, field in ((no_author, "author_id"), (no_tag, "tag_ids")):
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "INVALID_PAYLOAD" and field in answer.json()["error"]["details"]
    assert not_uuid.status_code == no_title.status_code == 400


def test_only_staff_change_or_delete_books(stack, library):
    author, other, tag = library.author(), library.author("Other Writer"), library.tag()
    book = library.book("Draft title", author)
    support = stack.new_user()
    with stack.client(library.admin) as http:
        assert http.patch(f"/api/v1/users/{support['user']['id']}/access_level/",
                          json={"access_level": "support"}).status_code == 200
    with stack.client(library.user) as http:
        assert http.patch(f"/api/v1/books/{book['id']}/", json={"title": "Mine"}).status_code == 403
        assert http.delete(f"/api/v1/books/{book['id']}/").status_code == 403
    support_token = stack.login(support["user"]["email"], "password-123")["token"]
    with stack.client(support_token) as http:
        changed = http.patch(f"/api/v1/books/{book['id']}/",
                             json={"title": "Final title", "author_id": other["id"], "tag_ids": [tag["id"]]})
        missing = http.patch(f"/api/v1/books/{uuid.uuid4()}/", json={"title": "x"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["title"] == "Final title" and body["author"] == {"id": other["id"], "name": "Other Writer"}
    assert body["tags"] == [{"id": tag["id"], "name": tag["name"]}] and missing.status_code == 404
    library.last_position = body["position"]
    assert [b["id"] for b in library.books(tags=tag["id"])["results"]] == [book["id"]]


def test_a_deleted_book_is_hidden_and_takes_no_comments(stack, library):
    author, tag = library.author(), library.tag()
    book = library.book("Soon gone", author, [tag])
    library.comment(book)
    with stack.client(library.admin) as http:
        assert http.delete(f"/api/v1/books/{book['id']}/").status_code == 204
        assert http.delete(f"/api/v1/books/{book['id']}/").status_code == 404
        assert http.patch(f"/api/v1/books/{book['id']}/", json={"title": "x"}).status_code == 404
    assert library.get(f"/api/v1/books/{book['id']}/").status_code == 404
    assert library.get(f"/api/v1/books/{book['id']}/comments/").status_code == 404
    assert library.books(author=author["id"])["count"] == 0
    assert library.books(tags=tag["id"])["count"] == 0
    with stack.client(library.user) as http:
        late = http.post(f"/api/v1/books/{book['id']}/comments/", json={"text": "too late"})
    assert late.status_code == 404 and late.json()["error"]["code"] == "NOT_FOUND"


def test_comments_are_counted_by_the_projection_and_listed_newest_first(stack, library):
    book = library.book("Much discussed", library.author())
    readers = [library.user, stack.new_user()["token"]]
    texts = [f"comment {n}" for n in range(5)]
    made = [library.comment(book, text, readers[n % 2]) for n, text in enumerate(texts)]
    assert made[0]["book_id"] == book["id"] and made[0]["text"] == "comment 0"
    assert library.get(f"/api/v1/books/{book['id']}/").json()["comments_count"] == 5
    page = library.get(f"/api/v1/books/{book['id']}/comments/", page_size=3).json()
    assert page["count"] == 5 and [c["text"] for c in page["results"]] == texts[::-1][:3]
    assert page["results"][0]["user_id"] == made[-1]["user_id"] and page["next"]
    assert library.get(f"/api/v1/books/{uuid.uuid4()}/comments/").status_code == 404
    with stack.client(library.user) as http:
        empty = http.post(f"/api/v1/books/{book['id']}/comments/", json={"text": " "})
        unknown = http.post(f"/api/v1/books/{uuid.uuid4()}/comments/", json={"text": "hi"})
    assert empty.status_code == 400 and unknown.status_code == 404
