"""A test project as a git repository of its own, and git run in it, apart from the machine's git settings.

The identity lives in the repository's own config, so that git run by `bluegreen` itself (shift --apply
commits) finds it too; the user's global and system config (an identity, signing, hooks) are kept out.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

IDENTITY = {"user.name": "test", "user.email": "test@example.com", "commit.gpgsign": "false"}


def isolate_git(monkeypatch: pytest.MonkeyPatch, ceiling: Path) -> None:
    """git sees no global or system config, no identity from the environment, and no repository above
    `ceiling` (so a project under it with no repository of its own is outside git)."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(ceiling))
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)


def git(directory: Path, *args: str) -> str:
    """The stdout of `git ARGS...` run in `directory`; fails the test when git fails."""
    return subprocess.run(["git", *args], cwd=directory, check=True, capture_output=True, text=True).stdout


def commit_all(directory: Path, message: str = "initial") -> None:
    """Make `directory` a repository with IDENTITY in its config, and commit every file in it."""
    git(directory, "init", "--quiet")
    for key, value in IDENTITY.items():
        git(directory, "config", key, value)
    git(directory, "add", "--all")
    git(directory, "commit", "--quiet", "--message", message)


def clone_on_a_branch(directory: Path) -> Path:
    """Make the committed `directory` look like `git clone` left it (remote origin with default branch main,
    origin/HEAD set), then on branch trial tracking origin/main. Returns the remote's bare repository."""
    remote = directory.parent / f"{directory.name}-origin.git"
    git(directory.parent, "init", "--quiet", "--bare", str(remote))
    git(directory, "remote", "add", "origin", str(remote))
    git(directory, "push", "--quiet", "origin", "HEAD:refs/heads/main")
    git(directory, "fetch", "--quiet", "origin")
    git(directory, "remote", "set-head", "origin", "main")
    git(directory, "checkout", "--quiet", "-b", "trial", "--track", "origin/main")
    return remote
