"""Median wall time of `bluegreen status` and `bluegreen check`, each run as a fresh process.

    .venv/bin/python benchmarks/cli_speed.py [--runs 20]

Runs against a temporary git repository holding copies of the sample stack files, with green raised
from 0 to 1 in the working tree, so that `check` compares a real change. `status` is also timed on the
worst history it reads: 60 commits that each change a stack file without moving a weight, so that it
walks back through all of the last 50 (every one a different file to read) without finding where the
split came from, and in a clone whose branch has a committed step that origin/main lacks (what
`status` then compares). Prints numbers; asserts nothing. The bare interpreter start is printed too, as the
floor every command pays.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def interpreter() -> str:
    """The interpreter timed, relative to the project when it is the project's own (.venv/bin/python), so that
    what the docs quote holds no folder of one machine."""
    executable = Path(sys.executable)
    return str(executable.relative_to(ROOT)) if executable.is_relative_to(ROOT) else str(executable)


def median_seconds(command: list[str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]


def make_project(directory: Path) -> None:
    for name in ("Pulumi.blue.yaml", "Pulumi.green.yaml"):
        shutil.copy(ROOT / name, directory / name)
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "sample stacks"]):
        subprocess.run([*GIT, *args], cwd=directory, check=True)
    subprocess.run(
        [sys.executable, "-m", "bluegreen", "shift", "green"], cwd=directory, check=True, capture_output=True
    )


def make_long_history(directory: Path, commits: int = 60) -> None:
    make_project(directory)
    subprocess.run([*GIT, "commit", "-q", "-a", "-m", "green 1"], cwd=directory, check=True)
    for number in range(commits):
        with (directory / "Pulumi.green.yaml").open("a") as stack_file:
            stack_file.write(f"# note {number}\n")
        subprocess.run([*GIT, "commit", "-q", "-a", "-m", f"note {number}"], cwd=directory, check=True)


def make_clone_with_an_unmerged_step(directory: Path) -> None:
    """A clone (origin/HEAD set) on a branch whose one commit raises green: status compares it with origin/main."""
    make_project(directory)
    remote = directory.parent / "origin.git"
    subprocess.run([*GIT, "init", "-q", "--bare", str(remote)], check=True)
    for args in (
        ["remote", "add", "origin", str(remote)],
        ["push", "-q", "origin", "HEAD:refs/heads/main"],
        ["fetch", "-q", "origin"],
        ["remote", "set-head", "origin", "main"],
        ["checkout", "-q", "-b", "trial", "--track", "origin/main"],
        ["commit", "-q", "-a", "-m", "green 1"],
    ):
        subprocess.run([*GIT, *args], cwd=directory, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Median wall time of bluegreen status and check.")
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="bluegreen-bench-") as scratch:
        project, history = Path(scratch, "project"), Path(scratch, "history")
        project.mkdir()
        history.mkdir()
        make_project(project)
        make_long_history(history)
        clone = Path(scratch, "clone")
        clone.mkdir()
        make_clone_with_an_unmerged_step(clone)
        bluegreen = [sys.executable, "-m", "bluegreen"]
        cases = {
            "python -c pass": ([sys.executable, "-c", "pass"], project),
            "bluegreen status": ([*bluegreen, "status"], project),
            "bluegreen status (50 commits)": ([*bluegreen, "status"], history),
            "bluegreen status (clone, unmerged)": ([*bluegreen, "status"], clone),
            "bluegreen check --base HEAD": ([*bluegreen, "check", "--base", "HEAD"], project),
        }
        print(f"median wall time of {runs} runs each ({interpreter()}):")
        for label, (command, cwd) in cases.items():
            print(f"  {label:<36} {median_seconds(command, cwd, runs) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
