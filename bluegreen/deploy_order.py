"""Which stacks a push to main must deploy, and in which order.

A stack whose Route 53 weight rises deploys before one whose weight stays, and that before one whose
weight falls: traffic is moved onto a colour before it is taken off the other, so at no point do both
colours carry less than intended.

    python -m bluegreen.deploy_order --base <sha> --head <sha> [--all]

prints a JSON list of stack names, e.g. ["green", "blue"].
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence, Set
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bluegreen.settings import MAX_WEIGHT
from bluegreen.settings import parse_weight as weight_value
from bluegreen.stackfiles import WEIGHT_KEY

# A change to any of these changes what every stack deploys. The workflows' `paths` filters list the
# same files (tests/test_workflows.py keeps them in step).
PROGRAM_FILES = frozenset({"__main__.py", "Pulumi.yaml", "pyproject.toml", "uv.lock"})
PROGRAM_DIRS = ("components/", "bluegreen/")

_STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[^/]+)\.yaml$")


class DeployOrderError(Exception):
    """The refs or stack files cannot be ordered safely."""


def deploy_order(before: Mapping[str, int | None], after: Mapping[str, int | None], changed: Set[str]) -> list[str]:
    """Order the changed stacks: rising weight first, unchanged next, falling last.

    `before` and `after` map a stack to its weight at the base and head refs, None where the stack has
    no file at that ref. A stack new at head counts as rising from 0. A stack without a file at head is
    left out: there is nothing to deploy. Ties go by name so that the order is stable.
    """

    def rank(stack: str) -> tuple[int, str]:
        delta = (after[stack] or 0) - (before.get(stack) or 0)
        return (0 if delta > 0 else 1 if delta == 0 else 2, stack)

    deployable = [stack for stack in changed if after.get(stack) is not None]
    return sorted(deployable, key=rank)


def is_program_file(path: str) -> bool:
    return path in PROGRAM_FILES or path.startswith(PROGRAM_DIRS)


def stack_of(path: str) -> str | None:
    match = _STACK_FILE.match(path)
    return match["stack"] if match else None


def changed_stacks(stacks: Iterable[str], changed_paths: Iterable[str]) -> set[str]:
    """Stacks whose own file changed, or all of them when a program file changed."""
    known = set(stacks)
    paths = list(changed_paths)
    if any(is_program_file(path) for path in paths):
        return known
    return {stack for path in paths if (stack := stack_of(path)) in known}


def parse_weight(text: str, where: str) -> int:
    """The trafficWeight of a stack file. Pulumi writes config values as strings, so "1" counts too."""
    try:
        document = YAML(typ="safe").load(text)
    except YAMLError as error:
        raise DeployOrderError(f"{where}: not valid YAML: {error}") from error
    config = document.get("config") if isinstance(document, dict) else None
    value = config.get(WEIGHT_KEY) if isinstance(config, dict) else None
    weight = weight_value(value)  # the settings' own rule: an integer 0..255, or its plain text
    if weight is None:
        raise DeployOrderError(f"{where}: {WEIGHT_KEY} must be a whole number 0..{MAX_WEIGHT}, found {value!r}")
    return weight


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def _resolve(repo: Path, ref: str) -> str:
    result = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if result.returncode != 0:
        # An unknown base (a force push, a shallow clone) must not be mistaken for "nothing changed".
        raise DeployOrderError(f"git ref {ref!r} is not a commit in this clone")
    return result.stdout.strip()


def _stack_files(repo: Path, commit: str) -> dict[str, str]:
    listing = _git(repo, "ls-tree", "--name-only", commit)
    if listing.returncode != 0:
        raise DeployOrderError(listing.stderr.strip())
    return {stack: path for path in listing.stdout.splitlines() if (stack := stack_of(path))}


def weights_at(repo: Path, commit: str, stacks: Iterable[str]) -> dict[str, int | None]:
    files = _stack_files(repo, commit)
    weights: dict[str, int | None] = {}
    for stack in stacks:
        if stack not in files:
            weights[stack] = None
            continue
        shown = _git(repo, "show", f"{commit}:{files[stack]}")
        if shown.returncode != 0:
            raise DeployOrderError(shown.stderr.strip())
        weights[stack] = parse_weight(shown.stdout, f"{files[stack]} at {commit[:12]}")
    return weights


def order_between(repo: Path, base: str, head: str, *, everything: bool = False) -> list[str]:
    """The deploy order for moving from `base` to `head`; with `everything`, every stack at head."""
    base_commit, head_commit = _resolve(repo, base), _resolve(repo, head)
    stacks = set(_stack_files(repo, base_commit)) | set(_stack_files(repo, head_commit))
    if everything:
        changed = stacks
    else:
        diff = _git(repo, "diff", "--name-only", "--no-renames", base_commit, head_commit)
        if diff.returncode != 0:
            raise DeployOrderError(diff.stderr.strip())
        changed = changed_stacks(stacks, diff.stdout.splitlines())
    before = weights_at(repo, base_commit, stacks)
    after = weights_at(repo, head_commit, stacks)
    return deploy_order(before, after, changed)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bluegreen.deploy_order",
        description="Print, as JSON, the stacks to deploy between two commits, raised weights first.",
    )
    parser.add_argument("--base", required=True, help="the commit that is deployed now")
    parser.add_argument("--head", required=True, help="the commit to deploy")
    parser.add_argument("--all", action="store_true", help="deploy every stack, changed or not")
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="the git work tree (default: .)")
    args = parser.parse_args(argv)
    try:
        order = order_between(args.repo, args.base, args.head, everything=args.all)
    except DeployOrderError as error:
        print(f"deploy_order: {error}", file=sys.stderr)
        return 1
    print(json.dumps(order))
    return 0


if __name__ == "__main__":
    sys.exit(main())
