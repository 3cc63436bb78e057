"""Query worker processes of ``paperkg serve``: each bounded in memory, time and answer size.

Every worker is a separate interpreter (``python -m kg.query.workers``) that loads the graph
once and answers one query at a time.  It runs under an address-space limit
(``RLIMIT_AS``), so a query that needs more memory fails inside the worker (a ``MemoryError`` or
an aborted allocation) instead of growing without bound; the parent kills it after a wall-clock
``timeout``; its answer is serialised within ``max_bytes``; and it dies with the server
(:func:`kg.lifetime.bind_to_parent`).  A
worker that dies or is killed is replaced in the background; the request gets ``500`` (crash,
memory) or ``503`` (time-out) with a message saying which.
"""

from __future__ import annotations

import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from kg.errors import PaperkgError
from kg.lifetime import bind_to_parent
from kg.query.sparql import QueryError, QueryRefused, execute, read_store, serialize_capped

#: Default address-space limit of one worker, in MiB.
WORKER_MEMORY_MB = 1024


class QueryTimeout(PaperkgError):
    """A query ran longer than the endpoint allows (or every worker stayed busy)."""


class QueryCrashed(PaperkgError):
    """A query killed its worker (a crash or the memory limit); the worker was replaced."""


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space at ``megabytes`` MiB (0: no cap)."""
    if megabytes > 0:
        limit = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker_main(inbox: Connection, outbox: Connection, path: str, memory_mb: int) -> None:
    """Load the graph once, then answer ``(query, select_fmt, graph_fmt, max_rows, max_bytes)``."""
    bind_to_parent()
    limit_memory(memory_mb)
    try:
        store = read_store(Path(path))
    except PaperkgError as exc:
        outbox.send(("error", str(exc)))
        return
    except MemoryError:
        outbox.send(("error", f"{path}: the graph does not fit in a query worker's "
                     f"{memory_mb} MB (raise --worker-memory)"))
        return
    outbox.send(("ready", len(store)))
    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        query, select_fmt, graph_fmt, max_rows, max_bytes = message
        try:
            result = execute(store, query, max_rows=max_rows)
            fmt = graph_fmt if result.kind == "graph" else select_fmt
            body, cut = serialize_capped(result, fmt, max_bytes)
            reply: tuple = ("ok", fmt, body, result.truncated or cut, cut)
            del result
        except QueryRefused as exc:
            reply = ("refused", str(exc))
        except QueryError as exc:
            reply = ("error", str(exc))
        except MemoryError:
            # the heap may be fragmented or half-freed: answer, then let the parent replace us
            outbox.send(("memory", f"the query needed more than the {memory_mb} MB a query "
                         f"worker may use and was stopped"))
            return
        except Exception as exc:  # never let one query take the worker down silently
            reply = ("error", f"query failed: {type(exc).__name__}: {exc}")
        outbox.send(reply)


def _signal_name(returncode: int | None) -> str:
    if returncode is None or returncode >= 0:
        return f"exit status {returncode}"
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


class _Worker:
    """One worker process and the two pipes to it."""

    def __init__(self, path: Path, memory_mb: int) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        # fewer reserved malloc arenas under RLIMIT_AS; one line, not a backtrace, on abort
        env = {**os.environ, "MALLOC_ARENA_MAX": "2", "RUST_BACKTRACE": "0"}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kg.query.workers", str(path), str(to_child_r),
                 str(from_child_w), str(memory_mb)],
                pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL, env=env,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.outbox = Connection(to_child_w, readable=False)
        self.inbox = Connection(from_child_r, writable=False)

    def wait_ready(self, timeout: float) -> int:
        try:
            ready = self.inbox.poll(timeout)
            status, value = self.inbox.recv() if ready else ("error", None)
        except (EOFError, OSError):
            status, value = "error", (f"the query worker stopped while loading the graph "
                                      f"({_signal_name(self.process.poll())}; a graph that "
                                      f"needs more memory needs a larger --worker-memory)")
        if status != "ready":
            self.kill()
            raise PaperkgError(value or f"the query worker did not load the graph within "
                               f"{timeout:.0f} s")
        return int(value or 0)

    def kill(self) -> int | None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.outbox.close()
        self.inbox.close()
        return self.process.returncode

    def stop(self) -> None:
        try:
            self.outbox.send(None)
            self.process.wait(2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        self.kill()


class QueryPool:
    """Worker processes with the graph loaded; a worker that dies or times out is replaced."""

    def __init__(self, path: Path, size: int, timeout: float, memory_mb: int = WORKER_MEMORY_MB,
                 load_timeout: float = 300.0) -> None:
        self.path, self.timeout, self.memory_mb = path, timeout, memory_mb
        self.load_timeout = load_timeout
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.triples = 0
        self.replaced = 0  #: workers started again after a crash, kill or time-out
        self._closed = False
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        # replacements are started by one long-lived thread: Linux sends PR_SET_PDEATHSIG when
        # the *thread* that forked a worker ends, so a short-lived thread would kill its worker
        self._wanted: queue.Queue[bool] = queue.Queue()
        threading.Thread(target=self._spawner, daemon=True).start()
        workers = [self._start() for _ in range(max(1, size))]
        try:
            for w in workers:
                self.triples = w.wait_ready(load_timeout)
        except PaperkgError:
            for w in workers:
                w.kill()
            raise
        for w in workers:
            self.idle.put(w)

    def _start(self) -> _Worker:
        worker = _Worker(self.path, self.memory_mb)
        with self._lock:
            self._all.add(worker)
        return worker

    def _discard(self, worker: _Worker) -> int | None:
        with self._lock:
            self._all.discard(worker)
        return worker.kill()

    def run(self, query: str, select_fmt: str, graph_fmt: str, max_rows: int,
            max_bytes: int) -> tuple:
        """``(status, ...)`` from a worker; :class:`QueryTimeout` or :class:`QueryCrashed`."""
        worker = self._idle_worker()
        remaining = self.timeout
        try:
            worker.outbox.send((query, select_fmt, graph_fmt, max_rows, max_bytes))
            if worker.inbox.poll(remaining):
                reply = worker.inbox.recv()
                if reply[0] == "memory":
                    raise _Died(reply[1])
                self.idle.put(worker)
                return reply
        except (EOFError, OSError):
            code = self._discard(worker)
            self._replace()
            cause = _signal_name(code)
            if code == -signal.SIGABRT:  # how an allocation over RLIMIT_AS ends in Rust
                cause += f", most likely over the {self.memory_mb} MB memory limit"
            raise QueryCrashed(f"the query crashed its worker ({cause}); the worker was "
                               f"replaced") from None
        except _Died as died:
            self._discard(worker)
            self._replace()
            raise QueryCrashed(str(died)) from None
        self._discard(worker)
        self._replace()
        raise QueryTimeout(f"the query did not finish within {self.timeout:g} s and was stopped")

    def _idle_worker(self) -> _Worker:
        """A live idle worker; one that died while idle (killed from outside) is replaced."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:  # waiting for a worker and running are timed apart: a query that waited is
                worker = self.idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:  # not killed before it had its time
                raise QueryTimeout(f"every query worker stayed busy for {self.timeout:g} s; "
                                   f"try again later") from None
            if worker.process.poll() is None:
                return worker
            self._discard(worker)
            self._replace()

    def _replace(self) -> None:
        self._wanted.put(True)

    def _spawner(self) -> None:
        while self._wanted.get() and not self._closed:
            delay = 0.5
            while not self._closed:
                worker = self._start()
                try:
                    worker.wait_ready(self.load_timeout)
                except PaperkgError:
                    self._discard(worker)
                    time.sleep(delay)  # e.g. out of memory for a moment: try again, slower
                    delay = min(delay * 2, 30)
                    continue
                self.replaced += 1
                if self._closed:
                    self._discard(worker)
                else:
                    self.idle.put(worker)
                break

    def close(self) -> None:
        """Stop every worker, busy or idle."""
        self._closed = True
        self._wanted.put(False)
        while True:
            try:
                self.idle.get_nowait().stop()
            except queue.Empty:
                break
        with self._lock:
            rest = list(self._all)
            self._all.clear()
        for worker in rest:
            worker.kill()


class _Died(Exception):
    """A worker reported that it ran out of memory and is exiting."""


if __name__ == "__main__":  # a query worker process (see _Worker)
    if len(sys.argv) == 5:
        _worker_main(Connection(int(sys.argv[2]), writable=False),
                     Connection(int(sys.argv[3]), readable=False), sys.argv[1],
                     int(sys.argv[4]))
    else:
        sys.exit("usage: python -m kg.query.workers GRAPH IN_FD OUT_FD MEMORY_MB")
