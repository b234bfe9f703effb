"""The rules Route 53 enforces on a change batch and moto does not: checked before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bluegreen import dns
from bluegreen.route53.records import RecordSet
from bluegreen.settings import MAX_WEIGHT

# Route 53 limits (Route 53 Developer Guide / API reference); the weight range is settings.MAX_WEIGHT.
MAX_WEIGHTED_SETS = 100  # per name and type
MAX_SET_IDENTIFIER_LENGTH = 128


def record_problems(record: RecordSet) -> list[str]:
    problems = []
    if "Weight" in record.raw:
        weight = record.raw["Weight"]
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= MAX_WEIGHT:
            problems.append(f"weight {weight!r} is not an integer 0..{MAX_WEIGHT}")
        if record.set_identifier is None:
            problems.append("a weighted record needs a SetIdentifier")
    if record.policy == "none":
        problems.append("has a SetIdentifier but no routing policy")
    if record.set_identifier is not None and not 1 <= len(record.set_identifier) <= MAX_SET_IDENTIFIER_LENGTH:
        problems.append(f"SetIdentifier must be 1..{MAX_SET_IDENTIFIER_LENGTH} characters")
    if record.is_alias and ("TTL" in record.raw or record.values):
        problems.append("an alias record takes no TTL and no ResourceRecords")
    if not record.is_alias and ("TTL" not in record.raw or not record.values):
        problems.append("a non-alias record needs a TTL and at least one value")
    return problems


def _comparable(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A record in the form Route 53 compares a DELETE in: names normalised, value order ignored."""
    form = dict(raw)
    form["Name"] = dns.normalize(raw["Name"])
    if "AliasTarget" in raw:
        form["AliasTarget"] = {**raw["AliasTarget"], "DNSName": dns.normalize(raw["AliasTarget"]["DNSName"])}
    if "ResourceRecords" in raw:
        form["ResourceRecords"] = sorted(rr["Value"] for rr in raw["ResourceRecords"])
    return form


def validate_batch(changes: Sequence[Mapping[str, Any]], existing: Sequence[RecordSet]) -> list[str]:
    """Problems Route 53 would reject `changes` for, given the records read before (`existing`).

    Replays the batch in order over what was read: a DELETE must match a read record exactly (value, TTL,
    alias target, set identifier, weight); a CREATE must not collide with a record of the same name, type and
    set identifier, nor put a simple and a non-simple record under one name and type (external-dns #1411);
    every record must be well formed. Only the names read are known, so read every name the batch touches.
    """
    problems: list[str] = []
    state = {record.key: record for record in existing}
    for number, change in enumerate(changes, 1):
        action = change["Action"]
        record = RecordSet(change["ResourceRecordSet"])
        where = f"change {number} ({action} {record.describe()})"
        problems += [f"{where}: {p}" for p in record_problems(record)]
        current = state.get(record.key)
        if action == "DELETE":
            if current is None:
                problems.append(f"{where}: no such record was read (or this batch already deleted it)")
            elif _comparable(current.raw) != _comparable(record.raw):
                problems.append(f"{where}: does not match the record read exactly, so Route 53 would refuse it")
            else:
                del state[record.key]
            continue
        if action not in ("CREATE", "UPSERT"):
            problems.append(f"{where}: unknown action")
            continue
        if action == "CREATE" and current is not None:
            problems.append(f"{where}: the record already exists")
        same_group = [r for r in state.values() if (r.name, r.type) == (record.name, record.type) and r is not current]
        if any((r.policy == "simple") != (record.policy == "simple") for r in same_group):
            problems.append(
                f"{where}: {record.name} {record.type} would hold simple and non-simple records at once; "
                "Route 53 refuses that (external-dns #1411): DELETE the old record earlier in the batch"
            )
        state[record.key] = record
        if record.policy == "weighted" and sum(r.policy == "weighted" for r in same_group) >= MAX_WEIGHTED_SETS:
            problems.append(f"{where}: more than {MAX_WEIGHTED_SETS} weighted sets for one name and type")
    return problems
