"""Check a `--json` document against the command's published JSON Schema in docs/json/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "json"


def assert_valid(command: str, document: Any) -> None:
    """Fail with jsonschema's own message when `document` breaks docs/json/<command>.schema.json."""
    schema = json.loads((SCHEMAS / f"{command}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
