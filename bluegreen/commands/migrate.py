"""`bluegreen migrate`: turn a hostname's simple record into one colour's weighted record, in one batch.

ExternalDNS cannot do this itself when the simple record is not its own (external-dns #1411): Route 53
refuses a weighted record beside a simple one. One ChangeResourceRecordSets batch deletes the simple
record and its old ownership TXT records and creates the weighted record and its TXT records; Route 53
applies a batch at once, so the name answers at every moment.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bluegreen import cli, dns, stackfiles
from bluegreen.exits import BluegreenError, ExitStatus
from bluegreen.route53.batch import validate_batch
from bluegreen.route53.client import (
    change_request,
    make_client,
    read_hostname,
    refuse_placeholder_zone,
    submit,
    wait_in_sync,
)
from bluegreen.route53.migrate import Refused, plan_migration
from bluegreen.route53.records import ColorExpectation, Expected, RecordSet
from bluegreen.route53.verify import compare, table
from bluegreen.settings import COLORS
from bluegreen.stackfiles import StackPair

HELP = "Convert a hostname's simple Route 53 record into a colour's weighted record (and its ownership TXT)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hostname", required=True, help="one of the shared hostnames in the stack files")
    parser.add_argument("--color", required=True, choices=COLORS, help="the colour whose weighted record it becomes")
    parser.add_argument("--dry-run", action="store_true", help="print the change batch (JSON) and change nothing")
    parser.add_argument(
        "--old-owner-id",
        metavar="ID",
        help="accept ownership TXT records of this ExternalDNS owner id (they are replaced by the colour's)",
    )
    cli.add_aws_arguments(parser)


def run(args: argparse.Namespace, *, client: Any = None) -> ExitStatus:
    pair = stackfiles.load_pair(args.project_dir)
    refuse_placeholder_zone(pair.zone_id)
    hostname = dns.normalize(args.hostname)
    if hostname not in pair.hostnames:
        raise BluegreenError(f"{hostname} is not a shared hostname (known: {', '.join(pair.hostnames)})")
    settings = pair.stacks[args.color]
    target = ColorExpectation(args.color, settings.traffic_weight, settings.txt_owner_id)
    print(pair.describe())
    client = client or make_client(args.region or pair.region, args.profile)
    records = read_hostname(client, pair.zone_id, hostname)
    try:
        migration = plan_migration(
            hostname, records, target, stackfiles.ingress_resource(settings, hostname), args.old_owner_id
        )
    except Refused as err:
        print(f"Refused, nothing changed: {err}")
        print(f"What Route 53 holds for {hostname}:")
        print(table(pair.expected(hostname), records))
        return ExitStatus.PROBLEM
    changes = migration.changes
    problems = validate_batch(changes, records)
    if problems:
        print("Refused, nothing changed: the batch would break Route 53's rules:")
        print("\n".join(f"  - {problem}" for problem in problems))
        return ExitStatus.PROBLEM
    print(f"{hostname} becomes {args.color}'s weighted record (weight {target.weight}), in one batch:")
    for change in changes:
        record = RecordSet(change["ResourceRecordSet"])
        detail = record.target if record.type != "TXT" else " ".join(record.values)
        print(f"  {change['Action']:<6} {record.describe()}: {detail}")
    for note in migration.notes:
        print(f"Note: {note}")
    request = change_request(pair.zone_id, changes, f"bluegreen migrate {hostname} to {args.color}")
    if args.dry_run:
        print("Dry run: this is the request that would be sent; nothing was changed.")
        print(json.dumps(request, indent=2))
        return ExitStatus.OK
    print(f"Changing Route 53 zone {pair.zone_id}: sending the batch of {len(changes)} changes.")
    change_id = submit(client, request)
    print(f"Submitted as {change_id}; waiting until Route 53 reports it INSYNC.", flush=True)
    wait_in_sync(client, change_id)
    return _verify_after(client, pair, hostname, target)


def _verify_after(client: Any, pair: StackPair, hostname: str, target: ColorExpectation) -> ExitStatus:
    peer = pair.stacks[next(c for c in COLORS if c != target.color)]
    expected = Expected(
        hostname,
        (target, ColorExpectation(peer.color, peer.traffic_weight, peer.txt_owner_id, required=False)),
    )
    print(
        f"INSYNC. Checking {hostname} again: only {target.color} is expected now; {peer.color}'s record "
        f"(weight {peer.traffic_weight}) appears when {peer.color}'s ExternalDNS next syncs."
    )
    records = read_hostname(client, pair.zone_id, hostname)
    findings = compare(expected, records)
    print(table(expected, records))
    if findings:
        print("\n".join(f"  - {finding}" for finding in findings))
        return ExitStatus.PROBLEM
    print(f"{hostname} is {target.color}'s weighted record, owned by {target.owner_id}.")
    return ExitStatus.OK
