"""Pulumi.yaml, the README's configuration reference and the Python schema say the same thing."""

from __future__ import annotations

import json
import re

from ruamel.yaml import YAML

from bluegreen.settings import PROJECT, SETTINGS
from tests.conftest import PROJECT_DIR

# Pulumi's project file schema (sdk/go/common/workspace/project.json) allows these config types only,
# and an array must say the type of its items.
PULUMI_CONFIG_TYPES = {"string", "integer", "boolean", "array"}


def project_file() -> dict:
    return YAML(typ="safe").load((PROJECT_DIR / "Pulumi.yaml").read_text())


def test_project_file_names_the_project_and_runtime() -> None:
    project = project_file()
    assert project["name"] == PROJECT
    assert project["runtime"]["name"] == "python"
    assert project["backend"]["url"].startswith("file://")


def test_project_file_declares_every_setting_it_can_type() -> None:
    declared = project_file()["config"]
    expected = {f"{PROJECT}:{s.key}": s for s in SETTINGS if s.in_project_file}
    assert set(declared) == set(expected)
    for key, entry in declared.items():
        setting = expected[key]
        assert entry["type"] in PULUMI_CONFIG_TYPES, key
        assert entry["type"] == setting.type, key
        assert entry["description"] == setting.description, key
        if setting.type == "array":
            assert entry["items"] == {"type": setting.items}, key
        if setting.required:
            assert "default" not in entry, f"{key} is required, so Pulumi must not default it"
        else:
            assert entry["default"] == setting.default, key


def test_settings_left_out_of_the_project_file_are_the_ones_pulumi_cannot_type() -> None:
    left_out = {s.key for s in SETTINGS if not s.in_project_file}
    assert left_out == {"endpoints", "tags", "workloads"}


def readme_reference(marker: str = "config-reference") -> list[list[str]]:
    """The cells of the README table between `<!-- marker:start -->` and `<!-- marker:end -->`."""
    text = (PROJECT_DIR / "README.md").read_text()
    block = re.search(rf"<!-- {marker}:start -->(.*?)<!-- {marker}:end -->", text, re.S)
    assert block, f"README.md has no {marker} block"
    rows = [line for line in block.group(1).strip().splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_readme_reference_lists_every_setting_with_its_type_default_and_description() -> None:
    rows = readme_reference()
    assert [row[0] for row in rows] == [f"`{s.key}`" for s in SETTINGS]
    for row, setting in zip(rows, SETTINGS, strict=True):
        kind = setting.type + (f" of {setting.items}" if setting.items else "")
        default = "required" if setting.required else f"`{json.dumps(setting.default)}`"
        assert row[1:] == [kind, default, setting.description], setting.key


def test_sample_stacks_set_only_known_keys_and_comment_every_one() -> None:
    known = {f"{PROJECT}:{s.key}" for s in SETTINGS} | {"aws:region"}
    for stack in ("blue", "green"):
        lines = (PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text().splitlines()
        keys = [(i, line.strip().split(":", 2)) for i, line in enumerate(lines) if re.match(r"^  \S+:\S+:", line)]
        for index, parts in keys:
            assert ":".join(parts[:2]) in known, parts
            assert lines[index - 1].strip().startswith("#"), f"{stack}: no comment above {parts[:2]}"
