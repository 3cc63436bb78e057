"""Connection limits of ``paperkg serve``, held by the socket layer whatever a client does.

* **idle**: a keep-alive connection that starts no request within ``idle_timeout`` is closed;
* **trickle**: once the first byte of a request arrived, the whole request (line, headers, body)
  must arrive within ``request_timeout``, however slowly it drips;
* **write**: every response must be taken by the client within ``write_timeout``;
* **connections**: at most ``max_connections`` are served at once; more get ``503`` and are
  closed;
* **dropped clients** (reset, broken pipe, time-outs) end their connection without a traceback.
"""

from __future__ import annotations

import io
import socket
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

#: Errors that mean the client went away or was too slow: closed quietly.
CLIENT_GONE = (ConnectionError, TimeoutError, socket.timeout, BrokenPipeError)


class DeadlineReader(io.RawIOBase):
    """A socket's read side that gives up at a deadline, not after each quiet ``recv``."""

    def __init__(self, sock: socket.socket, idle_timeout: float, request_timeout: float) -> None:
        self.sock = sock
        self.idle_timeout, self.request_timeout = idle_timeout, request_timeout
        self.deadline: float | None = None
        self.waiting = True  #: no byte of the next request yet

    def readable(self) -> bool:
        return True

    def next_request(self) -> None:
        """Arm the idle deadline: the next request must start within ``idle_timeout``."""
        self.waiting = True
        self.deadline = time.monotonic() + self.idle_timeout

    def request_read(self) -> None:
        """The request is in: reading stops being timed until :meth:`next_request`."""
        self.deadline = None

    def readinto(self, buffer: Any) -> int:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the client was too slow sending its request")
            self.sock.settimeout(left)
        count = self.sock.recv_into(buffer)
        if count and self.waiting and self.deadline is not None:
            self.waiting = False
            self.deadline = time.monotonic() + self.request_timeout
        return count


class BoundedServer(ThreadingHTTPServer):
    """A threading HTTP server that serves at most ``max_connections`` clients at once and
    never logs a client that went away."""

    daemon_threads = True
    #: listen backlog: the default 5 resets connections when hundreds of clients connect at once
    request_queue_size = 1024
    max_connections = 512
    busy_body = b"error: too many connections; try again shortly\n"
    busy_response = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; "
                     b"charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                     % (len(busy_body), busy_body))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._slots = threading.BoundedSemaphore(self.max_connections)
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1)
                request.sendall(self.busy_response)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], CLIENT_GONE):
            return
        super().handle_error(request, client_address)
