"""``neo4j/neo4j-admin-import.sh``: the offline-import command for a build's Neo4j CSV files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.export.neo4j import Table


def admin_command(tables: Sequence[Table], delimiter: str, database: str = "neo4j",
                  directory: str = ".") -> list[str]:
    """The ``neo4j-admin database import full`` arguments that import ``tables``."""
    prefix = "" if directory in ("", ".") else directory.rstrip("/") + "/"
    args = [
        "neo4j-admin", "database", "import", "full", database,
        "--id-type=string", "--delimiter=,", f"--array-delimiter={delimiter}", '--quote="',
        "--legacy-style-quoting=false", "--multiline-fields=true",
    ]
    for table in tables:
        option = "--nodes" if table.is_nodes else "--relationships"
        args.append(f"{option}={prefix}{table.file}")
    return args


def _shell_quote(arg: str) -> str:
    return arg if re.fullmatch(r"[-\w./=,:]+", arg) else "'" + arg.replace("'", "'\\''") + "'"


def admin_script(tables: Sequence[Table], delimiter: str) -> str:
    """``neo4j-admin-import.sh``: the exact offline-import command for these files."""
    args = admin_command(tables, delimiter, database="DATABASE")
    options = [_shell_quote(a) for a in args[5:]]
    body = " \\\n  ".join(['"$NEO4J_ADMIN" database import full "$DATABASE"', *options,
                           '"$@"'])
    return (
        "#!/bin/sh\n"
        "# Offline import of these CSV files into a new Neo4j 5 database (stop the server first).\n"
        "# Usage: sh neo4j-admin-import.sh [DATABASE [more neo4j-admin options]]\n"
        "#   DATABASE defaults to neo4j; add --overwrite-destination to replace an existing one.\n"
        "#   NEO4J_ADMIN=/path/to/neo4j/bin/neo4j-admin if it is not on PATH.\n"
        "set -eu\n"
        'cd "$(dirname "$0")"\n'
        'NEO4J_ADMIN="${NEO4J_ADMIN:-neo4j-admin}"\n'
        'DATABASE="${1:-neo4j}"\n'
        'if [ $# -gt 0 ]; then shift; fi\n'
        f"{body}\n"
    )
