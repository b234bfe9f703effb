"""`bluegreen verify --json`: one document on stdout, validated against docs/json/verify.schema.json, with the
progress lines on stderr and the exit status of the text output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from bluegreen.cli import run_command
from bluegreen.commands import verify
from bluegreen.exits import ExitStatus
from tests.support.json_schema import assert_valid
from tests.support.route53 import (
    ALB,
    HOST,
    OWNER,
    ZONE_ID,
    colour_records,
    command_args,
    moto_zone,
    put,
    write_project,
)
from tests.test_route53_verify import FakeTime

BOTH = [*colour_records("blue", 1), *colour_records("green", 0)]


def verify_json(capsys: pytest.CaptureFixture[str], project: Path, client: Any, *argv: str, **run: Any) -> Any:
    """Run verify --json; the whole of stdout must parse as one document that the published schema accepts."""
    code = verify.run(command_args(verify, project, "--json", *argv), client=client, **run)
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert_valid("verify", document)
    return code, document, captured.err


def test_matching_records_give_a_document_with_the_pair_each_row_and_matched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path)
    with moto_zone() as client:
        put(client, *BOTH)
        code, document, err = verify_json(capsys, project, client)
    assert code == ExitStatus.OK
    assert (document["command"], document["schema_version"], document["matched"]) == ("verify", 1, True)
    assert (document["zone_id"], document["domain"], document["region"]) == (ZONE_ID, "example.com", "eu-west-1")
    assert document["stacks"] == {
        "blue": {"weight": 1, "owner_id": OWNER["blue"], "tls": False},
        "green": {"weight": 0, "owner_id": OWNER["green"], "tls": False},
    }
    assert document["only"] == ["blue", "green"]
    assert document["wait"] == {"timeout_seconds": 0, "attempts": 1, "waited_seconds": 0}
    (host,) = document["hostnames"]
    assert (host["hostname"], host["matched"], host["problems"], host["samples"]) == (HOST, True, [], None)
    assert [(r["type"], r["set_identifier"]) for r in host["records"]] == [
        ("A", "blue"),
        ("A", "green"),
        ("AAAA", "blue"),
        ("AAAA", "green"),
    ]
    assert host["records"][0] == {
        "type": "A",
        "set_identifier": "blue",
        "expected": {"color": "blue", "weight": 1, "owner_id": OWNER["blue"], "checked": True},
        "found": {
            "routing_policy": "weighted",
            "weight": 1,
            "alias_target": ALB["blue"],
            "evaluate_target_health": True,
            "values": [],
            "ttl": None,
            "owner_id": OWNER["blue"],
            "owner_txt": f"cname-{HOST}",
        },
    }
    assert document["tls"] == []
    assert err == ""  # the pair's description is in the document, not repeated anywhere


def test_differences_are_listed_per_hostname_and_matched_is_false_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path)
    with moto_zone() as client:
        put(client, *colour_records("blue", 1))  # green's records are missing
        code, document, _ = verify_json(capsys, project, client)
    assert code == ExitStatus.PROBLEM
    assert document["matched"] is False
    (host,) = document["hostnames"]
    assert host["matched"] is False
    assert f"{HOST} A green: absent, expected weight 0" in host["problems"][0]
    green_a = host["records"][1]
    assert green_a["set_identifier"] == "green" and green_a["found"] is None
    assert green_a["expected"] == {"color": "green", "weight": 0, "owner_id": OWNER["green"], "checked": True}


def test_wait_lines_go_to_stderr_and_the_document_counts_attempts_and_pauses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path)
    with moto_zone() as client:
        put(client, *colour_records("blue", 1))
        fake = FakeTime(lambda n: put(client, *colour_records("green", 0)) if n == 3 else None)
        code, document, err = verify_json(capsys, project, client, "--wait", "60", sleep=fake.sleep, clock=fake.clock)
    assert code == ExitStatus.OK
    assert err.count("waiting: 1 hostname(s) still differ") == 3
    assert document["wait"] == {"timeout_seconds": 60, "attempts": 4, "waited_seconds": 7}  # pauses of 1, 2 and 4 s
    assert document["matched"] is True


def test_waited_seconds_is_rounded_to_a_tenth_whatever_the_clock_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path)
    now = [1000.0]
    sleeps: list[float] = []

    def clock() -> float:
        now[0] += 0.0094282  # each reading a little later than the last, as on a real clock
        return now[0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with moto_zone() as client:
        put(client, *colour_records("blue", 1))  # green's records never come: --wait 5 runs out
        code, document, _ = verify_json(capsys, project, client, "--wait", "5", sleep=sleep, clock=clock)
    assert code == ExitStatus.PROBLEM
    assert sleeps[:2] == [1, 2] and sleeps[2] != round(sleeps[2], 1)  # the last pause: what was left of 5 s
    assert document["wait"]["waited_seconds"] == round(sum(sleeps), 1)


def test_only_goes_to_stderr_and_the_unchecked_colour_is_marked_in_each_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path, weights=(0, 1))
    blue_without_owner = [r for r in colour_records("blue", 1) if r["Type"] != "TXT"]
    with moto_zone() as client:
        put(client, *blue_without_owner, *colour_records("green", 1))
        code, document, err = verify_json(capsys, project, client, "--only", "green")
    assert code == ExitStatus.OK
    assert err == "Comparing only green: the records of blue are not checked.\n"
    assert document["only"] == ["green"] and document["matched"] is True
    blue_a = document["hostnames"][0]["records"][0]
    assert blue_a["expected"]["checked"] is False
    assert blue_a["found"]["weight"] == 1 and blue_a["found"]["owner_id"] is None  # held as read, not judged


def test_the_text_and_the_document_give_the_same_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path)
    with moto_zone() as client:
        put(client, *colour_records("blue", 2), *colour_records("green", 0))
        text_code = verify.run(command_args(verify, project), client=client)
        text = capsys.readouterr().out
        code, document, _ = verify_json(capsys, project, client)
    assert text_code == code == ExitStatus.PROBLEM
    problems = document["hostnames"][0]["problems"]
    assert problems and all(f"  - {problem}\n" in text for problem in problems)


def project_in(folder: Path, hosted_zone_id: str = ZONE_ID) -> Path:
    folder.mkdir()
    return write_project(folder, hostedZoneId=hosted_zone_id)


def test_stopping_before_an_answer_prints_no_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 2 (the sample's placeholder zone), exit 1 (stack files that disagree: no comparison was made) and exit 3
    (AWS refuses, here after --wait already wrote progress): stdout stays empty, stderr has the error line."""
    placeholder = project_in(tmp_path / "placeholder")
    for path in placeholder.glob("Pulumi.*.yaml"):
        path.write_text(path.read_text().replace(ZONE_ID, "Z0PLACEHOLDER0000000"))
    code = run_command(lambda: verify.run(command_args(verify, placeholder, "--json"), client=object()))
    captured = capsys.readouterr()
    assert (code, captured.out) == (ExitStatus.USAGE, "")
    assert captured.err.startswith("error: the stack files' eks-bluegreen:hostedZoneId Z0PLACEHOLDER0000000")

    disagreeing = project_in(tmp_path / "disagreeing", hosted_zone_id="Z0OTHERZONE")
    code = run_command(lambda: verify.run(command_args(verify, disagreeing, "--json"), client=object()))
    captured = capsys.readouterr()
    assert (code, captured.out) == (ExitStatus.PROBLEM, "")
    assert captured.err.startswith("error: The two stack files must describe the same shared names")

    project = project_in(tmp_path / "refused")
    client = boto3.client("route53")
    fake = FakeTime()
    with Stubber(client) as stub:
        for _ in range(4):  # the first reading of the hostname: nothing there yet, so --wait pauses
            stub.add_response(
                "list_resource_record_sets", {"ResourceRecordSets": [], "IsTruncated": False, "MaxItems": "20"}
            )
        stub.add_client_error("list_resource_record_sets", "AccessDenied", "not allowed", 403)
        code = run_command(
            lambda: verify.run(
                command_args(verify, project, "--json", "--wait", "60"),
                client=client,
                sleep=fake.sleep,
                clock=fake.clock,
            )
        )
    captured = capsys.readouterr()
    assert (code, captured.out) == (ExitStatus.AWS, "")
    assert "waiting: 1 hostname(s) still differ" in captured.err and "error: AWS: " in captured.err
