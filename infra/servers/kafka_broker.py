"""A real single-node Apache Kafka 4.x (KRaft, broker + controller in one JVM) from Maven jars.

Tests that claim "works with Kafka" must hit the real broker: fakes do not reproduce group
rebalances, leader elections after a crash or idempotent-producer sequencing. The recipe and
its measured numbers are in shared/KAFKA.md; kafka/server-template.properties holds its
corrected settings.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from infra.servers import (free_port, make_run_dir, reap_orphans, register_cleanup,
                           unregister_cleanup)
from infra.servers.kafka_jars import fetch_jars

_HERE = Path(__file__).parent / "kafka"
CLUSTER_ID = "4L6g3nShT-eMCtK--X86sw"
READY_LINE = b"Kafka Server started"


def _kill_orphan(run_dir: Path) -> None:
    """Kill a dead session's JVM, after checking the pid was not reused by someone else."""
    pid = int((run_dir / "broker.pid").read_text())
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    if b"kafka.Kafka" in cmdline and str(run_dir).encode() in cmdline:
        os.killpg(pid, signal.SIGKILL)


class KafkaBroker:
    """One broker process; `stop()`/`kill()` then `start()` reuses its data dir and ports.

    `low_memory` (default) uses SerialGC and C1 only (about 150 MiB RSS instead of 220, same
    start time); benchmarks pass `low_memory=False` to get G1 and the full JIT.
    """

    def __init__(self, data_dir: str | Path | None = None, *, startup_timeout: float = 90.0,
                 low_memory: bool = True):
        self._own_dir = data_dir is None
        if self._own_dir:
            reap_orphans("tessera-kafka-", _kill_orphan)
        self.data_dir = Path(data_dir or make_run_dir("tessera-kafka-"))
        self.port, self.controller_port = free_port(), free_port()
        self.startup_timeout = startup_timeout
        self.low_memory = low_memory
        self._proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def start(self) -> KafkaBroker:
        """Format on first use, launch the JVM, and return once the broker serves clients.

        Also the restart after `stop()` or `kill()`: same data dir, same ports, so clients
        holding `.bootstrap` reconnect by themselves. Not after `close()`, which is final.
        """
        if self._proc is not None and self._proc.poll() is None:
            return self
        libs = fetch_jars()
        props = self.data_dir / "server.properties"
        log_dir = self.data_dir / "log"
        if not (log_dir / "meta.properties").exists():
            props.write_text((_HERE / "server-template.properties").read_text().format(
                port=self.port, cport=self.controller_port, log_dir=log_dir))
            done = subprocess.run(["java", "-cp", f"{libs}/*", "kafka.tools.StorageTool",
                                   "format", f"--cluster-id={CLUSTER_ID}", "-c", str(props)],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"Kafka storage format failed:\n{done.stdout}{done.stderr}")
        gc = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"] if self.low_memory else ["-XX:+UseG1GC"]
        cmd = ["java", "-Xms64m", "-Xmx512m", *gc, "-Djava.awt.headless=true",
               f"-Dlog4j2.configurationFile={_HERE / 'log4j2.properties'}",
               "-cp", f"{libs}/*", "kafka.Kafka", str(props)]
        offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        with open(self.log_file, "ab") as log:
            # Own process group: stop/kill reach the JVM and anything it forks, nothing else.
            self._proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                          cwd=self.data_dir, start_new_session=True)
        (self.data_dir / "broker.pid").write_text(str(self._proc.pid))
        register_cleanup(self.close)
        self._wait_ready(offset)
        return self

    def _wait_ready(self, offset: int) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            with open(self.log_file, "rb") as log:
                log.seek(offset)
                if READY_LINE in log.read():
                    return
            if self._proc.poll() is not None:
                raise RuntimeError(f"Kafka exited with {self._proc.returncode}:\n{self._tail()}")
            time.sleep(0.05)
        self.kill()
        raise TimeoutError(f"Kafka not ready after {self.startup_timeout}s:\n{self._tail()}")

    def _tail(self) -> str:
        return self.log_file.read_text(errors="replace")[-4000:]

    def _signal(self, sig: int, timeout: float) -> None:
        if self._proc is None:
            return
        try:
            os.killpg(self._proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
        self._proc = None

    def stop(self, timeout: float = 30.0) -> None:
        """Controlled shutdown (SIGTERM); escalates to SIGKILL if the JVM hangs."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """Crash the broker, as a power cut would: no controlled shutdown, no flush."""
        self._signal(signal.SIGKILL, 10.0)

    def close(self) -> None:
        """Stop and delete the data dir if we created it."""
        self.stop()
        unregister_cleanup(self.close)
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> KafkaBroker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def create_topics(self, names: list[str] | str, partitions: int = 1) -> None:
        create_topics(self.bootstrap, names, partitions)


def create_topics(bootstrap: str, names: list[str] | str, partitions: int = 1) -> None:
    """Create topics explicitly (never rely on auto-creation); existing ones are kept."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import TopicAlreadyExistsError, for_code

    names = [names] if isinstance(names, str) else list(names)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="tessera-test")
    try:
        spec = {n: {"num_partitions": partitions, "replication_factor": 1} for n in names}
        result = admin.create_topics(spec, raise_errors=False)
        for topic in result["topics"]:
            error = for_code(topic["error_code"])
            if topic["error_code"] and error is not TopicAlreadyExistsError:
                raise error(f"creating topic {topic['name']}: {topic.get('error_message')}")
        admin.wait_for_topics(names)
    finally:
        admin.close()
