"""Every command's exit status, and where its output goes, from one table.

0 ok, 1 a problem found (the answer, on stdout), 2 usage or an unusable stack file, 3 AWS refused or
failed: for 2 and 3, what stopped the command is on stderr as `error: …` (bluegreen/exits.py, cli.run_command).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from bluegreen import cli
from bluegreen.exits import ExitStatus
from tests.support.git import commit_all
from tests.support.route53 import HOST, moto_zone, write_project

Setup = Callable[[Path], object]


def nothing(project: Path) -> None:
    """An empty folder: no stack file."""


def pair(blue: int, green: int, **green_settings: str) -> Setup:
    return lambda project: write_project(project, (blue, green), **green_settings)


def committed(blue: int, green: int) -> Setup:
    """A git repository whose HEAD holds the pair (1, 0), and (blue, green) in the working tree."""

    def setup(project: Path) -> None:
        write_project(project, (1, 0))
        commit_all(project, "pair")
        write_project(project, (blue, green))

    return setup


@contextlib.contextmanager
def no_aws() -> Iterator[None]:
    yield


@contextlib.contextmanager
def empty_zone() -> Iterator[None]:
    """The stack files' zone, empty, in moto."""
    with moto_zone():
        yield


@contextlib.contextmanager
def no_zone() -> Iterator[None]:
    """An account (moto) without the stack files' zone: every Route 53 call is refused."""
    with mock_aws():
        yield


CASES = [
    ("status", [], pair(1, 0), no_aws, ExitStatus.OK),
    ("status", [], pair(0, 0), no_aws, ExitStatus.PROBLEM),
    ("status", [], nothing, no_aws, ExitStatus.USAGE),
    ("status", [], pair(1, 0, trafficWeight="300"), no_aws, ExitStatus.USAGE),
    ("shift", ["green"], pair(1, 0), no_aws, ExitStatus.OK),
    ("shift", ["green", "--to", "0"], pair(0, 1), no_aws, ExitStatus.PROBLEM),
    ("shift", ["green"], nothing, no_aws, ExitStatus.USAGE),
    ("check", ["--base", "HEAD"], committed(1, 1), no_aws, ExitStatus.OK),
    ("check", ["--base", "HEAD"], committed(0, 1), no_aws, ExitStatus.PROBLEM),
    ("check", ["--base", "no-such-ref"], committed(1, 0), no_aws, ExitStatus.USAGE),
    ("plan", ["purple"], pair(1, 0), no_aws, ExitStatus.USAGE),
    ("plan", ["green"], pair(1, 0, trafficWeight="1.5"), no_aws, ExitStatus.USAGE),
    ("verify", [], pair(1, 0), empty_zone, ExitStatus.PROBLEM),
    ("verify", [], pair(1, 0, hostedZoneId="Z0OTHERZONE"), no_aws, ExitStatus.PROBLEM),
    ("verify", [], pair(1, 0, trafficWeight="300"), no_aws, ExitStatus.USAGE),
    ("verify", [], pair(1, 0), no_zone, ExitStatus.AWS),
    ("migrate", ["--hostname", HOST, "--color", "blue"], pair(1, 0), empty_zone, ExitStatus.PROBLEM),
    ("migrate", ["--hostname", "other.example.com", "--color", "blue"], pair(1, 0), no_aws, ExitStatus.USAGE),
    ("migrate", ["--hostname", HOST, "--color", "blue"], pair(1, 0), no_zone, ExitStatus.AWS),
    ("prune", ["--color", "green"], pair(1, 0), empty_zone, ExitStatus.OK),
    ("prune", ["--color", "blue"], pair(1, 0), no_aws, ExitStatus.PROBLEM),
    ("prune", ["--color", "green"], nothing, no_aws, ExitStatus.USAGE),
    ("prune", ["--color", "green"], pair(1, 0), no_zone, ExitStatus.AWS),
    ("promote", ["green", "--dry-run"], pair(1, 0), no_aws, ExitStatus.OK),
    ("promote", ["green", "--simulate", "10"], pair(1, 0), no_aws, ExitStatus.PROBLEM),
    ("promote", ["green", "--dry-run"], nothing, no_aws, ExitStatus.USAGE),
    ("promote", ["green"], committed(1, 0), no_aws, ExitStatus.USAGE),  # no pulumi CLI on this machine
    ("judge", ["green"], pair(255, 10), empty_zone, ExitStatus.PROBLEM),
    ("judge", [], pair(255, 10), no_aws, ExitStatus.USAGE),
    ("judge", ["green"], pair(255, 10, trafficWeight="300"), no_aws, ExitStatus.USAGE),
    ("judge", ["green"], pair(255, 10), no_zone, ExitStatus.AWS),
    ("completion", ["bash"], nothing, no_aws, ExitStatus.OK),
]


@pytest.mark.parametrize(
    ("command", "argv", "setup", "aws", "status"),
    CASES,
    ids=[f"{case[0]}-{case[4].name}-{n}" for n, case in enumerate(CASES)],
)
def test_exit_status_and_streams(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    argv: list[str],
    setup: Setup,
    aws: Callable[[], contextlib.AbstractContextManager[None]],
    status: ExitStatus,
) -> None:
    setup(tmp_path)
    with aws():
        code = cli.main(["--project-dir", str(tmp_path), command, *argv])
    out, err = capsys.readouterr()
    assert code == status, (out, err)
    # The progress line of a command that contacts Route 53 comes first on stderr; what stopped it follows.
    err = "".join(line for line in err.splitlines(keepends=True) if not line.startswith("Contacting Route 53 at "))
    if status in (ExitStatus.USAGE, ExitStatus.AWS):
        assert err.startswith("error: "), err
    else:  # an answer on stdout, or (stack files that disagree) what stopped the command on stderr
        assert out or err.startswith("error: "), err


def test_every_command_is_in_the_table() -> None:
    assert {case[0] for case in CASES} == set(cli.COMMANDS)
