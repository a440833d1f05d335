"""An identity application over an in-memory event store, for rules that span aggregates."""
from __future__ import annotations

import pytest
from eventsourcing.popo import POPOApplicationRecorder

from domain.identity.application import IdentityApplication
from infra.eventstore import MsgspecMapper


@pytest.fixture
def identity() -> IdentityApplication:
    return IdentityApplication(POPOApplicationRecorder(), MsgspecMapper())


def plain_text_verify(stored: str, given: str) -> bool:
    return stored == f"hash:{given}"
