"""Which JSON texts the edge refuses before decoding: strings holding U+0000 (the one text
PostgreSQL cannot store) and nesting deeper than MAX_NESTING."""
from __future__ import annotations

import json
import time

import msgspec
import pytest

from infra.web.input_checks import MAX_NESTING, json_has_nul, json_too_deep


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


def nested(levels: int) -> bytes:
    return b'{"a": [' * levels + b"1" + b"]}" * levels


@pytest.mark.parametrize("body", [nested(MAX_NESTING // 2), b"[" * MAX_NESTING + b"]" * MAX_NESTING,
                                  json.dumps([{"n": n} for n in range(5000)]).encode(),
                                  json.dumps({"text": "[" * 500 + "{" * 500}).encode(),
                                  json.dumps({"text": "\\\"" + "[" * 500}).encode()])
def test_shallow_json_passes_however_many_brackets_it_holds(body):
    msgspec.json.decode(body)
    assert not json_too_deep(body)


@pytest.mark.parametrize("body", [b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1), b"[" * 1_000_000,
                                  nested(MAX_NESTING), b'{"t": "]]]", "a":' + b"[" * 200])
def test_json_nested_too_deep_is_found_even_unfinished(body):
    assert json_too_deep(body)


@pytest.mark.parametrize("tail", [b'"' + b'\\"' * 200_000, b'"' + b'\\"' * 200_000 + b"\\",
                                  b'"\\\n' * 200_000])
def test_unfinished_strings_are_scanned_in_linear_time(tail):
    """Bodies of 400-600 kB that took minutes when each quote of an unfinished string
    started a failing match; they take a few ms now, a second is far from either."""
    body = b"[" * (MAX_NESTING + 1) + tail
    started = time.perf_counter()
    json_too_deep(body)
    assert time.perf_counter() - started < 1.0
