"""`tessera health relay|projector|worker`: exit 0 while the named process is beating.

Workers have no HTTP port to probe, so each touches a heartbeat file every second or so;
the check passes when the file was touched recently. The file name carries the host name,
so replicas sharing a data volume (one container each) never vouch for one another.
"""
from __future__ import annotations

import socket
import sys
import time
from pathlib import Path
from typing import Any

from infra.config import Settings

MAX_AGE_SECONDS = 15.0


def heartbeat_path(settings: Settings, service: str) -> Path:
    return Path(settings.data_dir) / "heartbeats" / f"{service}-{socket.gethostname()}"


class Heartbeat:
    """Touches the service's heartbeat file at most once per `interval` seconds."""

    def __init__(self, settings: Settings, service: str, interval: float = 1.0) -> None:
        self.path = heartbeat_path(settings, service)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.interval = interval
        self._last = 0.0

    def beat(self) -> None:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self.path.touch()
            self._last = now


def age_seconds(settings: Settings, service: str) -> float | None:
    try:
        return time.time() - heartbeat_path(settings, service).stat().st_mtime
    except FileNotFoundError:
        return None


def run(settings: Settings, args: Any) -> int:
    age = age_seconds(settings, args.service)
    if age is None or age > MAX_AGE_SECONDS:
        seen = "never" if age is None else f"{age:.0f}s ago"
        print(f"{args.service}: unhealthy (last heartbeat {seen})", file=sys.stderr)
        return 1
    print(f"{args.service}: ok (heartbeat {age:.1f}s ago)")
    return 0
