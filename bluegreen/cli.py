"""The `bluegreen` command: one subcommand per module in bluegreen/commands.

Each command module defines `HELP`, `add_arguments(parser)` and `run(args) -> int`, and imports heavy
libraries (Pulumi, boto3) inside `run`, so that `status` and `check` answer without loading them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

# Exit codes shared by every subcommand (documented in the README).
EXIT_OK = 0
EXIT_PROBLEM = 1  # the command ran and found something wrong: invalid pair, mismatch, refused change
EXIT_USAGE = 2  # bad arguments or an unreadable/invalid stack file
EXIT_AWS = 3  # AWS refused or failed a call (credentials, permissions, throttling)

COMMANDS = ("plan", "status", "shift", "check", "verify", "migrate", "prune")


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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
