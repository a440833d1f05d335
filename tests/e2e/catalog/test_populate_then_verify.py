"""`tessera populate` writes through the domain; a replay of its log rebuilds identical read models."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.fixtures.stack import base_env

SIZES = ["--users", "6", "--authors", "7", "--tags", "9", "--books", "60", "--comments", "700",
         "--courses", "25", "--products", "4"]


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_env(request, tmp_path):
    extra = {"TESSERA_DATABASE_URL": request.getfixturevalue("fresh_database_url")} \
        if request.param == "postgres" else {}
    return base_env(str(tmp_path), **extra)


def test_populate_then_verify_finds_no_difference(fresh_env):
    populated = cli(fresh_env, "populate", *SIZES)
    assert populated.returncode == 0, populated.stderr[-3000:]
    summary = json.loads(populated.stdout.strip().splitlines()[-1])
    # 6 users (+ email claims), 7 authors, 9 tags, 60 books, 700 comments, 25 courses, 4 products
    assert summary["events"] == 6 * 2 + 7 + 9 + 60 + 700 + 25 + 4
    assert set(summary["phases"]) >= {"users", "books", "comments", "courses", "read models after writing"}
    again = cli(fresh_env, "populate", *SIZES)
    assert again.returncode == 0, again.stderr[-3000:]  # tags are reused, emails are fresh
    verified = cli(fresh_env, "verify")
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    result = json.loads(verified.stdout.strip().splitlines()[-1])
    assert result["differences"] == {} and result["position"] == json.loads(
        again.stdout.strip().splitlines()[-1])["events"]
