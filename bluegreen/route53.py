"""Route 53 records of the shared hostnames: read name by name, compared with the stack files,
converted from simple to weighted, and pruned when a colour is retired.

The first part is pure (records in, findings or change batches out) and is what the tests pin down
against the real Route 53 rules that moto does not enforce. The functions that talk to Route 53 take a
boto3 client and come last; boto3 itself is imported only inside them, so importing this module (as
the command modules do from their functions) never loads it.
"""

from __future__ import annotations

import math
import socket
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluegreen import dns
from bluegreen.settings import COLORS, MAX_WEIGHT, Settings, load_stack_config, stack_file
from bluegreen.txt_registry import ANSWER_TYPES, TxtNaming, ownership_value, parse_ownership, written_txt_type
from bluegreen.weights import shares

# Route 53 limits (Route 53 Developer Guide / API reference); the weight range is settings.MAX_WEIGHT.
MAX_WEIGHTED_SETS = 100  # per name and type
MAX_SET_IDENTIFIER_LENGTH = 128
# ExternalDNS's default TTL, which is what its TXT records get.
DEFAULT_TXT_TTL = 300
# Deletions per ChangeResourceRecordSets call: well inside Route 53's 1,000 changes / 32,000 characters.
MAX_CHANGES_PER_BATCH = 100
# A name holds a few records (two colours x A/AAAA + a legacy TXT); a page this size reads it in one call.
NAME_PAGE_SIZE = 20
ZONE_PAGE_SIZE = 300  # the most ListResourceRecordSets returns per call

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


# --- records -----------------------------------------------------------------------------------


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


# --- the two stack files -----------------------------------------------------------------------


class StackFilesError(Exception):
    """The stack files cannot be used: unreadable or invalid (`disagree` False), or inconsistent (True)."""

    def __init__(self, message: str, disagree: bool = False):
        super().__init__(message)
        self.disagree = disagree


@dataclass(frozen=True)
class ColorExpectation:
    color: str
    weight: int
    owner_id: str
    required: bool = True  # False: the colour may be absent (e.g. right after `migrate`)


@dataclass(frozen=True)
class Expected:
    """What one hostname should hold: one weighted record per colour, owned by that colour."""

    hostname: str
    colors: tuple[ColorExpectation, ...]

    def color(self, name: str) -> ColorExpectation | None:
        return next((c for c in self.colors if c.color == name), None)


@dataclass(frozen=True)
class StackPair:
    stacks: Mapping[str, Settings]  # colour -> settings
    region: str | None

    @property
    def zone_id(self) -> str:
        return self.stacks[COLORS[0]].hosted_zone_id

    @property
    def domain(self) -> str:
        return self.stacks[COLORS[0]].domain

    @property
    def hostnames(self) -> tuple[str, ...]:
        return self.stacks[COLORS[0]].hostnames

    def expected(self, hostname: str) -> Expected:
        return Expected(
            hostname,
            tuple(ColorExpectation(c, self.stacks[c].traffic_weight, self.stacks[c].txt_owner_id) for c in COLORS),
        )

    def describe(self) -> str:
        stacks = " and ".join(
            f"{c} (weight {s.traffic_weight}, owner id {s.txt_owner_id})" for c, s in self.stacks.items()
        )
        return f"Zone {self.zone_id} ({self.domain}); stacks {stacks}."


def load_pair(project_dir: Path) -> StackPair:
    """Both colours' stack files, checked to agree on the zone, the domain and the shared hostnames."""
    from bluegreen import stackfiles

    files = stackfiles.read_working_tree(project_dir)
    if files.invalid:
        raise StackFilesError("\n".join(str(err) for err in files.invalid.values()))
    stacks: dict[str, Settings] = {}
    regions: dict[str, str] = {}
    for name, settings in files.valid.items():
        if settings.color in stacks:
            raise StackFilesError(f"{stack_file(project_dir, name).name}: a second stack file for {settings.color}")
        stacks[settings.color] = settings
        region = load_stack_config(stack_file(project_dir, name)).get("aws:region")
        if isinstance(region, str):
            regions[settings.color] = region
    missing = [c for c in COLORS if c not in stacks]
    if missing:
        raise StackFilesError(f"{project_dir}: no stack file for {' and '.join(missing)}; need one per colour")

    blue, green = (stacks[c] for c in COLORS)
    differences = [
        f"{label}: blue has {a!r}, green has {b!r}"
        for label, a, b in (
            ("hostedZoneId", blue.hosted_zone_id, green.hosted_zone_id),
            ("domain", blue.domain, green.domain),
            ("hostnames", sorted(blue.hostnames), sorted(green.hostnames)),
        )
        if a != b
    ]
    if differences:
        raise StackFilesError(
            "The two stack files must describe the same shared names, but they differ:\n"
            + "\n".join(f"  - {d}" for d in differences),
            disagree=True,
        )
    region = next((regions[c] for c in COLORS if c in regions), None)
    return StackPair({c: stacks[c] for c in COLORS}, region)


def ingress_resource(settings: Settings, hostname: str) -> str:
    """ExternalDNS's `resource` label for the Ingress publishing `hostname` in this colour."""
    from bluegreen.external_dns_values import ingress_name

    endpoint = next(e for e in settings.endpoints if e.hostname == hostname)
    return f"ingress/{endpoint.namespace}/{ingress_name(endpoint)}"


# --- verify: records in, findings out ----------------------------------------------------------


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
        for color in expected.colors:
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


def table(expected: Expected, records: Sequence[RecordSet], naming: TxtNaming = STACK_TXT_NAMING) -> str:
    """What Route 53 holds for one hostname next to what the stack files expect."""
    host = expected.hostname
    index = index_records(records)
    answers = [r for r in records if r.name == host and r.type in ANSWER_TYPES]
    rows = [("TYPE", "SET ID", "WEIGHT", "EXPECTED", "OWNER (TXT)", "EXPECTED OWNER", "TARGET")]
    for rtype in sorted({r.type for r in answers}) or ["A"]:
        by_set = {r.set_identifier or "": r for r in answers if r.type == rtype}
        known = [c.color for c in expected.colors]
        for set_id in known + sorted(s for s in by_set if s not in known):
            record = by_set.get(set_id)
            color = expected.color(set_id)
            owner = "-"
            if record is not None:
                found = find_owner(record, index, naming)
                owner = f"{found[1]} ({found[0].name})" if found else "none"
            rows.append(
                (
                    rtype,
                    set_id or "(simple)",
                    "-" if record is None or record.weight is None else str(record.weight),
                    str(color.weight) if color else "-",
                    owner,
                    color.owner_id if color else "-",
                    record.target if record is not None else "(absent)",
                )
            )
    return format_rows(rows)


def format_rows(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


# --- TestDNSAnswer samples ---------------------------------------------------------------------

UNMATCHED = "unmatched"


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% with the default z)."""
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - spread), min(1.0, centre + spread))


def answer_colors(records: Sequence[RecordSet], hostname: str, resolve: Callable[[str], set[str]]) -> dict[str, str]:
    """Answer value -> colour, from each weighted A record's values or (for an alias) its target's addresses."""
    mapping: dict[str, str] = {}
    for record in records:
        set_id = record.set_identifier
        if record.name != hostname or record.type != "A" or record.policy != "weighted" or set_id is None:
            continue
        if record.alias_target is not None:
            values = {record.alias_target, *resolve(record.alias_target)}
        else:
            values = set(record.values)
        for value in values:
            mapping[value] = set_id
    return mapping


def tally(answers: Iterable[Sequence[str]], colors_by_value: Mapping[str, str]) -> Counter[str]:
    """Answers per colour; an answer whose values point at no colour (or at two) counts as UNMATCHED."""
    counts: Counter[str] = Counter()
    for values in answers:
        colors = {colors_by_value.get(dns.normalize(v), UNMATCHED) for v in values}
        counts[colors.pop() if len(colors) == 1 else UNMATCHED] += 1
    return counts


def split_report(counts: Counter[str], weights: Mapping[str, int]) -> list[str]:
    trials = sum(counts.values())
    lines = []
    for color, percent in zip(weights, shares(list(weights.values())), strict=True):
        share = percent / 100
        low, high = wilson_interval(counts[color], trials)
        verdict = "within" if low <= share <= high else "OUTSIDE"
        lines.append(
            f"  {color:<6} observed {counts[color]}/{trials} = {counts[color] / max(trials, 1):.1%} "
            f"(95% CI {low:.1%}-{high:.1%}), expected {share:.1%}: {verdict} the interval"
        )
    if counts[UNMATCHED]:
        lines.append(f"  {counts[UNMATCHED]} answer(s) matched no colour's record")
    return lines


def resolve_addresses(name: str) -> set[str]:
    """IPv4 addresses of an alias target (a load balancer), to recognise its answers; empty if unresolvable."""
    try:
        infos = socket.getaddrinfo(name, None, family=socket.AF_INET)
    except OSError:
        return set()
    return {str(info[4][0]) for info in infos}


# --- migrate: a simple record to a weighted one, in one batch ----------------------------------


class Refused(Exception):
    """The records are not in a state this command can change safely; the message says why."""


@dataclass(frozen=True)
class Migration:
    deletes: tuple[RecordSet, ...]
    creates: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> list[dict[str, Any]]:
        """DELETEs first, then CREATEs: Route 53 applies the batch at once, so the name always answers."""
        return [{"Action": "DELETE", "ResourceRecordSet": dict(r.raw)} for r in self.deletes] + [
            {"Action": "CREATE", "ResourceRecordSet": rrset} for rrset in self.creates
        ]


# The simple record sets `migrate` understands, as sorted (type, is alias) pairs.
MIGRATABLE = (
    (("A", True),),
    (("A", False),),
    (("AAAA", True),),
    (("CNAME", False),),
    (("A", True), ("AAAA", True)),
)


def plan_migration(
    hostname: str,
    records: Sequence[RecordSet],
    target: ColorExpectation,
    resource: str,
    old_owner_id: str | None = None,
    naming: TxtNaming = STACK_TXT_NAMING,
) -> Migration:
    """The batch turning `hostname`'s simple record into `target`'s weighted record; Refused if unsafe."""
    if target.weight == 0:
        raise Refused(
            f"{target.color} has trafficWeight 0. Its record would be the name's only one, and Route 53 answers "
            "a group whose weights are all 0 with an equal split, so it would take all traffic, then lose all of it "
            "at once when the other colour's record appears. Migrate to the colour that carries traffic."
        )
    answers = [r for r in records if r.name == hostname and r.type in ANSWER_TYPES]
    if not answers:
        raise Refused(f"{hostname} has no A, AAAA or CNAME record: nothing to convert (ExternalDNS creates it).")
    weighted = [r for r in answers if r.policy == "weighted"]
    if weighted:
        ids = ", ".join(sorted({r.set_identifier or "" for r in weighted}))
        raise Refused(f"{hostname} is already weighted (set identifiers {ids}); nothing to migrate.")
    other = [r for r in answers if r.policy != "simple"]
    if other:
        raise Refused(
            f"{hostname} has records with another routing policy ({', '.join(r.describe() for r in other)}); "
            "only simple records are converted."
        )
    shape = tuple(sorted((r.type, r.is_alias) for r in answers))
    if shape not in MIGRATABLE:
        found = ", ".join(f"{t}{' alias' if alias else ''}" for t, alias in shape)
        raise Refused(
            f"{hostname} holds simple records {found}; only one of A alias, A, AAAA alias or CNAME, or an "
            "A alias + AAAA alias pair, is converted."
        )

    txt_names = set(naming.all_txt_names(hostname))
    old_txts: list[RecordSet] = []
    notes: list[str] = []
    for record in records:
        if record.type != "TXT" or record.name not in txt_names:
            continue
        labels = ownership_labels(record)
        is_legacy_name = record.name == naming.legacy_txt_name(hostname)
        if labels is None:
            if is_legacy_name:
                continue  # an unrelated TXT at the hostname itself (site verification, SPF...): left alone
            raise Refused(f"TXT {record.describe()} is not an ExternalDNS ownership record; not understood.")
        if record.set_identifier is not None:
            raise Refused(f"TXT {record.describe()} is already weighted; {hostname} looks half migrated.")
        owner = labels.get("owner", "")
        if owner not in {target.owner_id, old_owner_id}:
            raise Refused(
                f"TXT {record.name} says {hostname} is owned by {owner!r}, not by {target.color} "
                f"({target.owner_id!r}). If it is meant to move to {target.color}, pass --old-owner-id {owner}."
            )
        old_txts.append(record)
    if not old_txts:
        notes.append(f"{hostname} has no ownership TXT record (not made by ExternalDNS); it becomes {target.color}'s.")

    txt_ttls = {txt.name: txt.raw.get("TTL", DEFAULT_TXT_TTL) for txt in old_txts}
    creates: list[dict[str, Any]] = []
    new_txts: list[dict[str, Any]] = []
    for record in sorted(answers, key=lambda r: r.type):
        creates.append({**record.raw, "SetIdentifier": target.color, "Weight": target.weight})
        txt_name = naming.txt_name(hostname, written_txt_type(record.type, record.is_alias))
        new_txts.append(
            {
                "Name": txt_name,
                "Type": "TXT",
                "SetIdentifier": target.color,
                "Weight": target.weight,
                "TTL": txt_ttls.get(txt_name, DEFAULT_TXT_TTL),
                "ResourceRecords": [{"Value": ownership_value(target.owner_id, resource)}],
            }
        )
    deletes = tuple(sorted(answers, key=lambda r: r.type)) + tuple(old_txts)
    return Migration(deletes, tuple(creates + new_txts), tuple(notes))


# --- the rules Route 53 enforces and moto does not ---------------------------------------------


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


# --- prune: a retired colour's records and their TXT -------------------------------------------


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


# --- Route 53 I/O ------------------------------------------------------------------------------


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
