"""A throwaway PostgreSQL cluster from Debian's binaries, in a temp dir, on a free port.

The event store's guarantees (no oversell, unique positions, read-your-writes) rest on
PostgreSQL's locking and transactions; SQLite or a mock would not prove them. initdb and
postgres refuse to run as root, and tests run as root here, so the server processes are
started as the `postgres` system user (Popen's `user=`, same effect as runuser).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import uuid
from pathlib import Path

from infra.servers import (free_port, make_run_dir, reap_orphans, register_cleanup,
                           unregister_cleanup)

_FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def pg_bin_dir() -> Path:
    """The newest installed major version; /usr/local/bin holds only symlinks to it."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    if not dirs:
        raise RuntimeError("PostgreSQL server not installed (apt-get install postgresql)")
    return Path(dirs[-1])


def _run_as_postgres(bin_dir: Path, cwd: Path, *args: str) -> None:
    """Run a server binary as `postgres` when we are root (it refuses root)."""
    as_user = {"user": "postgres", "group": "postgres", "extra_groups": []} \
        if os.geteuid() == 0 else {}
    done = subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=cwd,
                          capture_output=True, text=True, **as_user)
    if done.returncode != 0:
        log = cwd / "server.log"
        tail = log.read_text()[-3000:] if log.exists() else ""
        raise RuntimeError(f"{args[0]} failed:\n{done.stdout}{done.stderr}{tail}")


def _stop_orphan(run_dir: Path) -> None:
    """pg_ctl reads the pid from postmaster.pid itself and checks it is that data dir's."""
    if (run_dir / "data" / "postmaster.pid").exists():
        _run_as_postgres(pg_bin_dir(), run_dir, "pg_ctl", "stop", "-m", "immediate",
                         "-D", str(run_dir / "data"))


class PostgresCluster:
    """One postmaster with one app role and database; `.url` is what the app is given.

    `fast=True` trades crash safety for speed (tests never survive a power cut anyway);
    benchmarks use `fast=False` so that commit latency is the real, durable one.
    """

    def __init__(self, *, fast: bool = True, user: str = "tessera", password: str = "tessera",
                 dbname: str = "tessera", max_connections: int = 200):
        self.fast, self.user, self.password, self.dbname = fast, user, password, dbname
        self.max_connections = max_connections
        self.port = free_port()
        self.bin = pg_bin_dir()
        reap_orphans("tessera-pg-", _stop_orphan)
        self.root = make_run_dir("tessera-pg-")
        self.data_dir = self.root / "data"
        self._started = False

    @property
    def url(self) -> str:
        return self.url_for(self.dbname)

    def url_for(self, dbname: str) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        _run_as_postgres(self.bin, self.root, *args)

    def start(self) -> PostgresCluster:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> PostgresCluster:
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        # Local socket: trust, so the launcher administers without a password; TCP: password.
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "-E", "UTF8",
                  "--locale=C", "--no-sync", "--no-instructions",
                  "--auth-local=trust", "--auth-host=scram-sha-256")
        settings = {"listen_addresses": "'127.0.0.1'", "port": self.port,
                    "unix_socket_directories": f"'{self.root}'",
                    "max_connections": self.max_connections, **(_FAST if self.fast else {})}
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self.start_server()
        self._started = True
        register_cleanup(self.stop)
        self._admin(f"CREATE ROLE {self.user} LOGIN CREATEDB PASSWORD '{self.password}'")
        self._admin(f"CREATE DATABASE {self.dbname} OWNER {self.user}")
        return self

    def start_server(self) -> None:
        """Start the server on the cluster's data; also after `stop_server()`."""
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir),
                  "-l", str(self.root / "server.log"))

    def stop_server(self) -> None:
        """Fast shutdown (clients disconnected), data kept: a restart for fault tests."""
        self._run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data_dir))

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.root), port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str | None = None) -> str:
        """A new empty database owned by the app role, so a test sees only its own tables."""
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        self._admin(f'CREATE DATABASE "{name}" OWNER {self.user}')
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Fast shutdown (disconnects clients, no waiting for them), then delete everything."""
        unregister_cleanup(self.stop)
        if self._started:
            self._started = False
            self.stop_server()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
