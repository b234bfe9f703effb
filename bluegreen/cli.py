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
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bluegreen import exits
from bluegreen.exits import BluegreenError, ExitStatus

COMMANDS = ("plan", "status", "shift", "check", "verify", "migrate", "prune", "promote", "judge", "completion")


def add_aws_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of every subcommand that calls AWS (boto3's usual credential chain otherwise)."""
    parser.add_argument("--region", help="AWS region for the client (default: the stack files' aws:region)")
    parser.add_argument("--profile", help="AWS profile to use (default: the usual credential chain)")


def _project_dir(text: str) -> Path:
    """--project-dir's value: a folder that exists, or a usage error naming what is wrong with it."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is not a folder" if path.exists() else f"no such folder: {text}")
    return path


def _global_options(default: object) -> argparse.ArgumentParser:
    """The options taken before or after the subcommand; after it, the default is SUPPRESS so that a value
    given before the subcommand is not overwritten by the subparser's default."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--project-dir",
        type=_project_dir,
        default=default,
        help="folder holding Pulumi.yaml and the Pulumi.<stack>.yaml files "
        "(default: the nearest folder upward from the current one that holds Pulumi.yaml)",
    )
    return options


def find_project_dir(start: Path) -> Path:
    """The nearest folder from `start` upward that holds Pulumi.yaml, as git finds `.git`; `start` if none does."""
    for folder in (start, *start.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    return start


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bluegreen",
        description="Operate the eks-bluegreen stacks: offline plan, traffic status and shifts, Route 53 checks.",
        epilog=f"Exit codes: {exits.summary()}.",
        parents=[_global_options(None)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    after = _global_options(argparse.SUPPRESS)
    for name in COMMANDS:
        module = importlib.import_module(f"bluegreen.commands.{name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP, parents=[after])
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
            from bluegreen.route53.client import aws_error_message, aws_errors

            if isinstance(err, aws_errors()):
                print(f"error: AWS: {aws_error_message(err)}", file=sys.stderr)
                return ExitStatus.AWS
        raise


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eks-bluegreen")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # Bare `bluegreen`: the help, on stdout as git prints its usage (readable through `| less`), but exit 2:
        # nothing that was asked for was done, so a script must not take it for success (1 would mean
        # "problem found", git's 1 says neither).
        parser.print_help()
        return ExitStatus.USAGE
    args.project_dir = args.project_dir or find_project_dir(Path.cwd())
    try:
        status = run_command(lambda: args.run(args))
        sys.stdout.flush()  # inside the try: a reader that went away (`| head -1`) shows up here at the latest
    except BrokenPipeError:
        # What Python's signal docs advise (library/signal.html, "Note on SIGPIPE"): send what is left to
        # /dev/null so that the interpreter's own flush at exit does not report the pipe again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitStatus.BROKEN_PIPE
    return status


if __name__ == "__main__":
    sys.exit(main())
