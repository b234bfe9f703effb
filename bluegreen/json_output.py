"""The `--json` documents of status, verify, plan and judge: one envelope and one version number.

Every document is one JSON object with `schema_version` and `command` first, then the command's own
fields (docs/json.md; a JSON Schema per command in docs/json/). Fields are added without changing the
version; removing a field or changing what one means raises SCHEMA_VERSION.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

SCHEMA_VERSION = 1


def document(command: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` under the envelope that names the schema version and the command."""
    return {"schema_version": SCHEMA_VERSION, "command": command, **body}


def print_document(command: str, body: Mapping[str, Any]) -> None:
    """Print the command's document as the whole of stdout (diagnostics stay on stderr)."""
    print(json.dumps(document(command, body), indent=2, ensure_ascii=False))


def timestamp(moment: datetime) -> str:
    """A time as the documents write it: ISO 8601 in UTC with a `Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
