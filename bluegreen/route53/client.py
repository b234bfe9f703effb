"""Route 53 I/O: the only module that calls boto3.

boto3 is imported inside the functions, so importing this module (as the command modules do) never loads it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from bluegreen.exits import BluegreenError, ExitStatus
from bluegreen.route53.records import STACK_TXT_NAMING, RecordSet
from bluegreen.settings import placeholder_zone_problem
from bluegreen.txt_registry import TxtNaming

# A name holds a few records (two colours x A/AAAA + a legacy TXT); a page this size reads it in one call.
NAME_PAGE_SIZE = 20
ZONE_PAGE_SIZE = 300  # the most ListResourceRecordSets returns per call


# Reaching the endpoint at all: a probe client with short timeouts and two tries, so that no network fails
# in seconds, not after botocore's 60 s connect timeout times ten attempts. The client the command uses keeps
# its ten adaptive attempts for throttling (a reply, not a connection failure).
CONNECT_TIMEOUT_SECONDS = 3
CONNECT_TRIES = 2


class AwsUnreachable(BluegreenError):
    exit_status = ExitStatus.AWS


def refuse_placeholder_zone(zone_id: str) -> None:
    """Stop before any AWS call on the sample's placeholder zone: Route 53 would only say it does not exist."""
    if problem := placeholder_zone_problem(zone_id):
        raise BluegreenError(f"the stack files' {problem}")


def make_client(region: str | None, profile: str | None, progress: Callable[[str], None] | None = None) -> Any:
    """A Route 53 client on the usual credential chain, retrying throttled calls (5 requests/s per account),
    once its endpoint answered a first call."""
    import boto3
    from botocore.config import Config

    session = boto3.Session(profile_name=profile, region_name=region)
    check_reachable(
        session.client(
            "route53",
            config=Config(
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                read_timeout=CONNECT_TIMEOUT_SECONDS,
                retries={"mode": "standard", "total_max_attempts": CONNECT_TRIES},
            ),
        ),
        progress or _to_stderr,
    )
    return session.client(
        "route53",
        config=Config(connect_timeout=CONNECT_TIMEOUT_SECONDS, retries={"mode": "adaptive", "max_attempts": 10}),
    )


def check_reachable(probe: Any, progress: Callable[[str], None]) -> None:
    """One cheap call through a client with short timeouts and few tries: AwsUnreachable when no answer comes.
    Any answer proves the endpoint reachable, a refusal (no ListHostedZones permission) included."""
    from botocore.exceptions import ClientError, ConnectionError, ConnectTimeoutError, ReadTimeoutError

    progress(f"Contacting Route 53 at {probe.meta.endpoint_url} …")
    try:
        probe.list_hosted_zones(MaxItems="1")
    except ClientError:
        return
    except (ConnectionError, ConnectTimeoutError, ReadTimeoutError) as error:
        raise AwsUnreachable(
            f"cannot reach Route 53 at {probe.meta.endpoint_url}: {error} "
            f"({CONNECT_TRIES} tries, {CONNECT_TIMEOUT_SECONDS} s each). "
            "Check the network or proxy (HTTPS_PROXY), and AWS_ENDPOINT_URL if it is set."
        ) from None


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def aws_errors() -> tuple[type[Exception], ...]:
    """What boto3 raises when AWS refuses or fails a call (credentials, permissions, throttling, waiters)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


# Where boto3 looks (its credential chain): boto3.amazonaws.com/v1/documentation/api/latest/guide/credentials.html
NO_CREDENTIALS_HINT = (
    "Give the command credentials: a profile of ~/.aws/config with --profile NAME or AWS_PROFILE=NAME "
    "(run `aws sso login --profile NAME` first for an SSO profile), or `aws configure` to store access keys."
)
SSO_LOGIN_HINT = "Sign in again with `aws sso login` (add --profile NAME for the profile the command uses)."


def aws_error_message(error: Exception) -> str:
    """What `error: AWS: …` says for an error of `aws_errors()`: botocore's text, and what to do where it lacks it."""
    from botocore.exceptions import NoCredentialsError, SSOTokenLoadError, TokenRetrievalError

    if isinstance(error, NoCredentialsError):
        return f"{error}. {NO_CREDENTIALS_HINT}"
    if isinstance(error, (SSOTokenLoadError, TokenRetrievalError)):
        return f"{error}. {SSO_LOGIN_HINT}"
    return str(error)


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
