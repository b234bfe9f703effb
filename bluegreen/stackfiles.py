"""Stack files in the working tree and at a git ref, and the one edit `shift` makes to them.

The edit replaces the characters of the `eks-bluegreen:trafficWeight` value and nothing else, so every
comment, blank line and indentation stays byte for byte; the result is re-read and compared with the
original before it replaces the file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bluegreen.settings import (
    PROJECT,
    Settings,
    SettingsError,
    load_stack_config,
    load_stack_settings,
    stack_file,
    stack_names,
)

WEIGHT_KEY = f"{PROJECT}:trafficWeight"
_STACK_FILE_NAME = re.compile(r"Pulumi\.(.+)\.yaml")


class GitError(Exception):
    """git failed: not a repository, unknown ref, git missing. The message is git's."""


class EditError(Exception):
    """The weight could not be changed without touching anything else; the file was left as it was."""


@dataclass
class StackFiles:
    """Every stack file of a project that was read: the valid ones and, by stack, why the others are not."""

    valid: dict[str, Settings] = field(default_factory=dict)
    invalid: dict[str, SettingsError] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return sorted({*self.valid, *self.invalid})


def _read(path: Path, source: str) -> Settings:
    """load_stack_settings, with a file that is not YAML or not shaped like a stack file as a SettingsError."""
    from ruamel.yaml.error import MarkedYAMLError  # imported here like in settings: only file-reading commands need it

    try:
        return load_stack_settings(path)
    except SettingsError as err:
        raise SettingsError(err.problems, source) from err
    except MarkedYAMLError as err:
        # ruamel's own message spans a dozen lines; the problem and its line are what a reader needs.
        line = f" (line {err.problem_mark.line + 1})" if err.problem_mark else ""
        raise SettingsError([f"is not valid YAML: {err.problem}{line}"], source) from err
    except (AttributeError, TypeError, ValueError) as err:
        raise SettingsError([f"is not a stack file with a `config:` map ({err})"], source) from err


def read_working_tree(project_dir: Path) -> StackFiles:
    files = StackFiles()
    for stack in stack_names(project_dir):
        path = stack_file(project_dir, stack)
        try:
            files.valid[stack] = _read(path, path.name)
        except SettingsError as err:
            files.invalid[stack] = err
    return files


def _git(project_dir: Path, *args: str) -> bytes:
    try:
        result = subprocess.run(["git", "-C", str(project_dir), *args], capture_output=True, check=False)
    except FileNotFoundError as err:
        raise GitError("git is not installed (not on PATH)") from err
    if result.returncode != 0:
        raise GitError(result.stderr.decode(errors="replace").strip() or f"git {args[0]} failed")
    return result.stdout


def read_at_ref(project_dir: Path, ref: str) -> StackFiles:
    """The project's stack files as they are at a git ref (a branch, tag or commit)."""
    if ref.startswith("-"):
        raise GitError(f"{ref!r} is not a git ref")  # git would read it as an option
    # `REF:./` is the project folder at REF; --full-tree stops ls-tree from filtering by the current folder.
    listing = _git(project_dir, "ls-tree", "--full-tree", "-z", "--name-only", f"{ref}:./").decode()
    stacks = sorted(m[1] for name in listing.split("\0") if (m := _STACK_FILE_NAME.fullmatch(name)))
    files = StackFiles()
    with tempfile.TemporaryDirectory(prefix="bluegreen-") as scratch:
        for stack in stacks:
            # Through a file so that settings reads it exactly as it reads the working tree.
            path = stack_file(Path(scratch), stack)
            path.write_bytes(_git(project_dir, "show", f"{ref}:./{path.name}"))
            try:
                files.valid[stack] = _read(path, f"{path.name} at {ref}")
            except SettingsError as err:
                files.invalid[stack] = err
    return files


def weight_span(text: str) -> tuple[int, int]:
    """Start and end offsets of the `eks-bluegreen:trafficWeight` value in a stack file's text."""
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

    def value_of(node: Node | None, key: str, where: str) -> Node:
        if not isinstance(node, MappingNode):
            raise EditError(f"{where} is not a map")
        values = [value for name, value in node.value if isinstance(name, ScalarNode) and name.value == key]
        if len(values) != 1:
            raise EditError(f"{where} has {len(values)} `{key}` keys; expected one")
        return values[0]

    weight = value_of(value_of(YAML(typ="safe", pure=True).compose(text), "config", "the file"), WEIGHT_KEY, "config")
    if not isinstance(weight, ScalarNode):
        raise EditError(f"{WEIGHT_KEY} is not a single value")
    return weight.start_mark.index, weight.end_mark.index


def set_traffic_weight(path: Path, weight: int) -> bytes:
    """Write `weight` as the file's trafficWeight, changing only that value's characters. Returns the new bytes.

    Raises EditError, leaving the file untouched, when the value cannot be found once or the edited
    file does not read back as the original with only the weight changed.
    """
    from ruamel.yaml.error import YAMLError

    text = path.read_bytes().decode()  # bytes, not read_text: keep \r\n line ends as they are
    start, end = weight_span(text)
    edited = (text[:start] + str(weight) + text[end:]).encode()
    expected: dict[str, Any] = {**load_stack_config(path), WEIGHT_KEY: weight}
    # A temporary file next to the original: read back, then renamed over the original in one step.
    handle, temporary_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(edited)
        try:
            reads_back = load_stack_config(temporary) == expected
        except YAMLError:
            reads_back = False
        if not reads_back:
            raise EditError(f"{path.name}: the edited file would not read back as intended; left unchanged")
        shutil.copymode(path, temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return edited


def project_dir_option(project_dir: Path) -> str | None:
    """The --project-dir to repeat in suggested commands: None when it is the current folder."""
    return None if project_dir.resolve() == Path.cwd().resolve() else str(project_dir)
