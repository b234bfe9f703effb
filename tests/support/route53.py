"""Helpers shared by the test_route53_* modules: a project folder, a moto zone, record builders, call counts.

No tests here. The zone lives in moto (in process); where a rule depends on real Route 53 behaviour that
moto does not reproduce, the tests check the request with botocore's Stubber instead.
"""

from __future__ import annotations

import argparse
import contextlib
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.route53.models import HostedZoneIdentifier
from moto.utilities.id_generator import moto_id_manager

ZONE_ID = "Z0TESTZONE00000000001"  # a Route 53-shaped id, as the stack settings require
DOMAIN = "example.com"
HOST = "app.example.com"
ELB_ZONE = "Z32O12XQLNTSW2"  # eu-west-1 ALB alias zone
ALB = {"blue": "k8s-blue-0123.eu-west-1.elb.amazonaws.com", "green": "k8s-green-4567.eu-west-1.elb.amazonaws.com"}
OWNER = {"blue": "eks-bluegreen-blue", "green": "eks-bluegreen-green"}
RESOURCE = "ingress/demo/bluegreen-app-example-com"  # bluegreen.external_dns_values.ingress_name for demo/echo


def write_project(
    directory: Path,
    weights: tuple[int, int] = (1, 0),
    hostnames: Sequence[str] = (HOST,),
    tls: str = "false",
    **green: str,
) -> Path:
    """Pulumi.blue.yaml and Pulumi.green.yaml for the moto zone; `green` overrides green's scalar settings.

    `tls` (both colours) is off unless asked for: the moto zone's load balancers do not exist, so `verify` would fail
    every TLS handshake with them.
    """
    for color, weight in zip(("blue", "green"), weights, strict=True):
        settings = {
            "color": color,
            "clusterVersion": '"1.33"',
            "trafficWeight": str(weight),
            "hostedZoneId": ZONE_ID,
            "domain": DOMAIN,
            "tls": tls,
        }
        if color == "green":
            settings.update(green)
        lines = ["config:", "  aws:region: eu-west-1"]
        lines += [f"  eks-bluegreen:{key}: {value}" for key, value in settings.items()]
        lines.append("  eks-bluegreen:endpoints:")
        for hostname in hostnames:
            lines += [f"    - hostname: {hostname}", "      service: demo/echo", "      port: 80"]
        (directory / f"Pulumi.{color}.yaml").write_text("\n".join(lines) + "\n")
    return directory


@contextlib.contextmanager
def moto_zone() -> Iterator[Any]:
    """An in-process moto Route 53 holding the zone ZONE_ID; yields a client."""
    identifier = HostedZoneIdentifier(DEFAULT_ACCOUNT_ID, DOMAIN + ".", None)  # moto adds the dot
    moto_id_manager.set_custom_id(identifier, ZONE_ID)
    try:
        with mock_aws():
            client = boto3.client("route53")
            client.create_hosted_zone(Name=DOMAIN, CallerReference="tests")
            yield client
    finally:
        moto_id_manager.unset_custom_id(identifier)


def weighted(rrset: dict[str, Any], color: str, weight: int) -> dict[str, Any]:
    return {**rrset, "SetIdentifier": color, "Weight": weight}


def alias(name: str, target: str, rtype: str = "A") -> dict[str, Any]:
    return {
        "Name": name,
        "Type": rtype,
        "AliasTarget": {"HostedZoneId": ELB_ZONE, "DNSName": target, "EvaluateTargetHealth": True},
    }


def plain(name: str, rtype: str, *values: str, ttl: int = 60) -> dict[str, Any]:
    return {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}


def owner_txt(name: str, owner: str, resource: str = RESOURCE, ttl: int = 300) -> dict[str, Any]:
    value = f'"heritage=external-dns,external-dns/owner={owner},external-dns/resource={resource}"'
    return plain(name, "TXT", value, ttl=ttl)


def colour_records(color: str, weight: int, txt_prefix: str = "cname-") -> list[dict[str, Any]]:
    """What one colour's ExternalDNS v0.21 writes for HOST: weighted alias A + AAAA and their TXT."""
    return [
        weighted(alias(HOST, ALB[color]), color, weight),
        weighted(alias(HOST, ALB[color], "AAAA"), color, weight),
        weighted(owner_txt(f"{txt_prefix}{HOST}", OWNER[color]), color, weight),
        weighted(owner_txt(f"aaaa-{HOST}", OWNER[color]), color, weight),
    ]


def put(client: Any, *rrsets: dict[str, Any]) -> None:
    for start in range(0, len(rrsets), 500):
        changes = [{"Action": "CREATE", "ResourceRecordSet": r} for r in rrsets[start : start + 500]]
        client.change_resource_record_sets(HostedZoneId=ZONE_ID, ChangeBatch={"Changes": changes})


def zone_records(client: Any) -> list[dict[str, Any]]:
    """Every record in the zone except moto's SOA and NS, names without the trailing dot."""
    pages = client.get_paginator("list_resource_record_sets").paginate(HostedZoneId=ZONE_ID)
    found = [r for page in pages for r in page["ResourceRecordSets"] if r["Type"] not in ("SOA", "NS")]
    return [{**r, "Name": r["Name"].rstrip(".")} for r in found]


def command_args(module: ModuleType, project_dir: Path, *argv: str) -> argparse.Namespace:
    """Parse `argv` as the cli does for this subcommand, with --project-dir already given."""
    parser = argparse.ArgumentParser(prog=f"bluegreen {module.__name__.rsplit('.', 1)[-1]}")
    parser.add_argument("--project-dir", type=Path, default=project_dir)
    module.add_arguments(parser)
    return parser.parse_args(list(argv))


@contextlib.contextmanager
def count_calls(client: Any) -> Iterator[Counter[str]]:
    """Route 53 API calls made through `client` while the block runs, by operation name."""
    counts: Counter[str] = Counter()

    def before_call(model: Any, **_: Any) -> None:
        counts[model.name] += 1

    client.meta.events.register("before-call.route53.*", before_call)
    try:
        yield counts
    finally:
        client.meta.events.unregister("before-call.route53.*", before_call)
