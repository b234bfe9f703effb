"""`bluegreen verify`: compare each shared hostname's Route 53 records with the two stack files, and check
the certificate each colour's load balancer serves.

Read-only. For each hostname it reads that name and the TXT names ExternalDNS keeps its ownership in
(four name-scoped ListResourceRecordSets calls, whatever the zone's size), never the whole zone. Then,
for each colour with `tls`, a TLS handshake with the load balancer its weighted record points at, once
per shared hostname and direct name (SNI), reporting whether the certificate is valid for the name and
when it expires.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bluegreen import cli, stackfiles, tls, tls_probe
from bluegreen.commands import argtypes
from bluegreen.exits import BluegreenError, ExitStatus
from bluegreen.route53 import samples
from bluegreen.route53.client import make_client, read_hostname, sample_answers
from bluegreen.route53.verify import compare, load_balancer_addresses, table
from bluegreen.settings import COLORS, placeholder_zone_problem

if TYPE_CHECKING:
    from bluegreen.route53.records import RecordSet
    from bluegreen.stackfiles import StackPair

HELP = "Compare each shared hostname's Route 53 records (weights, set identifiers, owners) with the stack files."

MAX_BACKOFF_SECONDS = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait",
        type=argtypes.seconds,
        default=0.0,
        metavar="SECONDS",
        help="check again with exponential backoff (up to 30 s apart) until the records match or this time runs out",
    )
    parser.add_argument(
        "--samples",
        type=argtypes.samples,
        default=0,
        metavar="N",
        help="also ask Route 53 for N answers per hostname (TestDNSAnswer, type A) and show the observed split",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=COLORS,
        default=list(COLORS),
        metavar="COLOR",
        help="compare only these colours' records, e.g. the ones that keep traffic before the deploy lowers the "
        "other; the other colour's records are not checked (a rollback must not depend on them)",
    )
    cli.add_aws_arguments(parser)


def run(
    args: argparse.Namespace,
    *,
    client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    resolve: Callable[[str], set[str]] | None = None,
    tls_check: Callable[[str, str], tls_probe.TlsResult] = tls_probe.check,
) -> ExitStatus:
    pair = stackfiles.load_pair(args.project_dir)
    if problem := placeholder_zone_problem(pair.zone_id):
        raise BluegreenError(f"the stack files' {problem}")  # never ask AWS about a zone that cannot exist
    print(pair.describe())
    only = tuple(c for c in COLORS if c in args.only)
    if only != COLORS:
        skipped = " and ".join(c for c in COLORS if c not in only)
        print(f"Comparing only {' and '.join(only)}: the records of {skipped} are not checked.")
    client = client or make_client(args.region or pair.region, args.profile)
    records, findings = check_until_match(client, pair, only, args.wait, sleep, clock)
    for hostname in pair.hostnames:
        expected = pair.expected(hostname, only)
        if findings[hostname]:
            print(f"\n{hostname}: {len(findings[hostname])} difference(s) from the stack files:")
            print("\n".join(f"  - {finding}" for finding in findings[hostname]))
        else:
            print(f"\n{hostname}: matches the stack files.")
        print(table(expected, records[hostname]))
        if args.samples:
            _print_samples(client, pair, hostname, records[hostname], args.samples, resolve)
    failed_tls = _check_tls(pair, only, records, tls_check)
    differing = [h for h in pair.hostnames if findings[h]]
    if differing:
        print(f"\n{len(differing)} of {len(pair.hostnames)} hostname(s) differ from the stack files.")
    else:
        print(f"\nAll {len(pair.hostnames)} hostname(s) match the stack files.")
    if failed_tls:
        print(f"{failed_tls} TLS check(s) failed.")
    return ExitStatus.PROBLEM if differing or failed_tls else ExitStatus.OK


def _check_tls(
    pair: StackPair,
    only: tuple[str, ...],
    records: dict[str, list[RecordSet]],
    tls_check: Callable[[str, str], tls_probe.TlsResult],
) -> int:
    """Handshake with each compared colour's load balancer for every name it serves; print results, count failures."""
    stacks = {color: settings for color, settings in pair.stacks.items() if color in only}
    targets = tls.handshake_targets(stacks, load_balancer_addresses(records))
    if not targets:
        return 0
    now = datetime.now(UTC)
    print("\nHTTPS: a TLS handshake with each colour's load balancer (from its weighted record), per name:")
    failed = 0
    for target in targets:
        if target.address is None:
            result = tls_probe.TlsResult(
                "", target.server_name, tls_probe.UNREACHABLE, f"no weighted A record of {target.color} to connect to"
            )
        else:
            result = tls_check(target.address, target.server_name)
        failed += not result.ok
        where = f" at {target.address}" if target.address else ""
        print(f"  {target.color} {target.server_name}{where}: {result.describe(now)}")
    return failed


def check_until_match(
    client: Any,
    pair: StackPair,
    only: tuple[str, ...],
    wait: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> tuple[dict[str, list[RecordSet]], dict[str, list[str]]]:
    """Records and findings per hostname, re-reading the differing ones until they match or `wait` runs out."""
    deadline = clock() + wait
    pause = 1.0
    records: dict[str, list[RecordSet]] = {}
    findings: dict[str, list[str]] = {}
    pending = list(pair.hostnames)
    while True:
        for hostname in pending:
            records[hostname] = read_hostname(client, pair.zone_id, hostname)
            findings[hostname] = compare(pair.expected(hostname, only), records[hostname])
        pending = [h for h in pending if findings[h]]
        left = deadline - clock()
        if not pending or left <= 0:
            return records, findings
        step = min(pause, left)
        print(
            f"waiting: {len(pending)} hostname(s) still differ ({findings[pending[0]][0]}); "
            f"checking again in {step:.0f} s, {left:.0f} s left",
            flush=True,
        )
        sleep(step)
        pause = min(pause * 2, MAX_BACKOFF_SECONDS)


def _print_samples(
    client: Any,
    pair: StackPair,
    hostname: str,
    records: list[RecordSet],
    count: int,
    resolve: Callable[[str], set[str]] | None,
) -> None:
    colors_by_value = samples.answer_colors(records, hostname, resolve or samples.resolve_addresses)
    answers = sample_answers(client, pair.zone_id, hostname, count)
    weights = {color: settings.traffic_weight for color, settings in pair.stacks.items()}
    print(f"{hostname}: {count} answers from Route 53 TestDNSAnswer (type A), against the stack files' weights:")
    print("\n".join(samples.split_report(samples.tally(answers, colors_by_value), weights)))
