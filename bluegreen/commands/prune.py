"""`bluegreen prune`: delete a retired colour's Route 53 records and their ownership TXT records.

Only records ExternalDNS would consider owned by the colour's owner id (through an ownership TXT) are
deleted, each in the same batch as its TXT records; records of other owners and records without an
ownership TXT are never touched. Without --yes it only prints what it would delete.
"""

from __future__ import annotations

import argparse
from typing import Any

from bluegreen import cli, stackfiles
from bluegreen.exits import ExitStatus
from bluegreen.route53.batch import validate_batch
from bluegreen.route53.client import (
    change_request,
    list_zone,
    make_client,
    refuse_placeholder_zone,
    submit,
    wait_in_sync,
)
from bluegreen.route53.prune import PruneGroup, hostnames_left_empty, plan_prune, prune_batches
from bluegreen.settings import COLORS

HELP = "Delete the Route 53 records (and their TXT) owned by a retired colour's ExternalDNS; dry run unless --yes."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--color", required=True, choices=COLORS, help="the retired colour")
    parser.add_argument("--yes", action="store_true", help="really delete (without it, only print what would go)")
    cli.add_aws_arguments(parser)


def run(args: argparse.Namespace, *, client: Any = None) -> ExitStatus:
    pair = stackfiles.load_pair(args.project_dir)
    refuse_placeholder_zone(pair.zone_id)
    settings = pair.stacks[args.color]
    owner_id = settings.txt_owner_id
    if settings.traffic_weight > 0:
        print(
            f"Refused, nothing deleted: {args.color} still has trafficWeight {settings.traffic_weight}. "
            f"Shift its traffic away (weight 0) before pruning its records."
        )
        return ExitStatus.PROBLEM
    print(pair.describe())
    client = client or make_client(args.region or pair.region, args.profile)
    print(f"Listing zone {pair.zone_id} for records owned by {owner_id!r}.", flush=True)
    records = list_zone(client, pair.zone_id)
    groups = plan_prune(records, owner_id, pair.domain)
    if not groups:
        print(f"No record in the zone is owned by {owner_id!r}; nothing to delete.")
        return ExitStatus.OK
    empty = hostnames_left_empty(groups, records, pair.hostnames)
    if empty:
        print(
            f"Refused, nothing deleted: {', '.join(empty)} would be left with no A, AAAA or CNAME record and "
            f"stop answering. Make sure the other colour's ExternalDNS has published its records first."
        )
        return ExitStatus.PROBLEM
    _print_groups(groups, owner_id)
    print(
        f"Note: {args.color}'s ExternalDNS must be stopped (or its cluster destroyed) first; "
        "otherwise it re-creates its records on its next sync."
    )
    batches = prune_batches(groups)
    problems = [problem for batch in batches for problem in validate_batch(batch, records)]
    if problems:
        print("Refused, nothing deleted: the deletions would break Route 53's rules:")
        print("\n".join(f"  - {problem}" for problem in problems))
        return ExitStatus.PROBLEM
    count = sum(len(batch) for batch in batches)
    if not args.yes:
        print(f"Dry run: nothing was deleted. Run again with --yes to delete these {count} record sets.")
        return ExitStatus.OK
    for number, batch in enumerate(batches, 1):
        print(f"Changing Route 53: deleting batch {number} of {len(batches)} ({len(batch)} record sets).")
        request = change_request(pair.zone_id, batch, f"bluegreen prune {args.color} ({owner_id})")
        change_id = submit(client, request)
        wait_in_sync(client, change_id)
        print(f"  {change_id} is INSYNC.", flush=True)
    print(f"Deleted {count} record sets owned by {owner_id!r}.")
    return ExitStatus.OK


def _print_groups(groups: list[PruneGroup], owner_id: str) -> None:
    print(f"Record sets owned by {owner_id!r}, deleted together with their ownership TXT:")
    for group in groups:
        if group.record is None:
            print(f"  DELETE TXT {group.txts[0].describe()} (an ownership TXT whose record is gone)")
            continue
        print(f"  DELETE {group.record.describe()}: {group.record.target}")
        for txt in group.txts:
            print(f"    with TXT {txt.describe()}")
