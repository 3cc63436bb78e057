"""Child processes that never outlive their parent, whatever signal ends it.

:func:`bind_to_parent` is run first thing in every worker process (query workers of
``paperkg serve``, extraction workers of ``build --workers N``): on Linux the kernel sends
``SIGKILL`` when the parent dies (``PR_SET_PDEATHSIG``, even after ``kill -9``), and a daemon
thread also exits the process as soon as its parent process id changes (other systems, and the
case where the thread that started the worker has ended, which also fires ``PDEATHSIG``:
callers start workers from a long-lived thread).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def bind_to_parent(interval: float = 0.5, pdeathsig: bool = True) -> None:
    """Make this process die with its parent (see the module docstring).

    ``pdeathsig=False`` keeps only the watching thread: for workers whose pool may be started
    from a thread that ends before the pool does (``concurrent.futures`` in a library caller).
    """
    parent = os.getppid()
    if pdeathsig and sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent or parent == 1:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()
