"""Catalog reads side by side with the Django/DRF peer: one PostgreSQL, the same data size.

Tessera: `tessera populate` (timed), `tessera replay` of the whole log (timed), `tessera serve`,
then `../shared/bench/load.py` runs `books-list` (ordering=-comments_count, pages 1–10) and
`courses-filter`. The peer (`../shared/bench/peer_django`, its README's setup): a venv from its
`requirements.lock` (kept in .tessera/bench/peer-venv), `migrate`, its own `populate` with the
same sizes into another database of the same cluster, gunicorn with 2 sync workers, same load.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from infra.servers import free_port, wait_for
from tests.bench.serve import signed_up, tessera_serve
from tests.fixtures.stack import base_env

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "bench"
PEER, LOAD = SHARED / "peer_django", SHARED / "load.py"
PEER_VENV = Path(".tessera/bench/peer-venv")
SCENARIOS = ("courses-filter", "books-list")  # the peer's slow books-list last: it leaves a backlog


def sizes(books: int, comments: int) -> dict[str, int]:
    return {"users": 200, "authors": 1000, "tags": 50, "books": books, "comments": comments,
            "courses": 10_000, "products": 100}


def flags(counts: dict[str, int]) -> list[str]:
    return [part for name, n in counts.items() for part in (f"--{name}", str(n))]


def timed(args: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, str]:
    """Run a command to completion; its wall seconds and its stdout (stderr shown on failure)."""
    started = time.perf_counter()
    done = subprocess.run(args, check=False, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"{args[:3]} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return time.perf_counter() - started, done.stdout


def load(base_url: str, scenario: str, tokens: Path, seconds: float, concurrency: int) -> dict[str, Any]:
    _, out = timed([sys.executable, str(LOAD), "--base-url", base_url, scenario, "-c", str(concurrency),
                    "-d", str(seconds), "--tokens-file", str(tokens)], dict(os.environ))
    return json.loads(out.strip().splitlines()[-1])


def tessera(url: str, counts: dict[str, int], seconds: float, concurrency: int) -> list[dict[str, Any]]:
    env = base_env(tempfile.mkdtemp(prefix="tessera-bench-catalog-"), TESSERA_DATABASE_URL=url)
    cli = [sys.executable, "-m", "infra.cli"]
    populate_s, populated = timed([*cli, "populate", *flags(counts)], env)
    replay_s, replayed = timed([*cli, "replay"], env)
    events = json.loads(populated.strip().splitlines()[-1])["events"]
    rows = [{"scenario": "tessera populate (PG)", "seconds": round(populate_s, 1), "events": events,
             "per_s": round(events / populate_s), **counts},
            {"scenario": "tessera replay of it (all projections)", "seconds": round(replay_s, 1),
             "events": events, "per_s": round(events / replay_s), "replay": json.loads(replayed)}]
    with tessera_serve({"TESSERA_DATABASE_URL": url}) as served:
        tokens = Path(env["TESSERA_DATA_DIR"]) / "tokens.txt"
        tokens.write_text("".join(signed_up(served.base_url)["token"] + "\n" for _ in range(8)))
        rows += [loaded("tessera", scenario, load(served.base_url, scenario, tokens, seconds, concurrency))
                 for scenario in SCENARIOS]
    return rows


def peer_python() -> str:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(PEER / "requirements.lock")],
                       check=True)
    return str(python.absolute())


@contextmanager
def peer_serving(url: str, counts: dict[str, int]) -> Iterator[tuple[str, Path, float]]:
    """The peer migrated, populated (timed) and served by gunicorn: base URL, tokens, seconds."""
    python, db = peer_python(), urlparse(url)
    env = {**os.environ, "PGHOST": db.hostname or "", "PGPORT": str(db.port), "PGDATABASE": db.path[1:],
           "PGUSER": db.username or "", "PGPASSWORD": db.password or ""}
    tokens = Path(tempfile.mkdtemp(prefix="peer-django-")) / "tokens.txt"
    timed([python, "manage.py", "migrate", "-v", "0"], env, PEER)
    populate_s, _ = timed([python, "manage.py", "populate", *flags(counts), "--tokens-file", str(tokens),
                           "--admin-token-file", str(tokens.with_name("admin.txt"))], env, PEER)
    port = free_port()
    gunicorn = subprocess.Popen([str(Path(python).with_name("gunicorn")), "peer.wsgi:application",
                                 "--workers", "2", "--bind", f"127.0.0.1:{port}"], cwd=PEER, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base_url, tokens), 60, "the peer to serve")
        yield base_url, tokens, populate_s
    finally:
        gunicorn.terminate()
        gunicorn.wait(15)


def _answers(base_url: str, tokens: Path) -> bool:
    token = tokens.read_text().split()[0]
    try:
        return httpx.get(f"{base_url}/api/v1/tags/", headers={"Authorization": f"Bearer {token}"},
                         timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def peer(url: str, counts: dict[str, int], seconds: float, concurrency: int) -> list[dict[str, Any]]:
    """The peer's rows. Requests its clients gave up on keep its 2 workers busy after a run, so
    each run starts once it answers again."""
    rows = []
    with peer_serving(url, counts) as (base_url, tokens, populate_s):
        rows.append({"scenario": "peer_django populate (bulk_create, PG)", "seconds": round(populate_s, 1)})
        for scenario in SCENARIOS:
            wait_for(lambda: _answers(base_url, tokens), 600, "the peer to answer again")
            rows.append(loaded("peer_django", scenario, load(base_url, scenario, tokens, seconds, concurrency)))
    return rows


def loaded(system: str, scenario: str, result: dict[str, Any]) -> dict[str, Any]:
    latency = result.get("latency_ms") or {}
    return {"scenario": f"{scenario}: {system}", "per_s": result["ok_rps"], "p50_ms": latency.get("p50"),
            "p99_ms": latency.get("p99"), "load": result}


def compared(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_name = {row["scenario"]: row for row in rows}
    ratios = []
    for scenario in SCENARIOS:
        ours, theirs = by_name[f"{scenario}: tessera"], by_name[f"{scenario}: peer_django"]
        ratios.append({"scenario": f"{scenario}: tessera / peer", "ratio_to_peer":
                       round(ours["per_s"] / theirs["per_s"], 1) if theirs["per_s"] else None,
                       "p99_lower": (ours["p99_ms"] or 0) < (theirs["p99_ms"] or float("inf"))})
    return ratios


def run(cluster: Any, books: int = 100_000, comments: int = 1_000_000, seconds: float = 15.0,
        concurrency: int = 32) -> list[dict[str, Any]]:
    counts = sizes(books, comments)
    rows = tessera(cluster.create_database(), counts, seconds, concurrency)
    print(json.dumps(rows), flush=True)  # kept in the log even if the peer's half fails
    rows += peer(cluster.create_database(), counts, seconds, concurrency)
    return rows + compared(rows)
