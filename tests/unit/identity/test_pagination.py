"""query_api.pagination: page parameters, caps and links, through a tiny in-process app."""
from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, Request, get
from litestar.testing import TestClient

from infra.web.errors import handle_exception
from query_api.pagination import paginated, requested_page

ITEMS = list(range(45))


@get("/things", sync_to_thread=False)
def things(request: Request) -> dict[str, Any]:
    page = requested_page(request)
    return paginated(request, page, len(ITEMS), ITEMS[page.offset:page.offset + page.size])


@pytest.fixture(scope="module")
def http():
    with TestClient(Litestar([things], exception_handlers={Exception: handle_exception})) as client:
        yield client


def test_defaults_are_page_one_of_twenty(http):
    body = http.get("/things").json()
    assert body["count"] == 45 and body["results"] == list(range(20))
    assert body["previous"] is None
    assert body["next"] == "http://testserver.local/things?page=2&page_size=20"


def test_links_keep_other_parameters_and_stop_at_the_ends(http):
    body = http.get("/things", params={"search": "a b", "page": 3, "page_size": 20}).json()
    assert body["results"] == list(range(40, 45)) and body["next"] is None
    assert body["previous"] == "http://testserver.local/things?search=a+b&page=2&page_size=20"


def test_page_size_is_capped_at_100_and_pages_past_the_end_are_empty(http):
    body = http.get("/things", params={"page_size": 500}).json()
    assert len(body["results"]) == 45 and body["next"] is None
    past = http.get("/things", params={"page": 7, "page_size": 10}).json()
    assert past["results"] == [] and past["next"] is None
    assert past["previous"].endswith("page=5&page_size=10")


@pytest.mark.parametrize("page_size", ["1000000001", "10000000000", "99999999999999999999", "9" * 5000])
def test_page_size_of_any_size_is_capped_not_refused(http, page_size):
    """CONTRACT §1: larger values are capped. Above 10^9 they were 400."""
    answer = http.get("/things", params={"page_size": page_size})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["results"]) == 45 and body["next"] is None


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "x"}, {"page_size": "-1"},
                                    {"page_size": "1.5"}, {"page": "99999999999"}, {"page": "\uff13"},
                                    {"page_size": "+5"}, {"page": "1_0"}, {"page_size": "0"}])
def test_bad_values_are_400_in_the_envelope(http, params):
    answer = http.get("/things", params=params)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "INVALID_PAYLOAD" and set(error["details"]) == set(params)
