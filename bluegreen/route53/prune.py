"""prune: a retired colour's records grouped with their ownership TXT, and packed into DELETE batches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bluegreen import dns
from bluegreen.route53.records import STACK_TXT_NAMING, RecordSet, find_owner, index_records, ownership_labels
from bluegreen.txt_registry import ANSWER_TYPES, TxtNaming

# Deletions per ChangeResourceRecordSets call: well inside Route 53's 1,000 changes / 32,000 characters.
MAX_CHANGES_PER_BATCH = 100


@dataclass(frozen=True)
class PruneGroup:
    """Records deleted together: an owned record and its ownership TXT (or a TXT whose record is gone)."""

    record: RecordSet | None
    txts: tuple[RecordSet, ...]

    @property
    def members(self) -> tuple[RecordSet, ...]:
        return ((self.record,) if self.record else ()) + self.txts


def plan_prune(
    records: Sequence[RecordSet], owner_id: str, zone_name: str, naming: TxtNaming = STACK_TXT_NAMING
) -> list[PruneGroup]:
    """Every record ExternalDNS would consider owned by `owner_id`, each with its TXT records; nothing else."""
    index = index_records(records)
    owned_txt_keys = {r.key for r in records if (ownership_labels(r) or {}).get("owner") == owner_id}
    used: set[tuple[str, str, str]] = set()
    groups: list[PruneGroup] = []
    for record in records:
        if ownership_labels(record) is not None or _is_zone_apex_record(record, zone_name):
            continue
        found = find_owner(record, index, naming)
        if found is None or found[1] != owner_id:
            continue
        txts = []
        for txt_name in naming.ownership_lookup(record.name, record.type, record.is_alias):
            key = (txt_name, "TXT", record.set_identifier or "")
            if key in owned_txt_keys and key not in used:
                used.add(key)
                txts.append(index[key])
        groups.append(PruneGroup(record, tuple(txts)))
    groups += [PruneGroup(None, (r,)) for r in records if r.key in owned_txt_keys and r.key not in used]
    return groups


def _is_zone_apex_record(record: RecordSet, zone_name: str) -> bool:
    return record.name == dns.normalize(zone_name) and record.type in ("SOA", "NS")


def hostnames_left_empty(
    groups: Sequence[PruneGroup], records: Sequence[RecordSet], hostnames: Iterable[str]
) -> list[str]:
    """Shared hostnames that answer today and would have no A, AAAA or CNAME record after the deletion."""
    deleted = {r.key for group in groups for r in group.members}
    empty = []
    for hostname in hostnames:
        answers = [r for r in records if r.name == hostname and r.type in ANSWER_TYPES]
        if answers and all(r.key in deleted for r in answers):
            empty.append(hostname)
    return empty


def prune_batches(groups: Sequence[PruneGroup], limit: int = MAX_CHANGES_PER_BATCH) -> list[list[dict[str, Any]]]:
    """DELETE changes packed into batches, never splitting a record from its TXT."""
    batches: list[list[dict[str, Any]]] = []
    for group in groups:
        changes = [{"Action": "DELETE", "ResourceRecordSet": dict(r.raw)} for r in group.members]
        if not batches or len(batches[-1]) + len(changes) > limit:
            batches.append([])
        batches[-1].extend(changes)
    return batches
