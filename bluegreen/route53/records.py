"""Route 53 record sets as read, their ExternalDNS ownership, and what one hostname should hold.

Pure: records in, answers out. verify, migrate and prune all work on these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bluegreen import dns
from bluegreen.txt_registry import TxtNaming, parse_ownership

ROUTING_POLICY_KEYS = (
    "Weight",
    "Region",
    "Failover",
    "GeoLocation",
    "GeoProximityLocation",
    "CidrRoutingConfig",
    "MultiValueAnswer",
)

# The stacks pass no --txt-prefix/--txt-suffix to ExternalDNS (bluegreen/external_dns_values.py).
STACK_TXT_NAMING = TxtNaming()


@dataclass(frozen=True, eq=False)
class RecordSet:
    """One ResourceRecordSet exactly as Route 53 returned it: a DELETE sends `raw` back unchanged."""

    raw: Mapping[str, Any]

    @property
    def name(self) -> str:
        return dns.normalize(self.raw["Name"])

    @property
    def type(self) -> str:
        return self.raw["Type"]

    @property
    def set_identifier(self) -> str | None:
        return self.raw.get("SetIdentifier")

    @property
    def weight(self) -> int | None:
        return self.raw.get("Weight")

    @property
    def policy(self) -> str:
        """The routing policy: simple, weighted, another's key (e.g. Region), or none (a bare SetIdentifier)."""
        present = [key for key in ROUTING_POLICY_KEYS if key in self.raw]
        if present:
            return "weighted" if present == ["Weight"] else "/".join(present)
        return "simple" if self.set_identifier is None else "none"

    @property
    def is_alias(self) -> bool:
        return "AliasTarget" in self.raw

    @property
    def alias_target(self) -> str | None:
        return dns.normalize(self.raw["AliasTarget"]["DNSName"]) if self.is_alias else None

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(rr["Value"] for rr in self.raw.get("ResourceRecords", ()))

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.type, self.set_identifier or "")

    @property
    def target(self) -> str:
        """What the record answers with, in words."""
        if self.alias_target is not None:
            health = ", evaluate target health" if self.raw["AliasTarget"].get("EvaluateTargetHealth") else ""
            return f"alias {self.alias_target}{health}"
        return f"{' '.join(self.values)} (TTL {self.raw.get('TTL')})"

    def describe(self) -> str:
        parts = [self.name, self.type]
        if self.set_identifier is not None:
            parts.append(f"set id {self.set_identifier}")
        if self.weight is not None:
            parts.append(f"weight {self.weight}")
        return " ".join(parts)


def ownership_labels(record: RecordSet) -> dict[str, str] | None:
    """The ExternalDNS labels of a single-valued ownership TXT, else None.

    A TXT set with several values is not treated as ExternalDNS's even if one value looks like it:
    deleting it would delete the other values too.
    """
    if record.type != "TXT" or len(record.values) != 1:
        return None
    return parse_ownership(record.values[0])


def index_records(records: Iterable[RecordSet]) -> dict[tuple[str, str, str], RecordSet]:
    return {record.key: record for record in records}


def find_owner(
    record: RecordSet, index: Mapping[tuple[str, str, str], RecordSet], naming: TxtNaming
) -> tuple[RecordSet, str] | None:
    """The ownership TXT ExternalDNS would use for `record`, and the owner id it names."""
    for txt_name in naming.ownership_lookup(record.name, record.type, record.is_alias):
        txt = index.get((txt_name, "TXT", record.set_identifier or ""))
        labels = ownership_labels(txt) if txt else None
        if txt and labels is not None:
            return txt, labels.get("owner", "")
    return None


@dataclass(frozen=True)
class ColorExpectation:
    color: str
    weight: int
    owner_id: str
    required: bool = True  # False: the colour may be absent (e.g. right after `migrate`)
    checked: bool = True  # False: its set identifier is known, its records are not compared (`verify --only`)


@dataclass(frozen=True)
class Expected:
    """What one hostname should hold: one weighted record per colour, owned by that colour."""

    hostname: str
    colors: tuple[ColorExpectation, ...]

    def color(self, name: str) -> ColorExpectation | None:
        return next((c for c in self.colors if c.color == name), None)
