"""The `tessera` command refuses bad arguments with a usage error (exit 2), before starting
anything: a port over 65535 was taken modulo 65536 (70000 listened on 4464), and an unknown
projection name ended in a traceback."""
from __future__ import annotations

import pytest

from infra.cli import main


@pytest.mark.parametrize("argv, says", [
    (["serve", "--port", "70000"], "70000 is out of range (1-65535)"),
    (["serve", "--port", "0"], "0 is out of range (1-65535)"),
    (["serve", "--port", "http"], "not a whole number: 'http'"),
    (["serve", "--workers", "0"], "0 is out of range (at least 1)"),
    (["populate", "--books", "-1"], "-1 is out of range (at least 0)"),
    (["replay", "--jobs", "-2"], "-2 is out of range (at least 0)"),
])
def test_an_argument_out_of_range_is_a_usage_error(argv, says, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert says in capsys.readouterr().err


@pytest.mark.parametrize("command", ["replay", "verify"])
def test_an_unknown_projection_is_named_with_the_known_ones(command, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TESSERA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TESSERA_DATABASE_URL", raising=False)
    monkeypatch.delenv("TESSERA_KAFKA_BOOTSTRAP", raising=False)
    assert main([command, "--projection", "nope", "--projection", "users"]) == 2
    error = capsys.readouterr().err
    assert "unknown projection(s): nope; known: " in error and "users" in error


def test_populate_in_production_is_refused_unless_forced(tmp_path, monkeypatch, capsys):
    """Its users are confirmed and sign in with a password printed and in the source."""
    for name, value in {"TESSERA_ENV": "production", "TESSERA_SECRET_KEY": "s" * 40,
                        "TESSERA_APP_KEY": "app-key-0123456789", "TESSERA_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TESSERA_DATABASE_URL", raising=False)
    monkeypatch.delenv("TESSERA_KAFKA_BOOTSTRAP", raising=False)
    assert main(["populate", "--users", "1"]) == 2
    assert "--force" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing was opened, let alone written
