"""Median wall time of `bluegreen status` and `bluegreen check`, each run as a fresh process.

    .venv/bin/python benchmarks/cli_speed.py [--runs 20]

Runs against a temporary git repository holding copies of the sample stack files, with green raised
from 0 to 1 in the working tree, so that `check` compares a real change. Prints numbers; asserts nothing.
The bare interpreter start is printed too, as the floor every command pays.
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


def median_seconds(command: list[str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_project(directory: Path) -> None:
    for name in ("Pulumi.blue.yaml", "Pulumi.green.yaml"):
        shutil.copy(ROOT / name, directory / name)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "sample stacks"]):
        subprocess.run([*git, *args], cwd=directory, check=True)
    subprocess.run(
        [sys.executable, "-m", "bluegreen", "shift", "green"], cwd=directory, check=True, capture_output=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Median wall time of bluegreen status and check.")
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="bluegreen-bench-") as scratch:
        project = Path(scratch)
        make_project(project)
        bluegreen = [sys.executable, "-m", "bluegreen"]
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "bluegreen status": [*bluegreen, "status"],
            "bluegreen check --base HEAD": [*bluegreen, "check", "--base", "HEAD"],
        }
        print(f"median wall time of {runs} runs each ({sys.executable}):")
        for label, command in cases.items():
            print(f"  {label:<28} {median_seconds(command, project, runs) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
