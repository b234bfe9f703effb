"""The verify/migrate/prune command modules load without boto3 (cli.py imports every command at startup)
and answer --help."""

from __future__ import annotations

import argparse
import subprocess
import sys
from types import ModuleType

import pytest

from bluegreen.commands import migrate, prune, verify


def test_building_the_parsers_does_not_import_boto3() -> None:
    script = (
        "import argparse, sys\n"
        "from bluegreen.commands import migrate, prune, verify\n"
        "for module in (verify, migrate, prune):\n"
        "    module.add_arguments(argparse.ArgumentParser())\n"
        "print(sorted(m for m in ('boto3', 'botocore', 'moto') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("module", "options"),
    [
        (verify, ["--wait", "--samples", "--region", "--profile"]),
        (migrate, ["--hostname", "--color", "--dry-run", "--old-owner-id"]),
        (prune, ["--color", "--yes"]),
    ],
)
def test_help(module: ModuleType, options: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(description=module.HELP)
    module.add_arguments(parser)
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert all(option in out for option in options)


@pytest.mark.parametrize("argv", [["--wait", "-1"], ["--samples", "1001"], ["--samples", "x"]])
def test_bad_verify_options_are_usage_errors(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    verify.add_arguments(parser)
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(argv)
    assert exit_info.value.code == 2
