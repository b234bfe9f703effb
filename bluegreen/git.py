"""git, run for the commands that read the stack files at a ref: its output, or GitError with git's message."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bluegreen.exits import BluegreenError


class GitError(BluegreenError):
    """git failed: not a repository, unknown ref, git missing. The message is git's."""


def git(project_dir: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """The stdout of `git -C project_dir ARGS...` (fed `stdin`); GitError when git is missing or exits non-zero."""
    try:
        command = ["git", "-C", str(project_dir), *args]
        result = subprocess.run(command, input=stdin, capture_output=True, check=False)
    except FileNotFoundError as err:
        raise GitError("git is not installed (not on PATH)") from err
    if result.returncode != 0:
        raise GitError(result.stderr.decode(errors="replace").strip() or f"git {args[0]} failed")
    return result.stdout
