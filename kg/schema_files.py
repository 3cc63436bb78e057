"""Where the bundled schemas are: the OWL ontology, the SHACL shapes and the JSON-LD context
(the ``schemas/`` folder, installed as the package ``kg.schemas``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: Files of the ``schemas`` package copied into every build's ``schemas/``.
SCHEMA_FILES: tuple[str, ...] = ("paperkg.ttl", "shapes.ttl", "context.jsonld")


def schemas_dir() -> Path:
    """The directory of the bundled ontology, shapes and JSON-LD context."""
    try:
        path = Path(str(resources.files("kg.schemas")))
    except ModuleNotFoundError:  # a source checkout that is not installed
        path = Path(__file__).resolve().parents[1] / "schemas"
    return path


def schema_path(name: str) -> Path:
    """Path of one bundled schema file (``paperkg.ttl``, ``shapes.ttl``, ``context.jsonld``)."""
    return schemas_dir() / name
