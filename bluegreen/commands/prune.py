"""`bluegreen prune`: delete a retired colour's Route 53 records and their ownership TXT records.

Only records ExternalDNS would consider owned by the colour's owner id (through an ownership TXT) are
deleted, each in the same batch as its TXT records; records of other owners and records without an
ownership TXT are never touched. Without --yes it only prints what it would delete.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from bluegreen import cli
from bluegreen.cli import EXIT_AWS, EXIT_OK, EXIT_PROBLEM
from bluegreen.commands import route53_pair
from bluegreen.settings import COLORS

if TYPE_CHECKING:
    from bluegreen.route53 import PruneGroup

HELP = "Delete the Route 53 records (and their TXT) owned by a retired colour's ExternalDNS; dry run unless --yes."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--color", required=True, choices=COLORS, help="the retired colour")
    parser.add_argument("--yes", action="store_true", help="really delete (without it, only print what would go)")
    cli.add_aws_arguments(parser)


def run(args: argparse.Namespace, *, client: Any = None) -> int:
    from bluegreen import route53

    pair = route53_pair.load(args.project_dir)
    if isinstance(pair, int):
        return pair
    settings = pair.stacks[args.color]
    owner_id = settings.txt_owner_id
    if settings.traffic_weight > 0:
        print(
            f"Refused, nothing deleted: {args.color} still has trafficWeight {settings.traffic_weight}. "
            f"Shift its traffic away (weight 0) before pruning its records."
        )
        return EXIT_PROBLEM
    print(pair.describe())
    try:
        client = client or route53.make_client(args.region or pair.region, args.profile)
        print(f"Listing zone {pair.zone_id} for records owned by {owner_id!r}.", flush=True)
        records = route53.list_zone(client, pair.zone_id)
        groups = route53.plan_prune(records, owner_id, pair.domain)
        if not groups:
            print(f"No record in the zone is owned by {owner_id!r}; nothing to delete.")
            return EXIT_OK
        empty = route53.hostnames_left_empty(groups, records, pair.hostnames)
        if empty:
            print(
                f"Refused, nothing deleted: {', '.join(empty)} would be left with no A, AAAA or CNAME record and "
                f"stop answering. Make sure the other colour's ExternalDNS has published its records first."
            )
            return EXIT_PROBLEM
        _print_groups(groups, owner_id)
        print(
            f"Note: {args.color}'s ExternalDNS must be stopped (or its cluster destroyed) first; "
            "otherwise it re-creates its records on its next sync."
        )
        batches = route53.prune_batches(groups)
        problems = [problem for batch in batches for problem in route53.validate_batch(batch, records)]
        if problems:
            print("Refused, nothing deleted: the deletions would break Route 53's rules:")
            print("\n".join(f"  - {problem}" for problem in problems))
            return EXIT_PROBLEM
        count = sum(len(batch) for batch in batches)
        if not args.yes:
            print(f"Dry run: nothing was deleted. Run again with --yes to delete these {count} record sets.")
            return EXIT_OK
        for number, batch in enumerate(batches, 1):
            print(f"Changing Route 53: deleting batch {number} of {len(batches)} ({len(batch)} record sets).")
            request = route53.change_request(pair.zone_id, batch, f"bluegreen prune {args.color} ({owner_id})")
            change_id = route53.submit(client, request)
            route53.wait_in_sync(client, change_id)
            print(f"  {change_id} is INSYNC.", flush=True)
    except route53.aws_errors() as err:
        print(f"AWS error: {err}", file=sys.stderr)
        return EXIT_AWS
    print(f"Deleted {count} record sets owned by {owner_id!r}.")
    return EXIT_OK


def _print_groups(groups: list[PruneGroup], owner_id: str) -> None:
    print(f"Record sets owned by {owner_id!r}, deleted together with their ownership TXT:")
    for group in groups:
        if group.record is None:
            print(f"  DELETE TXT {group.txts[0].describe()} (an ownership TXT whose record is gone)")
            continue
        print(f"  DELETE {group.record.describe()}: {group.record.target}")
        for txt in group.txts:
            print(f"    with TXT {txt.describe()}")
