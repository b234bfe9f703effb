"""Verify reads one hostname with a fixed, small number of Route 53 calls, however big the zone.

Route 53 allows 5 requests/s per account, shared with both colours' ExternalDNS; benchmarks/verify_calls.py
prints the same count for a 10,000-record zone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bluegreen.commands import verify
from bluegreen.exits import ExitStatus
from tests.support.route53 import (
    ALB,
    HOST,
    OWNER,
    ZONE_ID,
    alias,
    colour_records,
    command_args,
    count_calls,
    moto_zone,
    owner_txt,
    plain,
    put,
    write_project,
)


def unrelated_records(count: int) -> list[dict[str, Any]]:
    """Names that sort before, between and after the hostname's own names, and below it (x.app.example.com)."""
    names = []
    for i in range(count):
        match i % 4:
            case 0:
                names.append(f"a{i:05d}.example.com")  # between a-app and aaaa-app / app
            case 1:
                names.append(f"c{i:05d}.example.com")  # around cname-app
            case 2:
                names.append(f"h{i:05d}.{HOST}")  # right after app.example.com in Route 53's order
            case _:
                names.append(f"z{i:05d}.example.com")
    return [plain(name, "A", "192.0.2.1") for name in names]


def verify_calls(tmp_path: Path, unrelated: int) -> tuple[dict[str, int], list[dict[str, Any]]]:
    project = write_project(tmp_path)
    with moto_zone() as client:
        put(
            client,
            *colour_records("blue", 1),
            *colour_records("green", 0),
            alias(f"blue.{HOST}", ALB["blue"]),
            owner_txt(f"cname-blue.{HOST}", OWNER["blue"]),
            *unrelated_records(unrelated),
        )
        requests: list[dict[str, Any]] = []

        def record_params(params: dict[str, Any], **_: Any) -> None:
            requests.append(dict(params))

        client.meta.events.register("provide-client-params.route53.ListResourceRecordSets", record_params)
        with count_calls(client) as counts:
            assert verify.run(command_args(verify, project), client=client) == ExitStatus.OK
    return dict(counts), requests


def test_call_count_is_small_and_the_same_for_a_tiny_and_a_2000_record_zone(tmp_path: Path) -> None:
    tiny, _ = verify_calls(tmp_path, 0)
    big, requests = verify_calls(tmp_path, 2000)
    assert big == tiny == {"ListResourceRecordSets": 4}
    assert [(r["StartRecordName"], r.get("StartRecordType")) for r in requests] == [
        (HOST, None),
        (f"a-{HOST}", "TXT"),
        (f"aaaa-{HOST}", "TXT"),
        (f"cname-{HOST}", "TXT"),
    ]
    assert all(r["HostedZoneId"] == ZONE_ID and int(r["MaxItems"]) <= 20 for r in requests)
