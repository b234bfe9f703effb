"""Route 53 I/O: the only module that calls boto3.

boto3 is imported inside the functions, so importing this module (as the command modules do) never loads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from bluegreen.route53.records import STACK_TXT_NAMING, RecordSet
from bluegreen.txt_registry import TxtNaming

# A name holds a few records (two colours x A/AAAA + a legacy TXT); a page this size reads it in one call.
NAME_PAGE_SIZE = 20
ZONE_PAGE_SIZE = 300  # the most ListResourceRecordSets returns per call


def make_client(region: str | None, profile: str | None) -> Any:
    """A Route 53 client on the usual credential chain, retrying throttled calls (5 requests/s per account)."""
    import boto3
    from botocore.config import Config

    session = boto3.Session(profile_name=profile, region_name=region)
    return session.client("route53", config=Config(retries={"mode": "adaptive", "max_attempts": 10}))


def aws_errors() -> tuple[type[Exception], ...]:
    """What boto3 raises when AWS refuses or fails a call (credentials, permissions, throttling, waiters)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def iter_record_sets(
    client: Any,
    zone_id: str,
    start_name: str | None = None,
    start_type: str | None = None,
    page_size: int = ZONE_PAGE_SIZE,
) -> Iterator[RecordSet]:
    """Record sets in Route 53's order from (start_name, start_type); the next page is fetched only when needed."""
    params: dict[str, Any] = {"HostedZoneId": zone_id, "MaxItems": str(page_size)}
    if start_name:
        params["StartRecordName"] = start_name
        if start_type:
            params["StartRecordType"] = start_type
    while True:
        page = client.list_resource_record_sets(**params)
        for raw in page["ResourceRecordSets"]:
            yield RecordSet(raw)
        if not page.get("IsTruncated"):
            return
        params["StartRecordName"] = page["NextRecordName"]
        params["StartRecordType"] = page["NextRecordType"]
        params.pop("StartRecordIdentifier", None)
        if "NextRecordIdentifier" in page:
            params["StartRecordIdentifier"] = page["NextRecordIdentifier"]


def read_name(client: Any, zone_id: str, name: str, record_type: str | None = None) -> list[RecordSet]:
    """The record sets named `name` (only `record_type` if given), stopping at the first other name or type."""
    found = []
    for record in iter_record_sets(client, zone_id, name, record_type, page_size=NAME_PAGE_SIZE):
        if record.name != name or (record_type is not None and record.type != record_type):
            break
        found.append(record)
    return found


def read_hostname(client: Any, zone_id: str, hostname: str, naming: TxtNaming = STACK_TXT_NAMING) -> list[RecordSet]:
    """A hostname's records and every TXT ExternalDNS may keep its ownership in: a few calls, whatever the zone size."""
    records = read_name(client, zone_id, hostname)
    for txt_name in naming.all_txt_names(hostname):
        if txt_name != hostname:
            records += read_name(client, zone_id, txt_name, "TXT")
    return records


def list_zone(client: Any, zone_id: str) -> list[RecordSet]:
    return list(iter_record_sets(client, zone_id))


def submit(client: Any, request: Mapping[str, Any]) -> str:
    """Send one ChangeResourceRecordSets request (see `change_request`); returns the change id to wait for."""
    return client.change_resource_record_sets(**request)["ChangeInfo"]["Id"]


def change_request(zone_id: str, changes: Sequence[Mapping[str, Any]], comment: str) -> dict[str, Any]:
    """The ChangeResourceRecordSets parameters, as sent and as printed by dry runs."""
    return {"HostedZoneId": zone_id, "ChangeBatch": {"Comment": comment, "Changes": list(changes)}}


def wait_in_sync(client: Any, change_id: str, delay: int = 10, max_attempts: int = 60) -> None:
    """Wait until Route 53 reports the change INSYNC on all its servers (GetChange, polled by boto3's waiter)."""
    client.get_waiter("resource_record_sets_changed").wait(
        Id=change_id, WaiterConfig={"Delay": delay, "MaxAttempts": max_attempts}
    )


def sample_answers(client: Any, zone_id: str, hostname: str, count: int) -> list[list[str]]:
    """`count` answers Route 53 itself gives for `hostname` A (TestDNSAnswer), each a list of values."""
    return [
        client.test_dns_answer(HostedZoneId=zone_id, RecordName=hostname, RecordType="A")["RecordData"]
        for _ in range(count)
    ]
