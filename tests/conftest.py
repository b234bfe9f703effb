"""Shared fixtures: the project folder, its sample stack files, and offline runs of the program."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bluegreen import mock_engine
from bluegreen.stackfiles import load_stack_config
from tests.support.cli import bluegreen  # noqa: F401  (the fixture that runs the command line)

PROJECT_DIR = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials and region that can only ever reach moto, never a real account, for every test."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def sample_config(stack: str, **overrides: Any) -> dict[str, Any]:
    """A sample stack file's config, with `eks-bluegreen:` keys overridden by keyword."""
    config = load_stack_config(PROJECT_DIR / f"Pulumi.{stack}.yaml")
    config.update({f"eks-bluegreen:{key}": value for key, value in overrides.items()})
    return config


def run(stack: str, scenario: mock_engine.Scenario | None = None, **overrides: Any) -> mock_engine.Plan:
    return mock_engine.run_program(sample_config(stack, **overrides), stack, PROJECT_DIR, scenario)


@pytest.fixture(scope="session")
def blue() -> mock_engine.Plan:
    result = run("blue")
    assert result.error is None, result.error
    return result


@pytest.fixture(scope="session")
def green() -> mock_engine.Plan:
    result = run("green")
    assert result.error is None, result.error
    return result
