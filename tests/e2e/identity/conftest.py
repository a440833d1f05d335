"""A stack of identity's own in TESSERA_ENV=production, mailing over SMTP."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.servers import free_port
from tests.fixtures.stack import Stack, base_env, scratch_dir, serve_process, stop, wait_healthy


@pytest.fixture(scope="module")
def production_env_stack(smtp_server_session: Any) -> Iterator[Stack]:
    """Production settings (real secret, app key, SMTP) on the embedded engine.

    `start_embedded` pins TESSERA_ENV=dev, so this one starts `tessera serve` itself.
    """
    with scratch_dir("tessera-production-env-") as data_dir:
        yield from _production_env_stack(data_dir, smtp_server_session.url)


def _production_env_stack(data_dir: str, smtp_url: str) -> Iterator[Stack]:
    port = free_port()
    env = {**base_env(data_dir), "TESSERA_ENV": "production", "TESSERA_PASSWORD_HASHING": "recommended",
           "TESSERA_SECRET_KEY": "e2e-secret-" + "x" * 40, "TESSERA_APP_KEY": "e2e-app-key-0123456789",
           "TESSERA_SMTP_URL": smtp_url}
    log = Path(data_dir) / "serve.log"
    process = serve_process(["serve", "--host", "127.0.0.1", "--port", str(port)], env, log)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process, log)
        stack = Stack("embedded_production_env", f"http://127.0.0.1:{port}", env)
        stack.processes["serve"] = process
        yield stack
    finally:
        stop(process)
