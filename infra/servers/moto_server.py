"""moto's standalone server: S3 and SQS over real HTTP on a free loopback port.

The app talks to object storage and queues through boto3 with an `endpoint_url`, exactly as
it would in production, so tests run moto as a separate process instead of moto's in-process
`mock_aws` patching: the code under test (often in another process) sees a real endpoint.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

from infra.servers import free_port, register_cleanup, unregister_cleanup, wait_for


class MotoServer:
    """`.endpoint_url` for boto3; use any dummy credentials and region us-east-1."""

    def __init__(self, *, startup_timeout: float = 30.0):
        self.port = free_port()
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _answers(self) -> bool:
        if self._proc.poll() is not None:
            self._log.seek(0)
            raise RuntimeError(f"moto_server exited:\n{self._log.read().decode(errors='replace')}")
        try:
            urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1).close()
            return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer means it is serving
        except OSError:
            return False

    def start(self) -> MotoServer:
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1"}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        register_cleanup(self.stop)
        try:
            wait_for(self._answers, self.startup_timeout, "moto_server to answer HTTP")
        except BaseException:
            self.stop()
            raise
        return self

    def reset(self) -> None:
        """Forget every bucket and queue (moto's own reset endpoint)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        unregister_cleanup(self.stop)
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGTERM)
                self._proc.wait(10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
            self._proc = None
        self._log.close()

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
