"""The Kafka broker's jars, fetched once from Maven Central into a cache outside the repo.

There is no Apache download site or Docker registry here, but Maven Central is reachable;
kafka/pom.xml lists the broker and a log4j2 binding and nothing else (no kafka-tools, which
would bring Connect, Jetty and Jersey).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

KAFKA_VERSION = "4.1.2"  # must match kafka/pom.xml
POM = Path(__file__).parent / "kafka" / "pom.xml"


def libs_dir() -> Path:
    """Outside the repo so a fresh clone or `git clean` does not re-download 42 MiB."""
    default = Path.home() / ".cache" / "tessera" / f"kafka-{KAFKA_VERSION}" / "libs"
    return Path(os.environ.get("TESSERA_KAFKA_LIBS", default))


def fetch_jars(libs: Path | None = None) -> Path:
    """Download the broker jars unless present (about 10-20 s cold, 3 s from ~/.m2).

    Maven writes into a scratch dir that is renamed into place, under a file lock, so a
    killed or concurrent fetch never leaves a half-filled libs dir that looks complete.
    """
    libs = libs or libs_dir()
    if any(libs.glob("kafka_2.13-*.jar")):
        return libs
    libs.parent.mkdir(parents=True, exist_ok=True)
    with open(libs.parent / ".fetch.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if any(libs.glob("kafka_2.13-*.jar")):
            return libs  # another process fetched while we waited for the lock
        with tempfile.TemporaryDirectory(dir=libs.parent) as work:
            shutil.copy(POM, work)
            out = Path(work) / "libs"
            cmd = ["mvn", "-B", "-q",
                   "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
                   f"-DoutputDirectory={out}", "-DincludeScope=runtime"]
            done = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"fetching Kafka jars failed:\n{done.stdout}{done.stderr}")
            shutil.rmtree(libs, ignore_errors=True)
            out.rename(libs)
    return libs
