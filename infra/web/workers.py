"""`tessera serve --workers N`: uvicorn's worker supervisor, each worker on a socket of its own.

uvicorn's workers share one listening socket, and whichever worker wakes first accepts every
connection waiting (an event loop accepts up to its backlog per wake-up). Keep-alive
clients that open their connections together, as a load balancer's pool or a load driver
does, end up on one worker: in checkout bench runs 32 connections were split 27/5 and 32/0
between two workers, so one worker served all or most requests while the other idled. Here
each worker listens on its own socket bound to the same port with SO_REUSEPORT, and the
kernel spreads new connections over the workers' sockets by their addresses. The supervisor keeps the sockets, so a worker that dies and is restarted
takes over its own socket, with the connections that arrived meanwhile waiting in its backlog.
"""
from __future__ import annotations

import socket
import sys

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process, logger


def reuse_port_socket(config: Config) -> socket.socket:
    """A listening socket on the configured address that other workers' sockets share. It
    listens from the start, so connections spread to a worker still starting wait for it
    in its backlog rather than all going to the first worker up."""
    family = socket.AF_INET6 if config.host and ":" in config.host else socket.AF_INET
    sock = socket.socket(family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as error:  # as uvicorn does: a clear line, not a traceback, and no restarts
        logger.error(error)
        sys.exit(STARTUP_FAILURE)
    sock.listen(config.backlog)
    sock.set_inheritable(True)
    return sock


class SpreadWorkers(Multiprocess):
    """uvicorn's `Multiprocess`, with worker i always started on socket i."""

    def __init__(self, config: Config) -> None:
        super().__init__(config, sockets=[reuse_port_socket(config) for _ in range(config.workers)])

    def worker_on(self, index: int) -> Process:
        process = Process(self.config, [self.sockets[index]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self.worker_on(index) for index in range(self.processes_num)]

    def restart_all(self) -> None:
        """On SIGHUP: each worker replaced in turn, the new one on the same socket."""
        for index, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self.worker_on(index)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                return
            old.terminate()
            old.join()
            self.processes[index] = new

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for index, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:  # the app cannot start: restarts would fail too
                logger.error("Worker [%s] failed to start, stopping.", process.pid)
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info("Worker [%s] died, restarting it on its socket", process.pid)
            self.processes[index] = self.worker_on(index)
