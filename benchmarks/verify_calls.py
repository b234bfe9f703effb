"""Route 53 calls `bluegreen verify` makes for one hostname, in a tiny zone and in a big one (moto, in process).

    .venv/bin/python benchmarks/verify_calls.py [--records 10000]

The big zone holds unrelated records whose names sort before, between and after the hostname's own
names and below it (h00002.app.example.com sorts right after app.example.com). Prints the number of
calls per operation for each zone and the time the run took under moto; asserts nothing. Route 53
allows 5 requests/s per account, so the count, not the time, is what matters against real AWS.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' moto helpers

for variable, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
}.items():
    os.environ[variable] = value  # moto only: never a real account
os.environ.pop("AWS_PROFILE", None)

from bluegreen import route53  # noqa: E402
from bluegreen.commands import verify  # noqa: E402
from tests.support.route53 import (  # noqa: E402
    ZONE_ID,
    colour_records,
    command_args,
    count_calls,
    moto_zone,
    put,
    write_project,
)
from tests.test_route53_calls import unrelated_records  # noqa: E402


def measure(unrelated: int) -> tuple[dict[str, int], float, int]:
    """Calls made by verify, its time under moto, and the calls a whole-zone listing takes for comparison."""
    with tempfile.TemporaryDirectory() as folder, moto_zone() as client:
        project = write_project(Path(folder))
        put(client, *colour_records("blue", 1), *colour_records("green", 0), *unrelated_records(unrelated))
        start = time.perf_counter()
        with count_calls(client) as counts, contextlib.redirect_stdout(io.StringIO()):
            code = verify.run(command_args(verify, project), client=client)
        elapsed = time.perf_counter() - start
        with count_calls(client) as listing:
            route53.list_zone(client, ZONE_ID)
    if code != 0:
        raise SystemExit(f"verify exited {code} on the {unrelated}-record zone")
    return dict(counts), elapsed, sum(listing.values())


def main() -> None:
    parser = argparse.ArgumentParser(description="Route 53 calls of `bluegreen verify` for one hostname.")
    parser.add_argument("--records", type=int, default=10_000, help="unrelated records in the big zone")
    args = parser.parse_args()
    for unrelated in (0, args.records):
        counts, elapsed, listing = measure(unrelated)
        detail = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        print(
            f"zone with {unrelated:>6} unrelated records: verify made {sum(counts.values())} Route 53 calls "
            f"({detail}) in {elapsed:.2f} s under moto; listing the whole zone would take {listing}"
        )


if __name__ == "__main__":
    main()
