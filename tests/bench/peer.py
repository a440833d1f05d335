"""The Django/DRF peer (`../shared/bench/peer_django/`) set up and served on the bench's cluster.

The peer's folder is read-only, so its virtualenv, token files and logs live under
`.tessera/bench/`. It gets its own database on the same PostgreSQL cluster as Tessera, is
populated by its own `manage.py populate`, and served as its README says: gunicorn, 2 sync
workers. Every system is driven by the same `../shared/bench/load.py`, run by this venv's Python.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from infra.servers import free_port

SHARED = Path(__file__).resolve().parents[3] / "shared" / "bench"
PEER_DJANGO = SHARED / "peer_django"
LOAD_PY = SHARED / "load.py"
WORK = Path(".tessera/bench")


def peer_venv(peer: Path = PEER_DJANGO) -> Path:
    """A virtualenv with the peer's locked requirements, rebuilt only when the lock changes."""
    lock = (peer / "requirements.lock").read_bytes()
    venv = WORK / f"venv-{peer.name}-{hashlib.sha256(lock).hexdigest()[:10]}"
    python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(peer / "requirements.lock")],
                       check=True)
        (venv / ".complete").touch()
    return python.absolute()


@dataclass
class ServedPeer:
    base_url: str
    tokens_file: Path
    admin_token_file: Path
    pids: list[int]

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total


def peer_env(database_url: str) -> dict[str, str]:
    url = urlsplit(database_url)
    return {**os.environ, "PGHOST": url.hostname or "127.0.0.1", "PGPORT": str(url.port or 5432),
            "PGDATABASE": url.path.lstrip("/"), "PGUSER": url.username or "",
            "PGPASSWORD": url.password or "", "PYTHONDONTWRITEBYTECODE": "1"}


def populate_peer(database_url: str, sizes: dict[str, int]) -> tuple[Path, Path, float]:
    """Migrate and populate the peer's database; the token files and the populate seconds."""
    python, env = peer_venv(), peer_env(database_url)
    tokens, admin = WORK / "peer-tokens.txt", WORK / "peer-tokens-admin.txt"
    subprocess.run([str(python), "manage.py", "migrate", "-v", "0"], cwd=PEER_DJANGO, env=env, check=True)
    options = [f"--{name}={value}" for name, value in sizes.items()]
    started = time.perf_counter()
    subprocess.run([str(python), "manage.py", "populate", *options, f"--tokens-file={tokens.resolve()}",
                    f"--admin-token-file={admin.resolve()}"], cwd=PEER_DJANGO, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return tokens, admin, time.perf_counter() - started


@contextmanager
def served_peer(database_url: str, sizes: dict[str, int], workers: int = 2) -> Iterator[ServedPeer]:
    """The peer populated with `sizes` and served by gunicorn with `workers` sync workers."""
    tokens, admin, _ = populate_peer(database_url, sizes)
    port, log = free_port(), (WORK / "peer-gunicorn.log").open("ab")
    gunicorn = peer_venv().parent / "gunicorn"
    process = subprocess.Popen([str(gunicorn), "peer.wsgi:application", "--workers", str(workers),
                                "--bind", f"127.0.0.1:{port}"], cwd=PEER_DJANGO,
                               env=peer_env(database_url), stdout=log, stderr=log, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_answering(f"{base_url}/api/v1/tags/", process)
        children = _children(process.pid)
        yield ServedPeer(base_url, tokens, admin, [process.pid, *children])
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def _wait_answering(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"peer exited with {process.returncode}; see {WORK / 'peer-gunicorn.log'}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"peer did not answer {url}")


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in found.read_text().split()] if found.exists() else []


def run_load(base_url: str, scenario: str, *options: str, seconds: float = 20,
             concurrency: int = 32) -> dict[str, Any]:
    """One `load.py` run; its JSON summary line."""
    done = subprocess.run([str(peer_venv()), str(LOAD_PY), "--base-url", base_url, scenario,
                           "-c", str(concurrency), "-d", str(seconds), *options],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load.py {scenario} failed: {done.stderr[-2000:]}")
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary
