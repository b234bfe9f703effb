"""The stack pair that verify, migrate and prune read, loaded the same way for each."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bluegreen.cli import EXIT_PROBLEM, EXIT_USAGE

if TYPE_CHECKING:
    from bluegreen.route53 import StackPair


def load(project_dir: Path) -> StackPair | int:
    """Both stack files as one pair, or the exit code after printing why they cannot be used."""
    from bluegreen import route53

    try:
        return route53.load_pair(project_dir)
    except route53.StackFilesError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_PROBLEM if err.disagree else EXIT_USAGE
