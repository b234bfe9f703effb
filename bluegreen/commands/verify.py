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
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bluegreen import cli, json_output, stackfiles, tls, tls_probe
from bluegreen.commands import argtypes
from bluegreen.exits import ExitStatus
from bluegreen.route53 import samples
from bluegreen.route53.client import make_client, read_hostname, refuse_placeholder_zone, sample_answers
from bluegreen.route53.verify import Row, compare, load_balancer_addresses, render_rows, rows
from bluegreen.settings import COLORS

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
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the records, problems, TLS results and samples as one JSON document (docs/json.md); "
        "progress lines go to stderr",
    )
    cli.add_aws_arguments(parser)


@dataclass(frozen=True)
class Convergence:
    """Each hostname's records and findings as last read, after `attempts` readings and `waited_seconds` of pauses."""

    records: dict[str, list[RecordSet]]
    findings: dict[str, list[str]]
    attempts: int
    waited_seconds: float


@dataclass(frozen=True)
class SampledSplit:
    """`count` answers of Route 53 (TestDNSAnswer) for one hostname, split by colour."""

    count: int
    splits: list[samples.ColorSplit]
    unmatched: int


@dataclass(frozen=True)
class HostnameCheck:
    hostname: str
    rows: list[Row]
    findings: list[str]
    sampled: SampledSplit | None

    @property
    def matched(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class TlsCheck:
    target: tls.HandshakeTarget
    result: tls_probe.TlsResult


@dataclass(frozen=True)
class Verification:
    """Everything one `verify` found: what both the text and the JSON are printed from."""

    pair: StackPair
    only: tuple[str, ...]
    hostnames: list[HostnameCheck]
    tls_checks: list[TlsCheck]
    tls_checked_at: datetime
    wait_seconds: float
    convergence: Convergence

    @property
    def differing(self) -> list[HostnameCheck]:
        return [h for h in self.hostnames if not h.matched]

    @property
    def failed_tls(self) -> list[TlsCheck]:
        return [c for c in self.tls_checks if not c.result.ok]

    @property
    def matched(self) -> bool:
        """The verdict (exit 0): every hostname's records as the stack files say, and every TLS check valid."""
        return not self.differing and not self.failed_tls


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
    refuse_placeholder_zone(pair.zone_id)
    only = tuple(c for c in COLORS if c in args.only)
    # With --json, stdout is the document alone. The pair's description is left out (the document carries it);
    # the scope of --only and the --wait lines go to stderr, so that a CI log still says what was not checked
    # and shows progress during a wait of minutes.
    progress = _to_stderr if args.json else _to_stdout
    show = _ignore if args.json else _show
    show([pair.describe()])
    if only != COLORS:
        skipped = " and ".join(c for c in COLORS if c not in only)
        progress(f"Comparing only {' and '.join(only)}: the records of {skipped} are not checked.")
    client = client or make_client(args.region or pair.region, args.profile)
    verification = check(
        client,
        pair,
        only,
        wait=args.wait,
        sample_count=args.samples,
        sleep=sleep,
        clock=clock,
        resolve=resolve or samples.resolve_addresses,
        tls_check=tls_check,
        progress=progress,
        show=show,
    )
    show(render_totals(verification))
    if args.json:
        json_output.print_document("verify", to_json(verification))
    return ExitStatus.OK if verification.matched else ExitStatus.PROBLEM


def _show(lines: list[str]) -> None:
    print("\n".join(lines), flush=True)  # flushed: each part shows as soon as it is known (samples take minutes)


def _ignore(lines: list[str]) -> None:
    pass


def _to_stdout(line: str) -> None:
    print(line, flush=True)  # flushed: a CI log shows each --wait line when it happens


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def check(
    client: Any,
    pair: StackPair,
    only: tuple[str, ...],
    *,
    wait: float,
    sample_count: int,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    resolve: Callable[[str], set[str]],
    tls_check: Callable[[str, str], tls_probe.TlsResult],
    progress: Callable[[str], None],
    show: Callable[[list[str]], None],
) -> Verification:
    """Read and compare the records (waiting up to `wait` seconds for them to match), sample Route 53's answers
    when asked, then make the TLS handshakes of the compared colours. Each part is handed to `show` as text
    as soon as it is known; all of them come back in the Verification."""
    converged = check_until_match(client, pair, only, wait, sleep, clock, progress)
    hostnames = []
    for hostname in pair.hostnames:
        found = converged.records[hostname]
        host = HostnameCheck(hostname, rows(pair.expected(hostname, only), found), converged.findings[hostname], None)
        show(render_hostname(host))
        if sample_count:
            sampled = _sample(client, pair, hostname, found, sample_count, resolve)
            show(render_samples(hostname, sampled))
            host = replace(host, sampled=sampled)
        hostnames.append(host)
    stacks = {color: settings for color, settings in pair.stacks.items() if color in only}
    targets = tls.handshake_targets(stacks, load_balancer_addresses(converged.records))
    tls_checked_at = datetime.now(UTC)
    if targets:
        show(["", "HTTPS: a TLS handshake with each colour's load balancer (from its weighted record), per name:"])
    tls_checks = []
    for target in targets:
        tls_checks.append(_handshake(target, tls_check))
        show([render_tls(tls_checks[-1], tls_checked_at)])
    return Verification(pair, only, hostnames, tls_checks, tls_checked_at, wait, converged)


def _handshake(target: tls.HandshakeTarget, tls_check: Callable[[str, str], tls_probe.TlsResult]) -> TlsCheck:
    """A handshake with the colour's load balancer for one name (none without a weighted record to follow)."""
    if target.address is None:
        result = tls_probe.TlsResult(
            "", target.server_name, tls_probe.UNREACHABLE, f"no weighted A record of {target.color} to connect to"
        )
    else:
        result = tls_check(target.address, target.server_name)
    return TlsCheck(target, result)


def check_until_match(
    client: Any,
    pair: StackPair,
    only: tuple[str, ...],
    wait: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    progress: Callable[[str], None] = _to_stdout,
) -> Convergence:
    """Records and findings per hostname, re-reading the differing ones until they match or `wait` runs out."""
    deadline = clock() + wait
    pause = 1.0
    records: dict[str, list[RecordSet]] = {}
    findings: dict[str, list[str]] = {}
    pending = list(pair.hostnames)
    attempts, waited = 0, 0.0
    while True:
        attempts += 1
        for hostname in pending:
            records[hostname] = read_hostname(client, pair.zone_id, hostname)
            findings[hostname] = compare(pair.expected(hostname, only), records[hostname])
        pending = [h for h in pending if findings[h]]
        left = deadline - clock()
        if not pending or left <= 0:
            return Convergence(records, findings, attempts, waited)
        step = min(pause, left)
        progress(
            f"waiting: {len(pending)} hostname(s) still differ ({findings[pending[0]][0]}); "
            f"checking again in {step:.0f} s, {left:.0f} s left"
        )
        sleep(step)
        waited += step
        pause = min(pause * 2, MAX_BACKOFF_SECONDS)


def _sample(
    client: Any,
    pair: StackPair,
    hostname: str,
    records: list[RecordSet],
    count: int,
    resolve: Callable[[str], set[str]],
) -> SampledSplit:
    colors_by_value = samples.answer_colors(records, hostname, resolve)
    counts = samples.tally(sample_answers(client, pair.zone_id, hostname, count), colors_by_value)
    weights = {color: settings.traffic_weight for color, settings in pair.stacks.items()}
    return SampledSplit(count, samples.split(counts, weights), counts[samples.UNMATCHED])


def render_hostname(host: HostnameCheck) -> list[str]:
    """One hostname's differences (or that it matches) and its table."""
    if host.findings:
        lines = ["", f"{host.hostname}: {len(host.findings)} difference(s) from the stack files:"]
        lines += [f"  - {finding}" for finding in host.findings]
    else:
        lines = ["", f"{host.hostname}: matches the stack files."]
    return [*lines, render_rows(host.rows)]


def render_samples(hostname: str, sampled: SampledSplit) -> list[str]:
    return [
        f"{hostname}: {sampled.count} answers from Route 53 TestDNSAnswer (type A), against the stack files' weights:",
        *samples.render_split(sampled.splits, sampled.unmatched),
    ]


def render_tls(tls_check: TlsCheck, now: datetime) -> str:
    target = tls_check.target
    where = f" at {target.address}" if target.address else ""
    return f"  {target.color} {target.server_name}{where}: {tls_check.result.describe(now)}"


def render_totals(verification: Verification) -> list[str]:
    total, differing = len(verification.hostnames), len(verification.differing)
    lines = [
        "",
        f"{differing} of {total} hostname(s) differ from the stack files."
        if differing
        else f"All {total} hostname(s) match the stack files.",
    ]
    if verification.failed_tls:
        lines.append(f"{len(verification.failed_tls)} TLS check(s) failed.")
    return lines


def to_json(verification: Verification) -> dict[str, Any]:
    """The `verify` document's fields (docs/json/verify.schema.json)."""
    pair = verification.pair
    return {
        "zone_id": pair.zone_id,
        "domain": pair.domain,
        "region": pair.region,
        "stacks": {
            color: {"weight": s.traffic_weight, "owner_id": s.txt_owner_id, "tls": s.tls}
            for color, s in pair.stacks.items()
        },
        "only": list(verification.only),
        "matched": verification.matched,
        "hostnames": [_hostname_json(host) for host in verification.hostnames],
        "tls": [_tls_json(c) for c in verification.tls_checks],
        "wait": {
            "timeout_seconds": verification.wait_seconds,
            "attempts": verification.convergence.attempts,
            # To 0.1 s: the last pause is what was left of --wait, measured to the nanosecond (4.971641352000006).
            "waited_seconds": round(verification.convergence.waited_seconds, 1),
        },
    }


def _hostname_json(host: HostnameCheck) -> dict[str, Any]:
    sampled = host.sampled
    return {
        "hostname": host.hostname,
        "matched": host.matched,
        "problems": host.findings,
        "records": [_row_json(row) for row in host.rows],
        "samples": None
        if sampled is None
        else {
            "answers": sampled.count,
            "unmatched": sampled.unmatched,
            "colors": {
                s.color: {
                    "answers": s.answers,
                    "observed_share": s.observed_share,
                    "interval_95": list(s.interval),
                    "expected_share": s.expected_share,
                    "within": s.within,
                }
                for s in sampled.splits
            },
        },
    }


def _row_json(row: Row) -> dict[str, Any]:
    expected, record = row.expected, row.record
    return {
        "type": row.type,
        "set_identifier": row.set_identifier,
        "expected": None
        if expected is None
        else {
            "color": expected.color,
            "weight": expected.weight,
            "owner_id": expected.owner_id,
            "checked": expected.checked,
        },
        "found": None
        if record is None
        else {
            "routing_policy": record.policy,
            "weight": record.weight,
            "alias_target": record.alias_target,
            "evaluate_target_health": record.raw["AliasTarget"].get("EvaluateTargetHealth")
            if record.is_alias
            else None,
            "values": list(record.values),
            "ttl": record.raw.get("TTL"),
            "owner_id": row.owner[1] if row.owner else None,
            "owner_txt": row.owner[0].name if row.owner else None,
        },
    }


def _tls_json(tls_check: TlsCheck) -> dict[str, Any]:
    result = tls_check.result
    return {
        "color": tls_check.target.color,
        "server_name": tls_check.target.server_name,
        "address": tls_check.target.address,
        "outcome": result.outcome,
        "valid": result.ok,
        "detail": result.detail,
        "names": list(result.names),
        "expires": json_output.timestamp(result.expires) if result.expires else None,
    }
