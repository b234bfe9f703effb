"""`bluegreen prune`: only a colour's owned records and their TXT go, each record in the batch with its TXT.

moto's DELETE removes every record sharing a set identifier, so reading the zone back after a moto run
proves little on its own: the tests also check the exact DELETE requests the command sent.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from bluegreen import route53
from bluegreen.commands import prune
from bluegreen.exits import ExitStatus
from tests.support.route53 import (
    ALB,
    DOMAIN,
    HOST,
    OWNER,
    alias,
    colour_records,
    command_args,
    moto_zone,
    owner_txt,
    plain,
    put,
    write_project,
    zone_records,
)

GREEN_DIRECT = f"green.{HOST}"
BLUE_DIRECT = f"blue.{HOST}"

# (record or TXT, deleted when green is pruned?)
ZONE: list[tuple[dict[str, Any], bool]] = [
    *((r, False) for r in colour_records("blue", 1)),
    *((r, True) for r in colour_records("green", 0)),
    (alias(GREEN_DIRECT, ALB["green"]), True),
    (owner_txt(f"cname-{GREEN_DIRECT}", OWNER["green"]), True),
    (alias(BLUE_DIRECT, ALB["blue"]), False),
    (owner_txt(f"cname-{BLUE_DIRECT}", OWNER["blue"]), False),
    # made by hand: no ownership TXT, never touched
    (plain(f"manual.{DOMAIN}", "A", "192.0.2.1"), False),
    # another ExternalDNS
    (plain(f"other.{DOMAIN}", "A", "192.0.2.2"), False),
    (owner_txt(f"a-other.{DOMAIN}", "someone-else"), False),
    # owned by green through the legacy untyped TXT at the record's own name
    (plain(f"legacy.{DOMAIN}", "A", "192.0.2.3"), True),
    (owner_txt(f"legacy.{DOMAIN}", OWNER["green"]), True),
    # green's TXT whose record is gone
    (owner_txt(f"a-gone.{DOMAIN}", OWNER["green"]), True),
    # a TXT set with a second value is not a registry record: deleting it would delete that value too
    (plain(f"shared.{DOMAIN}", "A", "192.0.2.4"), False),
    (
        plain(
            f"a-shared.{DOMAIN}",
            "TXT",
            f'"heritage=external-dns,external-dns/owner={OWNER["green"]},external-dns/resource=ingress/x/y"',
            '"keep me"',
        ),
        False,
    ),
]


def key(rrset: dict[str, Any]) -> tuple[str, str, str]:
    return (rrset["Name"].rstrip("."), rrset["Type"], rrset.get("SetIdentifier", ""))


def as_read(*rrsets: dict[str, Any]) -> list[route53.RecordSet]:
    return [route53.RecordSet({**r, "Name": r["Name"] + "."}) for r in rrsets]


def test_plan_takes_exactly_greens_records_each_with_its_txt() -> None:
    groups = route53.plan_prune(as_read(*(r for r, _ in ZONE)), OWNER["green"], DOMAIN)
    grouped = [(g.record.key if g.record else None, [t.key for t in g.txts]) for g in groups]
    assert grouped == [
        ((HOST, "A", "green"), [(f"cname-{HOST}", "TXT", "green")]),
        ((HOST, "AAAA", "green"), [(f"aaaa-{HOST}", "TXT", "green")]),
        ((GREEN_DIRECT, "A", ""), [(f"cname-{GREEN_DIRECT}", "TXT", "")]),
        ((f"legacy.{DOMAIN}", "A", ""), [(f"legacy.{DOMAIN}", "TXT", "")]),
        (None, [(f"a-gone.{DOMAIN}", "TXT", "")]),
    ]


def test_a_record_owned_elsewhere_keeps_its_typed_owner_and_only_greens_shadowed_txt_goes() -> None:
    mixed = [
        plain(f"mixed.{DOMAIN}", "A", "192.0.2.5"),
        owner_txt(f"a-mixed.{DOMAIN}", OWNER["blue"]),  # read first by ExternalDNS: blue owns the record
        owner_txt(f"mixed.{DOMAIN}", OWNER["green"]),
    ]
    groups = route53.plan_prune(as_read(*mixed), OWNER["green"], DOMAIN)
    assert [(g.record, [t.key for t in g.txts]) for g in groups] == [(None, [(f"mixed.{DOMAIN}", "TXT", "")])]


def test_zone_apex_soa_and_ns_are_never_candidates() -> None:
    apex = [
        plain(DOMAIN, "NS", "ns-1.awsdns-01.org."),
        plain(DOMAIN, "SOA", "ns-1.awsdns-01.org. hostmaster 1 7200 900 1209600 86400"),
        owner_txt(DOMAIN, OWNER["green"]),
    ]
    groups = route53.plan_prune(as_read(*apex), OWNER["green"], DOMAIN)
    assert [(g.record, [t.type for t in g.txts]) for g in groups] == [(None, ["TXT"])]


def test_batches_never_split_a_record_from_its_txt() -> None:
    groups = route53.plan_prune(as_read(*(r for r, _ in ZONE)), OWNER["green"], DOMAIN)
    batches = route53.prune_batches(groups, limit=3)
    assert [len(b) for b in batches] == [2, 2, 2, 3]
    for batch in batches:
        assert all(change["Action"] == "DELETE" for change in batch)


def test_hostname_left_without_records_is_detected() -> None:
    read = as_read(*colour_records("green", 0))
    groups = route53.plan_prune(read, OWNER["green"], DOMAIN)
    assert route53.hostnames_left_empty(groups, read, [HOST, f"unused.{DOMAIN}"]) == [HOST]


# --- the command against moto ------------------------------------------------------------------


def run_prune(
    tmp_path: Path, *argv: str, weights: tuple[int, int] = (1, 0)
) -> tuple[int, list[Any], list[Any], list[Any]]:
    """Exit code, zone before, zone after, and the ChangeResourceRecordSets requests sent."""
    project = write_project(tmp_path, weights=weights)
    with moto_zone() as client:
        put(client, *(r for r, _ in ZONE))
        before = zone_records(client)
        sent: list[dict[str, Any]] = []
        client.meta.events.register(
            "provide-client-params.route53.ChangeResourceRecordSets",
            lambda params, **_: sent.append(copy.deepcopy(params)),
        )
        code = prune.run(command_args(prune, project, *argv), client=client)
        after = zone_records(client)
    return code, before, after, sent


def test_dry_run_lists_and_deletes_nothing(tmp_path: Path, capsys: Any) -> None:
    code, before, after, sent = run_prune(tmp_path, "--color", "green")
    out = capsys.readouterr().out
    assert code == ExitStatus.OK
    assert sent == [] and after == before
    assert f"DELETE {GREEN_DIRECT} A:" in out and f"with TXT cname-{GREEN_DIRECT} TXT" in out
    assert "Dry run: nothing was deleted. Run again with --yes to delete these 9 record sets." in out
    assert all(f"{name}.{DOMAIN}" not in out for name in ("manual", "other", "shared", "a-shared"))


def test_yes_sends_exact_deletes_of_greens_records_only(tmp_path: Path, capsys: Any) -> None:
    code, _, after, sent = run_prune(tmp_path, "--color", "green", "--yes")
    assert code == ExitStatus.OK, capsys.readouterr().out
    deleted = [change["ResourceRecordSet"] for request in sent for change in request["ChangeBatch"]["Changes"]]
    assert all(change["Action"] == "DELETE" for request in sent for change in request["ChangeBatch"]["Changes"])
    # each DELETE is the record exactly as listed (Route 53 refuses anything else; moto would not notice)
    assert sorted(({**r, "Name": r["Name"].rstrip(".")} for r in deleted), key=key) == sorted(
        (r for r, gone in ZONE if gone), key=key
    )
    assert sorted(map(key, after)) == sorted(key(r) for r, gone in ZONE if not gone)


def test_a_colour_with_traffic_is_not_pruned(tmp_path: Path, capsys: Any) -> None:
    code, before, after, sent = run_prune(tmp_path, "--color", "blue", "--yes")
    assert code == ExitStatus.PROBLEM
    assert sent == [] and after == before
    assert "blue still has trafficWeight 1" in capsys.readouterr().out


def test_a_hostname_would_be_left_without_records(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path, weights=(0, 1))
    with moto_zone() as client:
        put(client, *colour_records("blue", 0))  # green never published its records
        code = prune.run(command_args(prune, project, "--color", "blue", "--yes"), client=client)
        left = zone_records(client)
    assert code == ExitStatus.PROBLEM
    assert len(left) == 4
    assert f"{HOST} would be left with no A, AAAA or CNAME record" in capsys.readouterr().out


def test_nothing_owned_is_a_clean_exit(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path)
    with moto_zone() as client:
        put(client, *colour_records("blue", 1))
        assert prune.run(command_args(prune, project, "--color", "green", "--yes"), client=client) == ExitStatus.OK
    assert "nothing to delete" in capsys.readouterr().out
