"""Without AWS credentials, or with an expired SSO session, the error says what to do, not only what botocore found."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bluegreen import cli
from bluegreen.exits import ExitStatus
from tests.support.route53 import HOST, write_project

COMMANDS = {
    "verify": ["verify"],
    "migrate": ["migrate", "--hostname", HOST, "--color", "blue", "--dry-run"],
    "prune": ["prune", "--color", "green"],
    "judge": ["judge", "green"],
}


@pytest.fixture
def no_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment where boto3's credential chain finds nothing, and looks nowhere that could hang (IMDS)."""
    for key in [key for key in os.environ if key.startswith("AWS_")]:
        monkeypatch.delenv(key)
    empty = tmp_path / "empty-aws-file"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.usefixtures("no_credentials")
@pytest.mark.parametrize("command", COMMANDS.values(), ids=list(COMMANDS))
def test_no_credentials_says_how_to_give_some(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write_project(project)
    code = cli.main(["--project-dir", str(project), *command])
    err = capsys.readouterr().err
    assert code == ExitStatus.AWS
    assert err.splitlines()[-1] == (
        "error: AWS: Unable to locate credentials. Give the command credentials: a profile of ~/.aws/config with "
        "--profile NAME or AWS_PROFILE=NAME (run `aws sso login --profile NAME` first for an SSO profile), or "
        "`aws configure` to store access keys."
    )


def test_an_expired_sso_session_says_to_sign_in_again(capsys: pytest.CaptureFixture[str]) -> None:
    from botocore.exceptions import TokenRetrievalError

    def expired() -> int:
        raise TokenRetrievalError(provider="sso", error_msg="Token has expired and refresh failed")

    assert cli.run_command(expired) == ExitStatus.AWS
    assert capsys.readouterr().err == (
        "error: AWS: Error when retrieving token from sso: Token has expired and refresh failed. "
        "Sign in again with `aws sso login` (add --profile NAME for the profile the command uses).\n"
    )
