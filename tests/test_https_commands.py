"""HTTPS in the offline commands: `plan` shows certificates, validation records and listeners; status,
shift, check and plan refuse a mixed `tls` pair, except the one halfway state of turning TLS on (the
standby colour first)."""

from __future__ import annotations

from pathlib import Path

from bluegreen.exits import ExitStatus
from tests.conftest import PROJECT_DIR
from tests.support.cli import Run, write_stack
from tests.support.git import commit_all, git

PLAIN = "  eks-bluegreen:tls: false\n"


def write(project: Path, blue: int, green: int, *, blue_tls: bool, green_tls: bool) -> None:
    write_stack(project, "blue", blue, extra="" if blue_tls else PLAIN)
    write_stack(project, "green", green, extra="" if green_tls else PLAIN)


def test_plan_shows_certificate_names_validation_records_and_listeners(bluegreen: Run) -> None:
    result = bluegreen("plan", "green", project=PROJECT_DIR)
    assert result.code == ExitStatus.OK, result.err
    certificate = result.out.split("aws:acm/certificate:Certificate  certificates-app.example.com\n")[1]
    assert certificate.startswith(
        '      domainName: "app.example.com"\n      subjectAlternativeNames: ["green.app.example.com"]'
    )
    record = "CNAME (known after deploy) -> (known after deploy) (ttl 300, overwrites the peer's copy, kept on destroy)"
    assert result.out.count(record) == 2
    assert "waits up to 30m for the certificate to be issued" in result.out
    listeners = "listeners: HTTP 80 -> redirect to HTTPS 443; HTTPS 443 (ELBSecurityPolicy-TLS13-1-2-2021-06)"
    assert result.out.count(listeners) == 2  # the weighted and the direct Ingress


def test_check_refuses_tls_on_the_live_colour_before_the_standby(tmp_path: Path, bluegreen: Run) -> None:
    write(tmp_path, 1, 0, blue_tls=False, green_tls=False)
    commit_all(tmp_path, "base")
    write(tmp_path, 1, 0, blue_tls=True, green_tls=False)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.PROBLEM, result.out
    assert "tls is false on green (weight 0) while blue (weight 1) serves HTTPS" in result.out
    assert "set tls: true on green first" in result.out


def test_check_passes_tls_on_the_standby_first_and_then_on_the_live_colour(tmp_path: Path, bluegreen: Run) -> None:
    write(tmp_path, 1, 0, blue_tls=False, green_tls=False)
    commit_all(tmp_path, "base")
    write(tmp_path, 1, 0, blue_tls=False, green_tls=True)
    assert bluegreen("check", "--base", "HEAD").code == ExitStatus.OK
    git(tmp_path, "commit", "-qam", "standby")
    write(tmp_path, 1, 0, blue_tls=True, green_tls=True)
    assert bluegreen("check", "--base", "HEAD").code == ExitStatus.OK


def test_status_says_to_finish_turning_tls_on_before_moving_traffic(tmp_path: Path, bluegreen: Run) -> None:
    write(tmp_path, 1, 0, blue_tls=False, green_tls=True)
    result = bluegreen("status")
    assert result.code == ExitStatus.OK, result.err
    assert "TLS is on for the other colour but not yet for blue: set tls: true on stack blue" in result.out


def test_status_refuses_a_live_colour_with_tls_and_a_standby_without(tmp_path: Path, bluegreen: Run) -> None:
    write(tmp_path, 1, 0, blue_tls=True, green_tls=False)
    result = bluegreen("status")
    assert result.code == ExitStatus.PROBLEM
    assert "invalid pair: eks-bluegreen:tls is false on green" in result.err


def test_shift_refuses_to_move_traffic_across_a_mixed_pair(tmp_path: Path, bluegreen: Run) -> None:
    write(tmp_path, 1, 0, blue_tls=False, green_tls=True)
    before = (tmp_path / "Pulumi.green.yaml").read_text()
    result = bluegreen("shift", "green")
    assert result.code == ExitStatus.PROBLEM
    assert result.out.startswith("refused: eks-bluegreen:tls differs between the colours")
    assert "while both carry traffic" in result.out
    # blue already has all the traffic: the way on is TLS for blue, not moving traffic to it.
    assert result.out.rstrip().endswith("only blue may carry traffic: set tls: true on blue first")
    assert "move all traffic" not in result.out
    assert (tmp_path / "Pulumi.green.yaml").read_text() == before


def test_plan_refuses_a_mixed_pair_from_either_side(tmp_path: Path, bluegreen: Run) -> None:
    write(tmp_path, 1, 0, blue_tls=True, green_tls=False)
    for stack in ("blue", "green"):  # the live colour's guard does not read its peer: the stack files say it
        result = bluegreen("plan", stack)
        assert result.code == ExitStatus.PROBLEM
        assert "invalid pair (stacks" in result.err and "eks-bluegreen:tls is false on green" in result.err
