"""Every command on every kind of damaged stack file: one line `error: <file>:<line>: …` on stderr, exit 2.

In process, so that a traceback would fail the test as the exception it is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bluegreen import cli
from bluegreen.exits import ExitStatus
from tests.support.cli import stack_text, write_pair
from tests.support.git import commit_all

BLUE = stack_text("blue", 1, "1.33")
COLOR_LINE = "  eks-bluegreen:color: blue\n"

# damage -> (the damaged bytes of Pulumi.blue.yaml, the line the message names)
DAMAGES: dict[str, tuple[bytes, int]] = {
    "truncated": (BLUE[: BLUE.index("app.example.com") + 3].replace("app", '"app').encode(), 12),
    "a stray tab": (BLUE.replace(COLOR_LINE, "\t" + COLOR_LINE.lstrip()).encode(), 5),
    "a control byte": (BLUE.replace("color: blue", "color: bl\x01ue").encode(), 5),
    "a byte-order mark inside": (BLUE.replace(COLOR_LINE, "\ufeff" + COLOR_LINE).encode(), 5),
    "a duplicate key": (BLUE.replace(COLOR_LINE, COLOR_LINE + "  eks-bluegreen:color: green\n").encode(), 6),
    "a dangling alias": (BLUE.replace("color: blue", "color: *blue").encode(), 5),
    "a YAML error": (BLUE.replace("color: blue", "color: [blue").encode(), 6),
    "bytes that are not UTF-8": (BLUE.replace("color: blue", "color: bl\udcffue").encode(errors="surrogateescape"), 5),
    "not a map": (b"- config\n", 1),
}

COMMANDS = {
    "status": ["status"],
    "shift": ["shift", "green"],
    "check": ["check", "--base", "HEAD"],
    "plan of the damaged stack": ["plan", "blue"],
    "plan of its peer": ["plan", "green"],
    "verify": ["verify"],
    "migrate": ["migrate", "--hostname", "app.example.com", "--color", "blue", "--dry-run"],
    "prune": ["prune", "--color", "green"],
}


@pytest.fixture(scope="module")
def committed_pair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository whose HEAD holds a valid pair: `check` compares the damaged file with it."""
    project = tmp_path_factory.mktemp("project")
    (project / "Pulumi.yaml").write_text("name: eks-bluegreen\nruntime: python\n")
    write_pair(project, 1, 0)
    commit_all(project, "pair")
    return project


@pytest.mark.parametrize("command", COMMANDS.values(), ids=list(COMMANDS))
@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_a_damaged_stack_file_is_one_line_with_the_file_and_line(
    command: list[str],
    damage: str,
    committed_pair: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # no command may get as far as AWS
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    damaged, line = DAMAGES[damage]
    blue = committed_pair / "Pulumi.blue.yaml"
    original = blue.read_bytes()
    blue.write_bytes(damaged)
    try:
        code = cli.main(["--project-dir", str(committed_pair), *command])
    finally:
        blue.write_bytes(original)
    err = capsys.readouterr().err
    assert code == ExitStatus.USAGE
    assert re.fullmatch(rf"error: Pulumi\.blue\.yaml:{line}: [^\n]+\n", err), err


def test_an_unquoted_wildcard_says_to_quote_it_and_that_wildcards_are_not_taken(
    committed_pair: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blue = committed_pair / "Pulumi.blue.yaml"
    original = blue.read_bytes()
    blue.write_bytes(original.replace(b"hostname: app.example.com", b"hostname: *.example.com"))
    try:
        code = cli.main(["--project-dir", str(committed_pair), "status"])
    finally:
        blue.write_bytes(original)
    assert code == ExitStatus.USAGE
    assert capsys.readouterr().err == (
        "error: Pulumi.blue.yaml:12: *.example.com is read by YAML as an alias to an anchor, because it starts with "
        '`*`; quote it: "*.example.com". A hostname or the domain cannot be a wildcard: list each hostname\n'
    )


def test_every_command_heads_an_invalid_stack_file_the_same_way(
    committed_pair: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Valid YAML, an invalid setting: one report (SettingsError.report), whichever command read the file."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # no command may get as far as AWS
    commands = {name: argv for name, argv in COMMANDS.items() if name not in ("check", "plan of its peer")}
    commands |= {"judge": ["judge", "green"], "promote": ["promote", "green"]}
    blue = committed_pair / "Pulumi.blue.yaml"
    original = blue.read_bytes()
    blue.write_bytes(original.replace(b"trafficWeight: 1 ", b"trafficWeight: 256 "))
    errors = {}
    try:
        for name, argv in commands.items():
            assert cli.main(["--project-dir", str(committed_pair), *argv]) == ExitStatus.USAGE, name
            errors[name] = capsys.readouterr().err
    finally:
        blue.write_bytes(original)
    report = (
        "error: Pulumi.blue.yaml: 1 problem(s)\n"
        "  - eks-bluegreen:trafficWeight = '256': must be 0..255, the range of a Route 53 weight\n"
    )
    assert errors == dict.fromkeys(commands, report)
