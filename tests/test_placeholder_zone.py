"""The sample's placeholder zone id never reaches AWS: every command that would call Route 53 refuses it first."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bluegreen import cli
from bluegreen.exits import ExitStatus
from tests.support.git import commit_all
from tests.support.route53 import HOST, ZONE_ID, write_project

COMMANDS = {
    "verify": ["verify"],
    "migrate --dry-run": ["migrate", "--hostname", HOST, "--color", "blue", "--dry-run"],
    "prune": ["prune", "--color", "green"],
    "judge": ["judge", "green"],
    "promote": ["promote", "green"],
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=list(COMMANDS))
def test_the_sample_placeholder_zone_is_refused_before_any_call(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as free:  # an endpoint nothing listens on: a call would show up as exit 3
        free.bind(("127.0.0.1", 0))
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free.getsockname()[1]}")
    project = write_project(tmp_path)
    for path in project.glob("Pulumi.*.yaml"):
        path.write_text(path.read_text().replace(ZONE_ID, "Z0PLACEHOLDER0000000"))
    commit_all(project, "pair")  # promote wants committed files
    code = cli.main(["--project-dir", str(project), *command])
    captured = capsys.readouterr()
    assert (code, captured.out) == (ExitStatus.USAGE, "")
    assert captured.err == (
        "error: the stack files' eks-bluegreen:hostedZoneId Z0PLACEHOLDER0000000 is the sample's placeholder. "
        "Set the ID of your public hosted zone (`aws route53 list-hosted-zones-by-name --dns-name <domain>`) "
        "and commit it.\n"
    )
