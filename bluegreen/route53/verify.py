"""verify: the records read for one hostname compared with what the stack files declare, as findings and a table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bluegreen.route53.records import (
    STACK_TXT_NAMING,
    ColorExpectation,
    Expected,
    RecordSet,
    find_owner,
    index_records,
)
from bluegreen.txt_registry import ANSWER_TYPES, TxtNaming


def compare(expected: Expected, records: Sequence[RecordSet], naming: TxtNaming = STACK_TXT_NAMING) -> list[str]:
    """Every way the records read for one hostname differ from what the stack files declare."""
    host = expected.hostname
    index = index_records(records)
    answers = [r for r in records if r.name == host and r.type in ANSWER_TYPES]
    types = sorted({r.type for r in answers}) or ["A"]
    findings: list[str] = []
    for rtype in types:
        of_type = [r for r in answers if r.type == rtype]
        weighted = {r.set_identifier: r for r in of_type if r.policy == "weighted"}
        for record in of_type:
            if record.policy == "simple":
                findings.append(
                    f"{host} {rtype}: a simple (non-weighted) record"
                    + (
                        " beside weighted ones; Route 53 cannot hold both, so one of them is left over"
                        if weighted
                        else "; convert it with `bluegreen migrate`"
                    )
                )
            elif record.policy != "weighted":
                findings.append(f"{host} {rtype} set id {record.set_identifier}: routing policy {record.policy}")
        for set_id in sorted(s for s in weighted if s is not None and expected.color(s) is None):
            findings.append(f"{host} {rtype}: unknown set identifier {set_id!r} (weight {weighted[set_id].weight})")
        for color in (c for c in expected.colors if c.checked):
            record = weighted.get(color.color)
            if record is None:
                if color.required:
                    findings.append(_absent(host, rtype, color))
                continue
            if record.weight != color.weight:
                findings.append(f"{host} {rtype} {color.color}: weight {record.weight}, expected {color.weight}")
            findings += _ownership_findings(record, color, index, naming)
    return findings


def _absent(host: str, rtype: str, color: ColorExpectation) -> str:
    text = f"{host} {rtype} {color.color}: absent, expected weight {color.weight}"
    if color.weight == 0:
        text += (
            f" (a colour at weight 0 must still be present with weight 0, so that shifting traffic is only a "
            f"weight change; is {color.color}'s ExternalDNS running?)"
        )
    return text


def _ownership_findings(
    record: RecordSet, color: ColorExpectation, index: Mapping[tuple[str, str, str], RecordSet], naming: TxtNaming
) -> list[str]:
    where = f"{record.name} {record.type} {color.color}"
    found = find_owner(record, index, naming)
    if found is None:
        looked = ", ".join(naming.ownership_lookup(record.name, record.type, record.is_alias))
        return [f"{where}: no ownership TXT (looked for TXT {looked} with set id {color.color})"]
    txt, owner = found
    findings = []
    if owner != color.owner_id:
        findings.append(f"{where}: owned by {owner!r} ({txt.name}), expected {color.owner_id!r}")
    if txt.weight != record.weight:
        findings.append(f"{where}: ownership TXT {txt.name} has weight {txt.weight}, the record {record.weight}")
    return findings


@dataclass(frozen=True)
class Row:
    """One row of verify's table: what Route 53 holds under one type and set identifier, and what the stack
    files expect there. `record` None: the expected colour is absent; `expected` None: a set identifier the
    stack files do not know, or a simple record."""

    type: str
    set_identifier: str | None
    record: RecordSet | None
    expected: ColorExpectation | None
    owner: tuple[RecordSet, str] | None  # the ownership TXT found for `record` and the owner id it names


def rows(expected: Expected, records: Sequence[RecordSet], naming: TxtNaming = STACK_TXT_NAMING) -> list[Row]:
    """Per record type present (A if none): each colour's row, then the set identifiers nobody expects."""
    host = expected.hostname
    index = index_records(records)
    answers = [r for r in records if r.name == host and r.type in ANSWER_TYPES]
    found: list[Row] = []
    for rtype in sorted({r.type for r in answers}) or ["A"]:
        by_set = {r.set_identifier or "": r for r in answers if r.type == rtype}
        known = [c.color for c in expected.colors]
        for set_id in known + sorted(s for s in by_set if s not in known):
            record = by_set.get(set_id)
            owner = find_owner(record, index, naming) if record is not None else None
            found.append(Row(rtype, set_id or None, record, expected.color(set_id), owner))
    return found


def table(expected: Expected, records: Sequence[RecordSet], naming: TxtNaming = STACK_TXT_NAMING) -> str:
    """What Route 53 holds for one hostname next to what the stack files expect."""
    return render_rows(rows(expected, records, naming))


def render_rows(found: Sequence[Row]) -> str:
    lines = [("TYPE", "SET ID", "WEIGHT", "EXPECTED", "OWNER (TXT)", "EXPECTED OWNER", "TARGET")]
    for row in found:
        record, color = row.record, row.expected
        owner = "-" if record is None else f"{row.owner[1]} ({row.owner[0].name})" if row.owner else "none"
        lines.append(
            (
                row.type,
                row.set_identifier or "(simple)",
                "-" if record is None or record.weight is None else str(record.weight),
                "not checked" if color and not color.checked else str(color.weight) if color else "-",
                owner,
                color.owner_id if color and color.checked else "-",
                record.target if record is not None else "(absent)",
            )
        )
    return format_rows(lines)


def format_rows(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def load_balancer_addresses(records: Mapping[str, Sequence[RecordSet]]) -> dict[tuple[str, str], str]:
    """(colour, hostname) -> where that colour's weighted A record points: the alias target (its load
    balancer) or the record's first address. The TLS check of `verify` connects there."""
    addresses: dict[tuple[str, str], str] = {}
    for hostname, found in records.items():
        for record in found:
            if record.name != hostname or record.type != "A" or record.policy != "weighted":
                continue
            target = record.alias_target or next(iter(record.values), None)
            if record.set_identifier is not None and target:
                addresses[(record.set_identifier, hostname)] = target
    return addresses
