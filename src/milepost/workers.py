"""`milepost serve --workers N`: N server processes on one address, each with its own
listening socket.

uvicorn's own `--workers` shares one listening socket among its processes. Whichever
process's event loop wakes first accepts every connection that is waiting (asyncio
accepts up to the backlog in one go), so a burst of keep-alive connections, such as a
load balancer's pool or a benchmark's clients, lands on one process while the others
idle: 16 connections to 2 workers left one at 100 % of a core and the other at 0 %.
Here every worker binds its own socket to the address with SO_REUSEPORT, and Linux
spreads new connections over the sockets by a hash of the client's address and port.
A worker that dies takes its socket with it, so the kernel stops sending it
connections, and the supervisor starts a replacement.

The supervisor is a small loop over uvicorn's worker `Process` (which starts the child
with the parent's logging and configuration): it starts the workers, restarts one that
exits, and stops them all on SIGINT or SIGTERM. Where SO_REUSEPORT is missing (not
Linux), `serve` keeps uvicorn's shared socket.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading

from uvicorn import Config
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Process

logger = logging.getLogger("uvicorn.error")

# How often the supervisor looks for workers that exited.
POLL_SECONDS = 0.5


def balanced() -> bool:
    """Whether the kernel balances connections over sockets sharing a port."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) that other sockets with SO_REUSEPORT may share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


class Worker(Process):
    """A worker process that binds its own listening socket once it has started."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        try:
            sock = listening_socket(self.config.host, self.config.port)
        except OSError as error:
            logger.error("cannot listen on %s:%s: %s", self.config.host, self.config.port, error)
            sys.exit(STARTUP_FAILURE)
        super().target([sock])


class Supervisor:
    """Keeps `config.workers` Worker processes running until SIGINT or SIGTERM."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.workers: list[Worker] = []
        self.should_exit = threading.Event()
        self.failed = False

    def run(self) -> int:
        """Serve until told to stop; the exit status (1: the address cannot be used)."""
        # Bound here first, and closed at once (a socket that does not listen gets no
        # connections): an address that is taken fails before any worker starts.
        try:
            listening_socket(self.config.host, self.config.port).close()
        except OSError as error:
            logger.error("cannot listen on %s:%s: %s", self.config.host, self.config.port, error)
            return 1
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.should_exit.set())
        logger.info("Starting %d workers, each with its own socket", self.config.workers)
        self.workers = [self._start() for _ in range(self.config.workers)]
        while not self.should_exit.wait(POLL_SECONDS):
            self._replace_exited()
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.join()
        return 1 if self.failed else 0

    def _start(self) -> Worker:
        worker = Worker(self.config, [])
        worker.start()
        return worker

    def _replace_exited(self) -> None:
        for index, worker in enumerate(self.workers):
            if worker.process.is_alive():
                continue
            worker.join()
            if worker.exitcode == STARTUP_FAILURE:
                logger.error("Worker [%s] failed to start; stopping.", worker.pid)
                self.failed = True
                self.should_exit.set()
                return
            logger.warning("Worker [%s] exited (%s); starting another", worker.pid, worker.exitcode)
            self.workers[index] = self._start()
