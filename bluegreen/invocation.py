"""How the user ran `bluegreen`, so that every command it suggests can be pasted back as it is.

After the quick start the command is `.venv/bin/bluegreen` unless the venv is activated (or `.venv/bin`
is on PATH, as in the workflows). A hint that says `bluegreen shift green` would then fail with
"command not found", so hints start with the words that ran this process: `bluegreen` when that is
what PATH finds, otherwise the path as typed (or `.venv/bin/python -m bluegreen`).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

NAME = "bluegreen"


def _same_file(a: str | None, b: str) -> bool:
    try:
        return a is not None and os.path.samefile(a, b)
    except OSError:
        return False


def _runnable(path: str) -> str:
    """The path as the user can type it from the current folder: relative when shorter, never bare."""
    relative = os.path.relpath(path)
    shown = relative if len(relative) < len(path) else path
    return shown if os.sep in shown else os.path.join(os.curdir, shown)


def command_words(argv0: str | None = None) -> list[str]:
    """The words that start a `bluegreen` command line, as this process was started."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    if Path(argv0).name == "__main__.py" and Path(argv0).parent.name == NAME:  # python -m bluegreen
        python = "python" if _same_file(shutil.which("python"), sys.executable) else _runnable(sys.executable)
        return [python, "-m", NAME]
    if Path(argv0).name == NAME and not _same_file(shutil.which(NAME), argv0):
        return [_runnable(argv0)]
    return [NAME]


def command(*words: str, project_dir: str | None = None) -> str:
    """A `bluegreen` command line to print as a hint, e.g. command("shift", "green"); `project_dir` (see
    stackfiles.project_dir_option) only when the project is not the current folder."""
    before = ["--project-dir", project_dir] if project_dir is not None else []
    return shlex.join([*command_words(), *before, *words])


def pulumi_command(verb: str, stack: str, project_dir: str | None = None) -> str:
    """A `pulumi up` or `pulumi destroy` command line for a stack, with --cwd when the project is elsewhere."""
    words = ["pulumi", verb, "--stack", stack]
    if project_dir is not None:
        words += ["--cwd", project_dir]
    return shlex.join(words)


def git_command(*words: str, project_dir: str | None = None) -> str:
    """A `git` command line to print as a hint, with -C when the project is elsewhere."""
    return shlex.join(["git", *(["-C", project_dir] if project_dir is not None else []), *words])
