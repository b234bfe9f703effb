"""`bluegreen verify`: the pure comparison, the command against moto, --wait, and --samples via Stubber."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber

from bluegreen import route53
from bluegreen.cli import run_command
from bluegreen.commands import verify
from bluegreen.exits import ExitStatus
from tests.support.json_schema import assert_valid
from tests.support.route53 import (
    ALB,
    HOST,
    OWNER,
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
)

EXPECTED = route53.Expected(
    HOST,
    (
        route53.ColorExpectation("blue", 1, OWNER["blue"]),
        route53.ColorExpectation("green", 0, OWNER["green"]),
    ),
)


def records(*rrsets: dict[str, Any]) -> list[route53.RecordSet]:
    return [route53.RecordSet({**r, "Name": r["Name"] + "."}) for r in rrsets]


BOTH = [*colour_records("blue", 1), *colour_records("green", 0)]


# --- the pure comparison -----------------------------------------------------------------------


def test_both_colours_weighted_and_owned_match() -> None:
    assert route53.compare(EXPECTED, records(*BOTH)) == []


def test_v022_a_prefix_and_legacy_untyped_txt_also_prove_ownership() -> None:
    v022 = [*colour_records("blue", 1, txt_prefix="a-"), *colour_records("green", 0, txt_prefix="")]
    assert route53.compare(EXPECTED, records(*v022)) == []


def test_zero_weight_colour_must_still_be_present() -> None:
    findings = route53.compare(EXPECTED, records(*colour_records("blue", 1)))
    assert len(findings) == 2  # A and AAAA
    assert all("green: absent, expected weight 0" in f and "must still be present with weight 0" in f for f in findings)


def test_wrong_weight_unknown_set_identifier_and_simple_leftover_are_reported() -> None:
    found = route53.compare(
        EXPECTED,
        records(
            *colour_records("blue", 7),
            *colour_records("green", 0),
            weighted(alias(HOST, "k8s-old.elb.amazonaws.com"), "purple", 3),
            alias(HOST, "k8s-old.elb.amazonaws.com", "AAAA"),
        ),
    )
    assert f"{HOST} A blue: weight 7, expected 1" in found
    assert f"{HOST} A: unknown set identifier 'purple' (weight 3)" in found
    assert any(f.startswith(f"{HOST} AAAA: a simple (non-weighted) record beside weighted ones") for f in found)


def test_a_lone_simple_record_points_to_migrate() -> None:
    found = route53.compare(EXPECTED, records(alias(HOST, ALB["blue"])))
    assert found[0] == f"{HOST} A: a simple (non-weighted) record; convert it with `bluegreen migrate`"


def test_other_routing_policy_is_reported() -> None:
    latency = {**alias(HOST, ALB["blue"]), "SetIdentifier": "blue", "Region": "eu-west-1"}
    found = route53.compare(EXPECTED, records(latency))
    assert f"{HOST} A set id blue: routing policy Region" in found


def test_ownership_by_the_other_colour_or_by_nobody_is_reported() -> None:
    swapped = [r for r in BOTH if r["Type"] != "TXT"] + [
        weighted(owner_txt(f"cname-{HOST}", OWNER["green"]), "blue", 1),  # blue's record, green's owner id
        weighted(owner_txt(f"aaaa-{HOST}", OWNER["blue"]), "blue", 1),
        weighted(owner_txt(f"cname-{HOST}", OWNER["green"]), "green", 0),
    ]
    found = route53.compare(EXPECTED, records(*swapped))
    assert f"{HOST} A blue: owned by 'eks-bluegreen-green' (cname-{HOST}), expected 'eks-bluegreen-blue'" in found
    assert any(f.startswith(f"{HOST} AAAA green: no ownership TXT (looked for TXT aaaa-{HOST}") for f in found)
    assert len(found) == 2


def test_legacy_untyped_txt_does_not_own_aaaa() -> None:
    legacy_only = [r for r in BOTH if r["Type"] != "TXT"] + [
        weighted(owner_txt(HOST, OWNER[c]), c, w) for c, w in (("blue", 1), ("green", 0))
    ]
    found = route53.compare(EXPECTED, records(*legacy_only))
    assert sorted(found) == sorted(
        f"{HOST} AAAA {c}: no ownership TXT (looked for TXT aaaa-{HOST} with set id {c})" for c in ("blue", "green")
    )


def test_ownership_txt_weight_must_follow_its_record() -> None:
    stale = [r for r in BOTH if not (r["Type"] == "TXT" and r["SetIdentifier"] == "green" and "cname" in r["Name"])]
    stale.append(weighted(owner_txt(f"cname-{HOST}", OWNER["green"]), "green", 5))
    assert route53.compare(EXPECTED, records(*stale)) == [
        f"{HOST} A green: ownership TXT cname-{HOST} has weight 5, the record 0"
    ]


def test_an_optional_colour_may_be_absent() -> None:
    blue_only = route53.Expected(
        HOST,
        (
            route53.ColorExpectation("blue", 1, OWNER["blue"]),
            route53.ColorExpectation("green", 0, OWNER["green"], required=False),
        ),
    )
    assert route53.compare(blue_only, records(*colour_records("blue", 1))) == []
    assert route53.compare(blue_only, records(*colour_records("blue", 1), *colour_records("green", 4))) == [
        f"{HOST} A green: weight 4, expected 0",
        f"{HOST} AAAA green: weight 4, expected 0",
    ]


def test_table_shows_held_and_expected_side_by_side() -> None:
    text = route53.table(EXPECTED, records(*colour_records("blue", 1)))
    lines = [line.split() for line in text.splitlines()]
    assert lines[1][:5] == ["A", "blue", "1", "1", "eks-bluegreen-blue"]
    assert lines[2] == ["A", "green", "-", "0", "-", "eks-bluegreen-green", "(absent)"]


# --- the command against moto ------------------------------------------------------------------


def test_verify_matches_and_ignores_the_direct_hostname_next_to_it(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path)
    with moto_zone() as client:
        # blue.app.example.com sorts right after app.example.com: reading must stop at the name change.
        put(client, *BOTH, alias(f"blue.{HOST}", ALB["blue"]), owner_txt(f"cname-blue.{HOST}", OWNER["blue"]))
        code = verify.run(command_args(verify, project), client=client)
    out = capsys.readouterr().out
    assert code == ExitStatus.OK, out
    assert f"{HOST}: matches the stack files." in out
    assert "All 1 hostname(s) match" in out


def test_verify_reports_a_missing_standby_colour(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path)
    with moto_zone() as client:
        put(client, *colour_records("blue", 1))
        code = verify.run(command_args(verify, project), client=client)
    out = capsys.readouterr().out
    assert code == ExitStatus.PROBLEM
    assert f"{HOST} A green: absent, expected weight 0" in out


def test_verify_builds_its_own_client_from_the_stack_region(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path)
    with moto_zone() as client:
        put(client, *BOTH)
        assert verify.run(command_args(verify, project)) == ExitStatus.OK


def test_stack_files_that_disagree_are_refused_before_any_call(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path, hostedZoneId="Z0OTHERZONE")
    code = run_command(lambda: verify.run(command_args(verify, project), client=object()))  # any AWS call would fail
    err = capsys.readouterr().err
    assert code == ExitStatus.PROBLEM
    assert f"hostedZoneId: blue has '{ZONE_ID}', green has 'Z0OTHERZONE'" in err


def test_an_invalid_stack_file_is_a_usage_error(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path, trafficWeight="300")
    assert run_command(lambda: verify.run(command_args(verify, project), client=object())) == ExitStatus.USAGE
    assert "trafficWeight" in capsys.readouterr().err


def test_aws_refusal_is_exit_3(tmp_path: Path, capsys: Any) -> None:
    client = boto3.client("route53")
    with Stubber(client) as stub:
        stub.add_client_error("list_resource_record_sets", "AccessDenied", "not allowed", 403)
        code = run_command(lambda: verify.run(command_args(verify, write_project(tmp_path)), client=client))
    assert code == ExitStatus.AWS
    assert "AccessDenied" in capsys.readouterr().err


# --- --wait ------------------------------------------------------------------------------------


class FakeTime:
    """A clock that only moves when the command sleeps; `on_sleep` runs at each sleep (ExternalDNS acting)."""

    def __init__(self, on_sleep: Any = None):
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep(len(self.sleeps))


def test_wait_backs_off_exponentially_until_the_records_match(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path)
    with moto_zone() as client:
        put(client, *colour_records("blue", 1))
        # green's ExternalDNS publishes its records during the third pause.
        fake = FakeTime(lambda n: put(client, *colour_records("green", 0)) if n == 3 else None)
        code = verify.run(
            command_args(verify, project, "--wait", "60"), client=client, sleep=fake.sleep, clock=fake.clock
        )
    out = capsys.readouterr().out
    assert code == ExitStatus.OK, out
    assert fake.sleeps == [1, 2, 4]
    assert out.count("waiting: 1 hostname(s) still differ") == 3


def test_wait_gives_up_when_time_runs_out_with_the_pause_capped(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path)
    with moto_zone() as client:
        put(client, *colour_records("blue", 1))
        fake = FakeTime()
        code = verify.run(
            command_args(verify, project, "--wait", "100"), client=client, sleep=fake.sleep, clock=fake.clock
        )
    assert code == ExitStatus.PROBLEM
    assert fake.sleeps == [1, 2, 4, 8, 16, 30, 30, 9]  # doubling, capped at 30 s, ending on the deadline
    assert "absent, expected weight 0" in capsys.readouterr().out


# --- --samples ---------------------------------------------------------------------------------


def test_wilson_interval_known_values() -> None:
    low, high = route53.wilson_interval(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    low, high = route53.wilson_interval(0, 10)
    assert (low, round(high, 4)) == (0.0, 0.2775)
    assert route53.wilson_interval(0, 0) == (0.0, 1.0)


def test_answers_are_mapped_to_colours_by_alias_target_addresses_and_record_values() -> None:
    held = records(
        weighted(alias(HOST, ALB["blue"]), "blue", 1),
        weighted(plain(HOST, "A", "192.0.2.7"), "green", 1),
        alias(f"blue.{HOST}", ALB["blue"]),
    )
    mapping = route53.answer_colors(held, HOST, lambda name: {"198.51.100.1", "198.51.100.2"})
    assert mapping == {ALB["blue"]: "blue", "198.51.100.1": "blue", "198.51.100.2": "blue", "192.0.2.7": "green"}
    counts = route53.tally([["198.51.100.1", "198.51.100.2"], ["192.0.2.7"], ["203.0.113.9"], []], mapping)
    assert counts == {"blue": 1, "green": 1, "unmatched": 2}


def dns_answer(*values: str) -> dict[str, Any]:
    return {
        "Nameserver": "ns-1.awsdns-01.org",
        "RecordName": HOST,
        "RecordType": "A",
        "RecordData": list(values),
        "ResponseCode": "NOERROR",
        "Protocol": "UDP",
    }


def list_response(*rrsets: dict[str, Any]) -> dict[str, Any]:
    return {"ResourceRecordSets": list(rrsets), "IsTruncated": False, "MaxItems": "20"}


def run_with_samples(tmp_path: Path, *argv: str) -> ExitStatus:
    """verify --samples 20 against a Stubber client: moto does not implement TestDNSAnswer, so the exact requests
    are checked. 15 answers lead to blue's load balancer, 5 to green's, with weights 3 and 1."""
    project = write_project(tmp_path, weights=(3, 1))
    client = boto3.client("route53")
    name_records = [weighted(alias(HOST, ALB["blue"]), "blue", 3), weighted(alias(HOST, ALB["green"]), "green", 1)]
    txts = {
        f"cname-{HOST}": [weighted(owner_txt(f"cname-{HOST}", OWNER[c]), c, w) for c, w in (("blue", 3), ("green", 1))]
    }
    addresses = {ALB["blue"]: {"198.51.100.1"}, ALB["green"]: {"203.0.113.1"}}
    with Stubber(client) as stub:
        stub.add_response(
            "list_resource_record_sets",
            list_response(*name_records),
            {"HostedZoneId": ZONE_ID, "StartRecordName": HOST, "MaxItems": "20"},
        )
        for txt_name in (f"a-{HOST}", f"aaaa-{HOST}", f"cname-{HOST}"):
            stub.add_response(
                "list_resource_record_sets",
                list_response(*txts.get(txt_name, [])),
                {"HostedZoneId": ZONE_ID, "StartRecordName": txt_name, "StartRecordType": "TXT", "MaxItems": "20"},
            )
        for address in ["198.51.100.1"] * 15 + ["203.0.113.1"] * 5:
            stub.add_response(
                "test_dns_answer",
                dns_answer(address),
                {"HostedZoneId": ZONE_ID, "RecordName": HOST, "RecordType": "A"},
            )
        code = verify.run(
            command_args(verify, project, "--samples", "20", *argv), client=client, resolve=lambda name: addresses[name]
        )
        stub.assert_no_pending_responses()
    return code


def test_samples_call_test_dns_answer_n_times_and_print_the_split(tmp_path: Path, capsys: Any) -> None:
    code = run_with_samples(tmp_path)
    out = capsys.readouterr().out
    assert code == ExitStatus.OK, out
    assert "blue   observed 15/20 = 75.0% (95% CI 53.1%-88.8%), expected 75.0%: within the interval" in out
    assert "green  observed 5/20 = 25.0% (95% CI 11.2%-46.9%), expected 25.0%: within the interval" in out


def test_json_carries_the_same_split_as_the_text(tmp_path: Path, capsys: Any) -> None:
    code = run_with_samples(tmp_path, "--json")
    document = json.loads(capsys.readouterr().out)
    assert_valid("verify", document)
    assert code == ExitStatus.OK and document["matched"] is True
    sampled = document["hostnames"][0]["samples"]
    assert sampled["answers"] == 20 and sampled["unmatched"] == 0
    blue, green = sampled["colors"]["blue"], sampled["colors"]["green"]
    assert (blue["answers"], blue["observed_share"], blue["expected_share"], blue["within"]) == (15, 0.75, 0.75, True)
    assert [round(x, 3) for x in blue["interval_95"]] == [0.531, 0.888]  # the text's 53.1%-88.8%
    assert (green["answers"], green["expected_share"]) == (5, 0.25)


def test_split_report_flags_an_expected_share_outside_the_interval() -> None:
    lines = route53.split_report(Counter({"blue": 20}), {"blue": 1, "green": 1})
    assert "expected 50.0%: OUTSIDE the interval" in lines[0]


# --- --only ----------------------------------------------------------------------------------


def test_only_compares_the_colours_that_keep_traffic_never_the_one_being_lowered(tmp_path: Path, capsys: Any) -> None:
    # Green was raised to 1 and its records are in; blue's file says 0 but Route 53 still holds blue at 1,
    # and its ownership TXT is gone: the deploy is about to lower blue, whatever blue's records hold.
    project = write_project(tmp_path, weights=(0, 1))
    blue_without_owner = [r for r in colour_records("blue", 1) if r["Type"] != "TXT"]
    with moto_zone() as client:
        put(client, *blue_without_owner, *colour_records("green", 1))
        assert verify.run(command_args(verify, project), client=client) == ExitStatus.PROBLEM
        capsys.readouterr()
        code = verify.run(command_args(verify, project, "--only", "green"), client=client)
    out = capsys.readouterr().out
    assert code == ExitStatus.OK, out
    assert "Comparing only green: the records of blue are not checked." in out
    assert "blue" not in out.split("not checked.")[1].split("TYPE")[0]  # no finding about blue
    assert [line.split()[:4] for line in out.splitlines() if line.strip().startswith("A ")] == [
        ["A", "blue", "1", "not"],
        ["A", "green", "1", "1"],
    ]


def test_only_still_fails_when_the_colour_that_keeps_traffic_has_not_converged(tmp_path: Path, capsys: Any) -> None:
    project = write_project(tmp_path, weights=(0, 1))
    with moto_zone() as client:
        put(client, *colour_records("blue", 1), *colour_records("green", 0))  # green's raise not yet written
        code = verify.run(command_args(verify, project, "--only", "green"), client=client)
    assert code == ExitStatus.PROBLEM
    assert f"{HOST} A green: weight 0, expected 1" in capsys.readouterr().out
