"""Creating courses (CONTRACT §5.2): admin/support only; prices, dates and tags checked."""
from __future__ import annotations

import uuid


def test_staff_create_a_course_shown_with_its_tags(stack, school):
    tag = school.tag()
    course = school.course(title="  Python for Beginners ", description="Start here", price="19.9",
                           start_date="2025-09-01", tag_ids=[tag["id"]])
    assert course["title"] == "Python for Beginners" and course["price"] == "19.90"
    assert course["is_free"] is False and course["start_date"] == "2025-09-01"
    assert course["tags"] == [{"id": tag["id"], "name": tag["name"]}] and isinstance(course["position"], int)
    shown = school.get(f"/api/v1/courses/{course['id']}/")
    assert shown.status_code == 200 and shown.json() == {k: v for k, v in course.items() if k != "position"}
    assert school.get(f"/api/v1/courses/{uuid.uuid4()}/").status_code == 404


def test_support_may_create_courses_and_users_may_not(stack, school):
    support = stack.new_user()
    with stack.client(school.admin) as http:
        assert http.patch(f"/api/v1/users/{support['user']['id']}/access_level/",
                          json={"access_level": "support"}).status_code == 200
    token = stack.login(support["user"]["email"], "password-123")["token"]
    assert school.create(token, title="By support").status_code == 201
    refused = school.create(school.user, title="By a user")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "FORBIDDEN"


def test_invalid_courses_are_refused_with_details(school):
    cases = [
        ({"price": "-1"}, "price"), ({"price": "1.999"}, "price"),
        ({"is_free": True, "price": "5.00"}, "price"), ({"price": "0"}, "price"),
        ({"start_date": "2025-13-01"}, None), ({"title": ""}, None),
        ({"tag_ids": [str(uuid.uuid4())]}, "tag_ids"), ({"tag_ids": ["x"]}, None),
    ]
    for fields, detail in cases:
        answer = school.create(**fields)
        assert answer.status_code == 400, (fields, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "INVALID_PAYLOAD" and (detail is None or detail in error["details"]), fields
    free = school.course(is_free=True, price="0")
    assert free["is_free"] is True and free["price"] == "0.00"
