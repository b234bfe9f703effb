"""Exit statuses of every `bluegreen` command, and the base of the errors that stop one.

`cli.main` is the one place that turns a `BluegreenError` into `error: …` on stderr and its exit status.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    PROBLEM = 1  # the command ran and found something wrong: invalid pair, mismatch, refused change
    USAGE = 2  # bad arguments or an unreadable/invalid stack file
    AWS = 3  # AWS refused or failed a call (credentials, permissions, throttling)
    BROKEN_PIPE = 141  # the reader of stdout went away (`| head -1`): 128 + SIGPIPE, as a shell reports it


MEANINGS = {
    ExitStatus.OK: "ok",
    ExitStatus.PROBLEM: "problem found",
    ExitStatus.USAGE: "usage or invalid stack file",
    ExitStatus.AWS: "AWS error",
    ExitStatus.BROKEN_PIPE: "the reader of stdout went away (`| head -1`, quietly)",
}


def summary() -> str:
    """Every exit status and its meaning on one line, as `--help` and the README give them."""
    return ", ".join(f"{int(status)} {MEANINGS[status]}" for status in ExitStatus)


class BluegreenError(Exception):
    """What stops a command; `exit_status` is what the command exits with (USAGE unless a subclass says otherwise)."""

    exit_status: ExitStatus = ExitStatus.USAGE

    def __init__(self, message: str, exit_status: ExitStatus | None = None):
        super().__init__(message)
        if exit_status is not None:
            self.exit_status = exit_status
