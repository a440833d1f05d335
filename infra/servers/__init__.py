"""Launchers for the real servers that tests and benchmarks run against.

There is no Docker here, so each server is started as a plain local process (Kafka from
Maven jars, Debian's PostgreSQL binaries, moto, aiosmtpd) on free loopback ports. Every
launcher registers itself for cleanup at interpreter exit, so a crashed test session does
not leave a JVM or a postmaster behind to eat the 2 cores of the next run.

The submodules are imported on demand (``from infra.servers.kafka_broker import
KafkaBroker``) so that production code importing this package pays for none of the test
dependencies (aiosmtpd, moto).
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_live: list[Callable[[], None]] = []


def free_port() -> int:
    """A port the kernel just handed out, so two launchers never pick the same one.

    The socket is closed before the server binds, which leaves a tiny race; on a test
    machine nothing else grabs loopback ports that fast.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float, what: str, interval=0.05):
    """Poll instead of sleeping a guessed amount: start-up times vary a lot on 2 cores."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(interval)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def register_cleanup(stop: Callable[[], None]) -> None:
    """Remember a stop function to run at exit if the owner never got to call it."""
    if stop not in _live:
        _live.append(stop)


def unregister_cleanup(stop: Callable[[], None]) -> None:
    if stop in _live:
        _live.remove(stop)


def make_run_dir(prefix: str) -> Path:
    """A temp dir stamped with our pid, so a later session can tell when its owner died."""
    run_dir = Path(tempfile.mkdtemp(prefix=prefix))
    (run_dir / "owner.pid").write_text(str(os.getpid()))
    return run_dir


def reap_orphans(prefix: str, stop: Callable[[Path], None]) -> None:
    """Stop servers left by sessions that were SIGKILLed (atexit never ran) and delete them.

    Dirs whose owner is still alive are left alone: other engineers and CI share this
    machine and may be running their own tests right now.
    """
    for run_dir in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        try:
            owner = int((run_dir / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if Path(f"/proc/{owner}").exists():
            continue
        try:
            stop(run_dir)
        except Exception:  # noqa: BLE001 - a half-dead orphan must not fail a new session
            pass
        shutil.rmtree(run_dir, ignore_errors=True)


@atexit.register
def _stop_everything() -> None:
    for stop in reversed(list(_live)):
        try:
            stop()
        except Exception:  # noqa: BLE001 - best effort at exit, keep stopping the rest
            pass
