"""Stacks for platform tests that need more than the shared `stack` fixture gives."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.stack import Stack, start_own_embedded

EMBEDDED_MODES = ["embedded", "embedded_pg"]
SHORT_WAIT_SECONDS = 0.5


@pytest.fixture(scope="session", params=EMBEDDED_MODES)
def all_in_one(request: pytest.FixtureRequest) -> Stack:
    """A stack whose one process runs every service, so its `/metrics` shows all of them."""
    return request.getfixturevalue(f"{request.param}_stack")


@pytest.fixture(scope="module", params=EMBEDDED_MODES)
def short_wait_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """A stack of its own whose `X-Min-Position` wait is short (TESSERA_MIN_POSITION_WAIT)."""
    yield from start_own_embedded(request, {"TESSERA_MIN_POSITION_WAIT": str(SHORT_WAIT_SECONDS)})
