"""`bluegreen migrate` and `validate_batch`.

moto accepts a weighted record beside a simple one, applies batches change by change and matches DELETEs
loosely, so the Route 53 rules behind #1411 are checked on the batch itself: with `validate_batch`, and
with Stubber on the exact request the command sends. moto then runs the command end to end.
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from bluegreen import route53
from bluegreen.cli import run_command
from bluegreen.commands import migrate
from bluegreen.exits import ExitStatus
from tests.support.route53 import (
    ALB,
    HOST,
    OWNER,
    RESOURCE,
    ZONE_ID,
    alias,
    colour_records,
    command_args,
    moto_zone,
    owner_txt,
    plain,
    put,
    weighted,
    write_project,
    zone_records,
)

BLUE = route53.ColorExpectation("blue", 1, OWNER["blue"])
OLD_OWNER = "old-cluster"
BLUE_TXT_VALUE = f'"heritage=external-dns,external-dns/owner={OWNER["blue"]},external-dns/resource={RESOURCE}"'


def as_read(*rrsets: dict[str, Any]) -> list[route53.RecordSet]:
    """Records as Route 53 returns them: absolute names with the trailing dot."""
    return [route53.RecordSet({**r, "Name": r["Name"] + "."}) for r in rrsets]


def plan(*rrsets: dict[str, Any], target: route53.ColorExpectation = BLUE, old: str | None = None) -> route53.Migration:
    return route53.plan_migration(HOST, as_read(*rrsets), target, RESOURCE, old)


# --- the batch ---------------------------------------------------------------------------------


def test_alias_a_with_old_txt_becomes_weighted_in_one_batch_deletes_first() -> None:
    simple = alias(HOST, ALB["blue"])
    old_txt = owner_txt(f"cname-{HOST}", OLD_OWNER, "service/default/old", ttl=600)
    migration = plan(simple, old_txt, old=OLD_OWNER)
    assert migration.changes == [
        {"Action": "DELETE", "ResourceRecordSet": {**simple, "Name": HOST + "."}},
        {"Action": "DELETE", "ResourceRecordSet": {**old_txt, "Name": f"cname-{HOST}."}},
        {"Action": "CREATE", "ResourceRecordSet": {**simple, "Name": HOST + ".", "SetIdentifier": "blue", "Weight": 1}},
        {
            "Action": "CREATE",
            "ResourceRecordSet": {
                "Name": f"cname-{HOST}",  # v0.21 names the TXT of an alias A record cname-<name>
                "Type": "TXT",
                "SetIdentifier": "blue",
                "Weight": 1,
                "TTL": 600,  # the old TXT's TTL is kept
                "ResourceRecords": [{"Value": BLUE_TXT_VALUE}],
            },
        },
    ]


def test_alias_pair_gets_a_txt_for_each_type_and_legacy_txt_is_replaced() -> None:
    migration = plan(
        alias(HOST, ALB["blue"]),
        alias(HOST, ALB["blue"], "AAAA"),
        owner_txt(HOST, OWNER["blue"]),  # legacy untyped, blue's own
        plain(HOST, "TXT", '"google-site-verification=abc"'),  # not ExternalDNS's: left alone
    )
    assert [
        (c["Action"], c["ResourceRecordSet"]["Name"].rstrip("."), c["ResourceRecordSet"]["Type"])
        for c in migration.changes
    ] == [
        ("DELETE", HOST, "A"),
        ("DELETE", HOST, "AAAA"),
        ("DELETE", HOST, "TXT"),
        ("CREATE", HOST, "A"),
        ("CREATE", HOST, "AAAA"),
        ("CREATE", f"cname-{HOST}", "TXT"),
        ("CREATE", f"aaaa-{HOST}", "TXT"),
    ]
    assert migration.changes[2]["ResourceRecordSet"]["ResourceRecords"][0]["Value"].startswith('"heritage=')


def test_plain_a_keeps_ttl_and_values_and_gets_an_a_txt() -> None:
    migration = plan(plain(HOST, "A", "192.0.2.1", "192.0.2.2", ttl=30))
    created = [c["ResourceRecordSet"] for c in migration.changes if c["Action"] == "CREATE"]
    assert created[0]["TTL"] == 30
    assert created[0]["ResourceRecords"] == [{"Value": "192.0.2.1"}, {"Value": "192.0.2.2"}]
    assert created[1]["Name"] == f"a-{HOST}"
    assert created[1]["TTL"] == route53.DEFAULT_TXT_TTL
    assert migration.notes and "no ownership TXT" in migration.notes[0]


def test_cname_gets_a_cname_txt() -> None:
    migration = plan(plain(HOST, "CNAME", "old.example.net"), owner_txt(f"cname-{HOST}", OWNER["blue"]))
    assert [c["ResourceRecordSet"]["Name"] for c in migration.changes if c["Action"] == "CREATE"] == [
        HOST + ".",
        f"cname-{HOST}",
    ]


@pytest.mark.parametrize(
    ("rrsets", "target", "reason"),
    [
        ([alias(HOST, ALB["blue"])], route53.ColorExpectation("blue", 0, OWNER["blue"]), "trafficWeight 0"),
        ([], BLUE, "has no A, AAAA or CNAME record"),
        ([weighted(alias(HOST, ALB["blue"]), "blue", 1)], BLUE, "already weighted (set identifiers blue)"),
        ([{**alias(HOST, ALB["blue"]), "SetIdentifier": "eu", "Region": "eu-west-1"}], BLUE, "another routing policy"),
        ([plain(HOST, "A", "192.0.2.1"), plain(HOST, "AAAA", "2001:db8::1")], BLUE, "holds simple records A, AAAA"),
        ([plain(HOST, "AAAA", "2001:db8::1")], BLUE, "holds simple records AAAA"),
        (
            [alias(HOST, ALB["blue"]), owner_txt(f"cname-{HOST}", OWNER["green"])],
            BLUE,
            "--old-owner-id eks-bluegreen-green",
        ),
        ([alias(HOST, ALB["blue"]), plain(f"a-{HOST}", "TXT", '"hello"')], BLUE, "not an ExternalDNS ownership record"),
        (
            [alias(HOST, ALB["blue"]), weighted(owner_txt(f"cname-{HOST}", OWNER["blue"]), "blue", 1)],
            BLUE,
            "half migrated",
        ),
    ],
    ids=[
        "weight-0",
        "no-record",
        "already-weighted",
        "latency",
        "A+AAAA-not-alias",
        "plain-AAAA",
        "foreign-owner",
        "foreign-txt",
        "weighted-txt",
    ],
)
def test_refusals(rrsets: list[dict[str, Any]], target: route53.ColorExpectation, reason: str) -> None:
    with pytest.raises(route53.Refused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        plan(*rrsets, target=target)


def test_old_owner_id_accepts_exactly_that_owner() -> None:
    rrsets = [alias(HOST, ALB["blue"]), owner_txt(f"a-{HOST}", OLD_OWNER)]
    assert len(plan(*rrsets, old=OLD_OWNER).changes) == 4
    with pytest.raises(route53.Refused, match=OLD_OWNER):
        plan(*rrsets, old="someone-else")


# --- validate_batch: the rules moto does not enforce -------------------------------------------

SIMPLE = alias(HOST, ALB["blue"])
WEIGHTED = weighted(SIMPLE, "blue", 1)


def test_the_migration_batch_is_valid() -> None:
    read = as_read(SIMPLE, owner_txt(f"cname-{HOST}", OLD_OWNER))
    migration = route53.plan_migration(HOST, read, BLUE, RESOURCE, OLD_OWNER)
    assert route53.validate_batch(migration.changes, read) == []


def test_create_weighted_before_deleting_the_simple_record_is_issue_1411() -> None:
    changes = [{"Action": "CREATE", "ResourceRecordSet": WEIGHTED}, {"Action": "DELETE", "ResourceRecordSet": SIMPLE}]
    problems = route53.validate_batch(changes, as_read(SIMPLE))
    assert len(problems) == 1
    assert "change 1 (CREATE" in problems[0] and "#1411" in problems[0]


def test_upsert_cannot_turn_simple_into_weighted_either() -> None:
    problems = route53.validate_batch([{"Action": "UPSERT", "ResourceRecordSet": WEIGHTED}], as_read(SIMPLE))
    assert any("simple and non-simple" in p for p in problems)


@pytest.mark.parametrize(
    ("rrset", "problem"),
    [
        ({**SIMPLE, "SetIdentifier": "blue", "Weight": 256}, "weight 256 is not an integer 0..255"),
        ({**SIMPLE, "SetIdentifier": "blue", "Weight": -1}, "weight -1 is not an integer 0..255"),
        ({**SIMPLE, "Weight": 5}, "a weighted record needs a SetIdentifier"),
        ({**SIMPLE, "SetIdentifier": "blue"}, "has a SetIdentifier but no routing policy"),
        ({**WEIGHTED, "TTL": 60}, "an alias record takes no TTL"),
        ({"Name": HOST, "Type": "A", "TTL": 60, "ResourceRecords": []}, "needs a TTL and at least one value"),
    ],
)
def test_malformed_records(rrset: dict[str, Any], problem: str) -> None:
    problems = route53.validate_batch([{"Action": "CREATE", "ResourceRecordSet": rrset}], [])
    assert any(problem in p for p in problems), problems


def test_well_formed_weights_at_the_bounds_pass() -> None:
    for weight in (0, 255):
        assert (
            route53.validate_batch([{"Action": "CREATE", "ResourceRecordSet": weighted(SIMPLE, "b", weight)}], []) == []
        )


@pytest.mark.parametrize(
    "delete",
    [
        {**WEIGHTED, "Weight": 2},
        weighted(alias(HOST, ALB["green"]), "blue", 1),
        {**WEIGHTED, "AliasTarget": {**WEIGHTED["AliasTarget"], "EvaluateTargetHealth": False}},
    ],
    ids=["weight", "alias-target", "evaluate-target-health"],
)
def test_delete_must_match_the_record_read_exactly(delete: dict[str, Any]) -> None:
    problems = route53.validate_batch([{"Action": "DELETE", "ResourceRecordSet": delete}], as_read(WEIGHTED))
    where = f"change 1 (DELETE {HOST} A set id blue weight {delete['Weight']})"
    assert problems == [f"{where}: does not match the record read exactly, so Route 53 would refuse it"]


def test_delete_matches_despite_trailing_dot_case_and_value_order() -> None:
    read = as_read(plain(HOST, "A", "192.0.2.1", "192.0.2.2"))
    delete = plain(HOST.upper(), "A", "192.0.2.2", "192.0.2.1")
    assert route53.validate_batch([{"Action": "DELETE", "ResourceRecordSet": delete}], read) == []


def test_delete_of_an_unread_record_or_twice_is_refused() -> None:
    delete = {"Action": "DELETE", "ResourceRecordSet": SIMPLE}
    assert "no such record was read" in route53.validate_batch([delete], [])[0]
    problems = route53.validate_batch([delete, delete], as_read(SIMPLE))
    assert len(problems) == 1 and problems[0].startswith("change 2")


def test_create_of_an_existing_record_is_refused() -> None:
    problems = route53.validate_batch([{"Action": "CREATE", "ResourceRecordSet": WEIGHTED}], as_read(WEIGHTED))
    assert problems == [f"change 1 (CREATE {HOST} A set id blue weight 1): the record already exists"]


def test_at_most_100_weighted_sets_per_name_and_type() -> None:
    existing = as_read(*(weighted(SIMPLE, f"s{i}", 1) for i in range(100)))
    problems = route53.validate_batch(
        [{"Action": "CREATE", "ResourceRecordSet": weighted(SIMPLE, "s100", 1)}], existing
    )
    assert problems and "more than 100 weighted sets" in problems[0]


# --- the exact request, with Stubber -----------------------------------------------------------


def listed(*rrsets: dict[str, Any]) -> dict[str, Any]:
    return {
        "ResourceRecordSets": [{**r, "Name": r["Name"] + "."} for r in rrsets],
        "IsTruncated": False,
        "MaxItems": "20",
    }


def expect_reads(stub: Stubber, at_host: list[dict[str, Any]], txts: dict[str, list[dict[str, Any]]]) -> None:
    stub.add_response(
        "list_resource_record_sets",
        listed(*at_host),
        {"HostedZoneId": ZONE_ID, "StartRecordName": HOST, "MaxItems": "20"},
    )
    for name in (f"a-{HOST}", f"aaaa-{HOST}", f"cname-{HOST}"):
        params = {"HostedZoneId": ZONE_ID, "StartRecordName": name, "StartRecordType": "TXT", "MaxItems": "20"}
        stub.add_response("list_resource_record_sets", listed(*txts.get(name, [])), params)


def test_migrate_sends_exactly_one_batch_deleting_what_it_read_then_creating(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path)
    simple_a, simple_aaaa = alias(HOST, ALB["blue"]), alias(HOST, ALB["blue"], "AAAA")
    old_a_txt = owner_txt(f"cname-{HOST}", OLD_OWNER, "service/default/old")
    old_aaaa_txt = owner_txt(f"aaaa-{HOST}", OLD_OWNER, "service/default/old")
    dotted = lambda r: {**r, "Name": r["Name"] + "."}  # noqa: E731 - as Route 53 names them
    expected_changes = [
        {"Action": "DELETE", "ResourceRecordSet": dotted(simple_a)},
        {"Action": "DELETE", "ResourceRecordSet": dotted(simple_aaaa)},
        {"Action": "DELETE", "ResourceRecordSet": dotted(old_aaaa_txt)},
        {"Action": "DELETE", "ResourceRecordSet": dotted(old_a_txt)},
        {"Action": "CREATE", "ResourceRecordSet": dotted(weighted(simple_a, "blue", 1))},
        {"Action": "CREATE", "ResourceRecordSet": dotted(weighted(simple_aaaa, "blue", 1))},
        {"Action": "CREATE", "ResourceRecordSet": weighted(owner_txt(f"cname-{HOST}", OWNER["blue"]), "blue", 1)},
        {"Action": "CREATE", "ResourceRecordSet": weighted(owner_txt(f"aaaa-{HOST}", OWNER["blue"]), "blue", 1)},
    ]
    client = boto3.client("route53")
    with Stubber(client) as stub:
        expect_reads(stub, [simple_a, simple_aaaa], {f"cname-{HOST}": [old_a_txt], f"aaaa-{HOST}": [old_aaaa_txt]})
        change_info = {"Id": "/change/C1", "Status": "PENDING", "SubmittedAt": datetime.datetime(2026, 1, 1)}
        stub.add_response(
            "change_resource_record_sets",
            {"ChangeInfo": change_info},
            {
                "HostedZoneId": ZONE_ID,
                "ChangeBatch": {
                    "Comment": f"bluegreen migrate {HOST} to blue",
                    "Changes": copy.deepcopy(expected_changes),
                },
            },
        )
        stub.add_response("get_change", {"ChangeInfo": {**change_info, "Status": "INSYNC"}}, {"Id": "/change/C1"})
        expect_reads(
            stub,
            colour_records("blue", 1)[:2],
            {f"cname-{HOST}": [colour_records("blue", 1)[2]], f"aaaa-{HOST}": [colour_records("blue", 1)[3]]},
        )
        code = migrate.run(
            command_args(migrate, project, "--hostname", HOST, "--color", "blue", "--old-owner-id", OLD_OWNER),
            client=client,
        )
        stub.assert_no_pending_responses()
    out = capsys.readouterr().out
    assert code == ExitStatus.OK, out
    assert "only blue is expected now" in out


def test_refusal_sends_nothing(tmp_path: Path, capsys: Any) -> None:
    client = boto3.client("route53")
    with Stubber(client) as stub:
        expect_reads(stub, [weighted(alias(HOST, ALB["blue"]), "blue", 1)], {})
        code = migrate.run(
            command_args(migrate, write_project(tmp_path), "--hostname", HOST, "--color", "blue"), client=client
        )
        stub.assert_no_pending_responses()  # and no change call was stubbed: one would have raised
    assert code == ExitStatus.PROBLEM
    assert "Refused, nothing changed" in capsys.readouterr().out


# --- end to end against moto -------------------------------------------------------------------


def test_migrate_against_moto_then_read_back(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path)
    with moto_zone() as client:
        put(client, alias(HOST, ALB["blue"]), owner_txt(f"cname-{HOST}", OLD_OWNER, "service/default/old"))
        argv = ("--hostname", HOST, "--color", "blue", "--old-owner-id", OLD_OWNER)
        code = migrate.run(command_args(migrate, project, *argv), client=client)
        held = zone_records(client)
    assert code == ExitStatus.OK, capsys.readouterr().out
    assert sorted(held, key=lambda r: r["Name"]) == [
        weighted(alias(HOST, ALB["blue"]), "blue", 1),
        weighted(owner_txt(f"cname-{HOST}", OWNER["blue"]), "blue", 1),
    ]


def test_dry_run_prints_the_request_the_real_run_sends_and_changes_nothing(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path)
    argv = ("--hostname", HOST, "--color", "blue")
    with moto_zone() as client:
        put(client, plain(HOST, "A", "192.0.2.1"))
        before = zone_records(client)
        assert migrate.run(command_args(migrate, project, *argv, "--dry-run"), client=client) == ExitStatus.OK
        assert zone_records(client) == before
        out = capsys.readouterr().out
        printed = json.loads(out[out.index("{") :])

        sent: list[dict[str, Any]] = []
        client.meta.events.register(
            "provide-client-params.route53.ChangeResourceRecordSets",
            lambda params, **_: sent.append(copy.deepcopy(params)),
        )
        assert migrate.run(command_args(migrate, project, *argv), client=client) == ExitStatus.OK
    assert sent == [printed]
    assert "nothing was changed" in out


def test_unknown_hostname_is_a_usage_error(tmp_path: Path, capsys: Any) -> None:
    args = command_args(migrate, write_project(tmp_path), "--hostname", "other.example.com", "--color", "blue")
    assert run_command(lambda: migrate.run(args, client=object())) == ExitStatus.USAGE
    assert "not a shared hostname" in capsys.readouterr().err
