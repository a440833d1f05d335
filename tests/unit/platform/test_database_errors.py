"""Which database errors the edge answers with 503 UPSTREAM_ERROR (retry) and which stay 500."""
from __future__ import annotations

import psycopg
import pytest
from eventsourcing.persistence import OperationalError as StoreOperationalError
from eventsourcing.persistence import ProgrammingError as StoreProgrammingError
from psycopg_pool import PoolTimeout

from infra.web.errors import to_api_error


def wrapped(error: Exception, wrapper: type[Exception]) -> Exception:
    """`error` raised again as `wrapper`, the way `eventsourcing` wraps psycopg's errors."""
    try:
        try:
            raise error
        except Exception as cause:
            raise wrapper(str(cause)) from cause
    except wrapper as outer:
        return outer


@pytest.mark.parametrize("error", [
    psycopg.OperationalError("connection refused"),
    psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
    PoolTimeout("couldn't get a connection after 30.00 sec"),
    wrapped(psycopg.OperationalError("server closed the connection unexpectedly"), StoreOperationalError),
])
def test_an_unreachable_or_restarting_database_is_503_upstream_error_to_retry(error):
    answer = to_api_error(error)
    assert (answer.status, answer.code, answer.headers) == (503, "UPSTREAM_ERROR", {"Retry-After": "1"})


@pytest.mark.parametrize("error", [
    psycopg.ProgrammingError("syntax error at or near"),
    psycopg.DataError("value too long"),
    wrapped(psycopg.ProgrammingError("relation does not exist"), StoreProgrammingError),
    StoreOperationalError("no cause to tell what failed"),
])
def test_a_broken_query_stays_a_500(error):
    assert (to_api_error(error).status, to_api_error(error).code) == (500, "INTERNAL_ERROR")


def failing_app(error: Exception):
    from litestar import get
    from litestar.testing import create_test_client

    from infra.web.errors import handle_exception

    @get("/fails")
    async def fails() -> None:
        raise error

    return create_test_client([fails], exception_handlers={Exception: handle_exception}, logging_config=None)


def test_an_unreachable_database_is_logged_as_one_warning_line_not_a_traceback_per_request(caplog):
    """During an outage every request fails alike: a traceback each would bury the log."""
    with failing_app(psycopg.errors.AdminShutdown("terminating connection")) as client:
        assert client.get("/fails").status_code == 503
    (record,) = [r for r in caplog.records if r.name == "tessera.errors"]
    assert (record.levelname, record.exc_info) == ("WARNING", None)
    assert record.getMessage() == "database unavailable on GET /fails: AdminShutdown: terminating connection"


def test_an_unexpected_error_is_logged_with_its_traceback(caplog):
    with failing_app(psycopg.ProgrammingError("syntax error")) as client:
        assert client.get("/fails").status_code == 500
    (record,) = [r for r in caplog.records if r.name == "tessera.errors"]
    assert record.levelname == "ERROR" and record.exc_info is not None
