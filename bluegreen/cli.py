"""The `bluegreen` command: one subcommand per module in bluegreen/commands.

Each command module defines `HELP`, `add_arguments(parser)` and `run(args) -> ExitStatus`, and imports
heavy libraries (Pulumi, boto3) inside `run`, so that `status` and `check` answer without loading them.
A command prints its answer (a table, a verdict, a refusal that is the result) to stdout and returns its
status; what stops it is raised, and `run_command` alone turns that into `error: …` on stderr and the
exit status (exits.ExitStatus, documented in the README).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bluegreen.exits import BluegreenError, ExitStatus

COMMANDS = ("plan", "status", "shift", "check", "verify", "migrate", "prune", "promote", "judge")


def add_aws_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of every subcommand that calls AWS (boto3's usual credential chain otherwise)."""
    parser.add_argument("--region", help="AWS region for the client (default: the stack files' aws:region)")
    parser.add_argument("--profile", help="AWS profile to use (default: the usual credential chain)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bluegreen",
        description="Operate the eks-bluegreen stacks: offline plan, traffic status and shifts, Route 53 checks.",
        epilog="Exit codes: 0 ok, 1 problem found, 2 usage or invalid stack file, 3 AWS error.",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path.cwd(),
        help="folder holding Pulumi.yaml and the Pulumi.<stack>.yaml files (default: current folder)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"bluegreen.commands.{name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def run_command(command: Callable[[], int]) -> int:
    """Run one command: its own status, or the error that stopped it on stderr and that error's status."""
    try:
        return command()
    except BluegreenError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_status
    except Exception as err:
        # Only a command that called AWS has loaded botocore; checking lazily keeps status and check light.
        if "botocore" in sys.modules:
            from bluegreen.route53.client import aws_errors

            if isinstance(err, aws_errors()):
                print(f"error: AWS: {err}", file=sys.stderr)
                return ExitStatus.AWS
        raise


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(lambda: args.run(args))


if __name__ == "__main__":
    sys.exit(main())
