"""Which JSON texts decode to a string holding U+0000, the one text PostgreSQL cannot store."""
from __future__ import annotations

import json

import msgspec
import pytest

from infra.web.nul_characters import json_has_nul


@pytest.mark.parametrize("value", ["\x00", "a\x00b", "\\\x00", "\\\\\x00", "x" * 70_000 + "\x00"])
def test_a_string_holding_u0000_is_found(value):
    body = json.dumps({"name": value}).encode()
    assert "\x00" in msgspec.json.decode(body)["name"]
    assert json_has_nul(body)


@pytest.mark.parametrize("value", ["", "plain", "\\u0000", "\\\\u0000", "u0000", "\\x00", "\u0100"])
def test_text_that_only_looks_like_u0000_is_ordinary(value):
    body = json.dumps({"name": value}).encode()
    assert "\x00" not in msgspec.json.decode(body)["name"]
    assert not json_has_nul(body)


def test_a_key_holding_u0000_is_found_too():
    assert json_has_nul(json.dumps({"na\x00me": 1}).encode())
