"""Loading a build's Neo4j files into a running Neo4j: ``paperkg neo4j-load``.

Reads ``neo4j/import.cypher`` and the CSV files it names (:mod:`kg.export.neo4j` writes them), and
runs each statement with its rows in batches through the official driver (Bolt), constraints
first; every statement MERGEs, so a second load changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import InputError, PaperkgError
from kg.export.neo4j import (
    FLOAT_TYPES,
    INT_TYPES,
    SCRIPT,
    Column,
    parse_header_field,
)

#: URI schemes of the Bolt protocol the driver speaks (plain, TLS, TLS with any certificate)
BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")

DEFAULT_BATCH_SIZE = 1000

#: Executes one Cypher statement with its parameters (``{"rows": [...]}`` or none).
Execute = Callable[[str, Mapping[str, Any] | None], None]


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of ``import.cypher``; ``rows`` names the CSV file that feeds ``$rows``."""

    text: str
    rows: str | None
    line: int  #: line of the script where the statement starts


@dataclass(frozen=True, slots=True)
class Script:
    statements: tuple[Statement, ...]
    array_delimiter: str


def read_script(path: Path) -> Script:
    """Parse ``import.cypher``: statements end with ``;`` at the end of a line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    delimiter = ";"
    statements: list[Statement] = []
    buffer: list[str] = []
    rows: str | None = None
    start = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("//")):
            if stripped.startswith("// rows:"):
                rows = stripped.removeprefix("// rows:").strip()
            elif stripped.startswith("// array-delimiter:"):
                delimiter = stripped.removeprefix("// array-delimiter:").strip()
                if len(delimiter) != 1:
                    raise InputError(str(path), "array-delimiter must be one character", lineno)
            continue
        if not buffer:
            start = lineno
        buffer.append(line)
        if stripped.endswith(";"):
            statement = "\n".join(buffer).strip().removesuffix(";").strip()
            statements.append(Statement(statement, rows, start))
            buffer, rows = [], None
    if buffer:
        raise InputError(str(path), "last statement does not end with ';'", start)
    return Script(tuple(statements), delimiter)


def _convert(value: str, column: Column, delimiter: str, source: str, lineno: int) -> Any:
    if value == "":
        return None
    if column.array:
        return [_scalar(v, column, source, lineno) for v in value.split(delimiter)]
    return _scalar(value, column, source, lineno)


def _scalar(value: str, column: Column, source: str, lineno: int) -> Any:
    try:
        if column.type in INT_TYPES:
            return int(value)
        if column.type in FLOAT_TYPES:
            return float(value)
    except ValueError:
        raise InputError(source, f"column {column.header!r}: {value!r} is not a number",
                         lineno) from None
    if column.type == "boolean":
        if value.lower() not in ("true", "false"):
            raise InputError(source, f"column {column.header!r}: {value!r} is not true/false",
                             lineno)
        return value.lower() == "true"
    return value


def read_table(path: Path, delimiter: str = ";") -> tuple[list[Column], Iterator[dict[str, Any]]]:
    """Read a neo4j-admin CSV file: its columns and its rows as typed maps (empty -> None)."""
    source = str(path)
    try:
        fh = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from None
    reader = csv.reader(fh, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        raise InputError(source, "empty file: no header", 1) from None
    except csv.Error as exc:
        fh.close()
        raise InputError(source, f"bad CSV: {exc}", 1) from None
    columns = [parse_header_field(h, source) for h in header]

    def rows() -> Iterator[dict[str, Any]]:
        with fh:
            lineno = reader.line_num
            try:
                for record in reader:
                    if len(record) != len(columns):
                        raise InputError(source, f"{len(record)} fields, the header has "
                                         f"{len(columns)}", lineno + 1)
                    yield {
                        c.key: _convert(v, c, delimiter, source, lineno + 1)
                        for c, v in zip(columns, record, strict=True)
                        if c.kind != "IGNORE"
                    }
                    lineno = reader.line_num
            except csv.Error as exc:
                raise InputError(source, f"bad CSV: {exc}", reader.line_num) from None

    return columns, rows()


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_import(directory: Path, execute: Execute, batch_size: int = DEFAULT_BATCH_SIZE,
               script: Path | None = None) -> dict[str, int]:
    """Run ``import.cypher`` of ``directory`` through ``execute``; return rows sent per file.

    Statements without a ``// rows:`` file run once without parameters; the others run once per
    batch of ``batch_size`` rows of their file, as ``{"rows": batch}``.
    """
    if batch_size < 1:
        raise PaperkgError(f"batch size must be at least 1, not {batch_size}")
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(str(directory), "not a directory (expected a build's neo4j/ folder)")
    script_path = script or directory / SCRIPT
    parsed = read_script(script_path)
    counts: dict[str, int] = {}
    for statement in parsed.statements:
        if statement.rows is None:
            execute(statement.text, None)
            continue
        _, rows = read_table(directory / statement.rows, parsed.array_delimiter)
        sent = 0
        for batch in _batches(rows, batch_size):
            execute(statement.text, {"rows": batch})
            sent += len(batch)
        counts[statement.rows] = counts.get(statement.rows, 0) + sent
    return counts


def load_into_neo4j(
    directory: Path,
    uri: str,
    user: str | None = None,
    password: str | None = None,
    database: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dict[str, int]:
    """Import ``directory`` (a build's ``neo4j/``) into a running Neo4j with the official driver."""
    import neo4j  # lazily: the driver is only needed by `paperkg neo4j-load`
    from neo4j.exceptions import AuthError, ConfigurationError, DriverError, Neo4jError

    auth = (user or "neo4j", password) if password is not None else None
    current = [""]

    def execute(statement: str, params: Mapping[str, Any] | None) -> None:
        current[0] = statement
        driver.execute_query(statement, dict(params or {}), database_=database)

    scheme = uri.partition("://")[0].lower()
    if "://" not in uri or scheme not in BOLT_SCHEMES:
        raise PaperkgError("--uri must start with one of "
                           f"{', '.join(s + '://' for s in BOLT_SCHEMES)}, not {uri!r}")
    if batch_size < 1:
        raise PaperkgError(f"batch size must be at least 1, not {batch_size}")
    directory = Path(directory)
    for needed in (directory, directory / SCRIPT):
        if not needed.exists():
            raise InputError(str(needed), "not found (expected a build's neo4j/ folder)")
    read_script(directory / SCRIPT)  # a broken script fails here, before connecting
    try:
        driver = neo4j.GraphDatabase.driver(uri, auth=auth)
    except (ConfigurationError, ValueError) as exc:
        raise PaperkgError(f"bad Neo4j URI {uri!r}: {_one_line(exc)}") from None
    try:
        with driver:
            driver.verify_connectivity()
            return run_import(directory, execute, batch_size)
    except AuthError as exc:
        raise PaperkgError(f"Neo4j at {uri} refused the credentials: "
                           f"{_one_line(exc.message or exc)}") from None
    except Neo4jError as exc:
        raise PaperkgError(f"Neo4j at {uri} rejected `{_summary(current[0])}`: "
                           f"{_one_line(exc.message or exc)}") from None
    except (DriverError, OSError) as exc:
        raise PaperkgError(f"cannot reach Neo4j at {uri}: {_one_line(exc)}") from None


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def _summary(statement: str) -> str:
    """The telling line of a statement (the one after ``UNWIND $rows AS row``)."""
    lines = [line.strip() for line in statement.splitlines() if line.strip()]
    telling = [line for line in lines if not line.startswith("UNWIND")]
    return (telling or lines or [""])[0]
