"""Stack files in a temporary project, and `bluegreen` run in-process with its exit status, stdout and stderr.

Used by the command tests through the `bluegreen` fixture (registered in conftest.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bluegreen import cli

ROOT = Path(__file__).parent.parent.parent

STACK_FILE = """\
# Stack "{color}": this comment, and every other, must survive a shift.
config:
  aws:region: eu-west-1
  # Which side this stack is.
  eks-bluegreen:color: {color}
  eks-bluegreen:clusterVersion: "{version}"
  # Route 53 weight of this colour, 0..255.
  eks-bluegreen:trafficWeight: {weight}   # changed by bluegreen shift
  eks-bluegreen:hostedZoneId: Z0PLACEHOLDER0000000
  eks-bluegreen:domain: example.com
  eks-bluegreen:endpoints:
    - hostname: app.example.com
      service: demo/echo
      port: 80
{extra}"""


def stack_text(color: str, weight: int | str, version: str, extra: str = "") -> str:
    return STACK_FILE.format(color=color, weight=weight, version=version, extra=extra)


def write_stack(
    project: Path, stack: str, weight: int | str, *, color: str = "", version: str = "", extra: str = ""
) -> None:
    color = color or stack
    version = version or ("1.33" if color == "blue" else "1.34")
    (project / f"Pulumi.{stack}.yaml").write_text(stack_text(color, weight, version, extra))


def write_pair(project: Path, blue: int, green: int, **blue_overrides: str) -> None:
    write_stack(project, "blue", blue, **blue_overrides)
    write_stack(project, "green", green)


def copy_project(directory: Path) -> Path:
    """The program and the sample stack files in `directory`, for commands that run the program offline."""
    for name in ("__main__.py", "Pulumi.yaml", "Pulumi.blue.yaml", "Pulumi.green.yaml"):
        shutil.copy(ROOT / name, directory / name)
    shutil.copytree(ROOT / "components", directory / "components")
    return directory


def weight_in(project: Path, stack: str) -> int:
    for line in (project / f"Pulumi.{stack}.yaml").read_text().splitlines():
        if "trafficWeight:" in line:
            return int(line.split(":")[2].split("#")[0])
    raise AssertionError("no weight")


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def bluegreen(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run `bluegreen --project-dir <tmp_path> ARGS...` in-process, as the installed command would."""

    monkeypatch.chdir(tmp_path)  # suggested commands leave out --project-dir when it is the current folder

    def run(*argv: str, project: Path = tmp_path) -> Result:
        code = cli.main(["--project-dir", str(project), *argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


# An extra item of a stack file's endpoints (pass as `extra`): a hostname one colour serves and the other not.
NEW_HOSTNAME = """\
    - hostname: new.example.com
      service: demo/echo
      port: 80
"""
