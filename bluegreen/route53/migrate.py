"""migrate: the one batch that turns a hostname's simple record into a colour's weighted record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bluegreen.route53.records import STACK_TXT_NAMING, ColorExpectation, RecordSet, ownership_labels
from bluegreen.txt_registry import ANSWER_TYPES, TxtNaming, ownership_value, written_txt_type

# ExternalDNS's default TTL, which is what its TXT records get.
DEFAULT_TXT_TTL = 300


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
