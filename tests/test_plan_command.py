"""`bluegreen plan`: the offline plan a newcomer runs first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bluegreen import cli
from bluegreen.exits import ExitStatus
from tests.conftest import PROJECT_DIR
from tests.support.cli import copy_project
from tests.support.json_schema import assert_valid


def plan_output(capsys: pytest.CaptureFixture[str], *args: str, project_dir: Path = PROJECT_DIR) -> tuple[int, str]:
    code = cli.main(["--project-dir", str(project_dir), "plan", *args])
    return code, capsys.readouterr().out


def plan_error(capsys: pytest.CaptureFixture[str], *args: str, project_dir: Path = PROJECT_DIR) -> tuple[int, str]:
    """The exit status and stderr of a plan that stops: its diagnostics go to stderr, nothing to stdout."""
    code = cli.main(["--project-dir", str(project_dir), "plan", *args])
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err


def test_plan_lists_resources_by_parent_with_key_settings_and_the_traffic_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = plan_output(capsys, "blue")
    assert code == ExitStatus.OK
    assert "nothing was sent to AWS" in out
    assert "- eks-bluegreen:index:Cluster  cluster\n  - eks:index:Cluster  cluster-eks [protected]" in out
    assert 'version: "1.33"' in out
    assert 'txtOwnerId: "eks-bluegreen-blue"' in out
    assert "external-dns.kubernetes.io/aws-weight: 1" in out
    assert "allow route53:ChangeResourceRecordSets on arn:aws:route53:::hostedzone/Z0PLACEHOLDER0000000" in out
    table = out.split("Traffic for app.example.com")[1]
    assert "blue   blue    1.33          1   100%" in table
    assert "green  green   1.34          0     0%" in table


def test_bad_settings_print_every_problem_and_exit_non_zero(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    stack = project / "Pulumi.blue.yaml"
    text = stack.read_text().replace("trafficWeight: 1", "trafficWeight: 1.5").replace('"1.33"', "1.3")
    stack.write_text(text)
    code, out = plan_error(capsys, "blue", project_dir=project)
    assert code == ExitStatus.USAGE
    assert "Pulumi.blue.yaml: 2 problem(s)" in out
    assert "eks-bluegreen:trafficWeight = '1.5'" in out and "eks-bluegreen:clusterVersion = '1.3'" in out
    assert "resources:" not in out


def test_all_zero_plan_stops_with_the_guard_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = plan_output(capsys, "green", "--peer-weight", "0")
    assert code == ExitStatus.PROBLEM
    assert "The program stopped: both colours would have weight 0" in out


def test_unknown_stack_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = plan_error(capsys, "purple")
    assert code == ExitStatus.USAGE
    assert "no stack 'purple'" in err and "the stacks here are blue, green" in err
    assert "did you mean" not in err


def test_a_mistyped_stack_is_answered_with_the_stack_it_resembles(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = plan_error(capsys, "gren")
    assert code == ExitStatus.USAGE
    assert f"error: no stack 'gren' in {PROJECT_DIR}: did you mean 'green'? the stacks here are blue, green" in err


def test_an_invalid_peer_file_is_named_as_invalid_not_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project = copy_project(tmp_path)
    (project / "Pulumi.green.yaml").write_text("config:\n  eks-bluegreen:color: green\n")
    code, out = plan_output(capsys, "blue", project_dir=project)
    assert code == ExitStatus.OK
    assert "(the peer is not shown: Pulumi.green.yaml is invalid (bluegreen status lists its problems))" in out
    (project / "Pulumi.green.yaml").unlink()
    code, out = plan_output(capsys, "blue", project_dir=project)
    assert "(the peer is not shown: Pulumi.green.yaml is not in this folder)" in out


def test_plan_refuses_a_pair_in_different_zones(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    green = project / "Pulumi.green.yaml"
    green.write_text(green.read_text().replace("hostedZoneId: Z0PLACEHOLDER0000000", "hostedZoneId: Z0OTHERZONE"))
    code, err = plan_error(capsys, "blue", project_dir=project)
    assert code == ExitStatus.PROBLEM
    assert "invalid pair (stacks blue and green)" in err
    assert "eks-bluegreen:hostedZoneId differs (blue has 'Z0PLACEHOLDER0000000', green has 'Z0OTHERZONE')" in err


WORKLOADS_STACK_LINES = """  eks-bluegreen:workloads:
    url: https://github.com/example/eks-bluegreen
    path: ./workloads
    tag: v1.0.0
  eks-bluegreen:workloadsUsername:
    secure: v1:Ym9ndXMtZW5jcnlwdGVkLXVzZXI=
  eks-bluegreen:workloadsToken:
    secure: v1:Ym9ndXMtZW5jcnlwdGVkLXRva2Vu
"""


def project_with_workloads(directory: Path) -> Path:
    """The sample project with `workloads` (and a secure username and token) instead of the demo, in both colours."""
    project = copy_project(directory)
    for color in ("blue", "green"):
        stack = project / f"Pulumi.{color}.yaml"
        stack.write_text(stack.read_text().replace("eks-bluegreen:demo: true", "eks-bluegreen:demo: false"))
        stack.write_text(stack.read_text() + WORKLOADS_STACK_LINES)
    return project


def test_plan_shows_flux_objects_substitutions_and_the_ingress_wait_with_secure_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project = project_with_workloads(tmp_path)
    code, out = plan_output(capsys, "green", project_dir=project)
    assert code == ExitStatus.OK, out
    assert "chart flux2 2.18.3 in namespace flux-system" in out
    assert "controllers: kustomizeController, sourceController (the others off)" in out
    assert "url: https://github.com/example/eks-bluegreen" in out and 'ref: {"tag": "v1.0.0"}' in out
    assert "credentials: Secret workloads-git" in out and 'stringData: "[secret]"' in out
    assert "pulumi.com/waitFor: condition=Ready" in out and 'deletionPolicy: "WaitForTermination"' in out
    assert 'substitute ${clusterVersion} = "1.34"' in out
    assert "created after Kustomization flux-system/workloads is Ready" in out
    assert "Ym9ndXMt" not in out  # the encrypted text is not shown either
    table = out.split("Flux substitutions in the workloads")[1]
    assert "${color}           green                 blue" in table
    assert "${clusterVersion}  1.34                  1.33" in table
    assert "${domain}          example.com           example.com" in table


def test_the_standby_plan_compares_with_the_peer_file_without_an_old_peer_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The peer's stack file stands in for its outputs: hostnames, domain and zone included, so the standby's
    plan neither warns that the peer was deployed by an older version nor skips the pair comparison."""
    code, out = plan_output(capsys, "green")
    assert code == ExitStatus.OK
    assert "exports no" not in out
    assert "older version" not in out


def test_plan_prints_the_same_text_on_every_run(capsys: pytest.CaptureFixture[str]) -> None:
    """The mocked engine resolves inputs and registers resources concurrently; the printed plan must not show it."""
    outputs = set()
    for _ in range(4):
        assert cli.main(["--project-dir", str(PROJECT_DIR), "plan", "blue"]) == ExitStatus.OK
        outputs.add(capsys.readouterr().out)
    assert len(outputs) == 1


def plan_json(capsys: pytest.CaptureFixture[str], *args: str, project_dir: Path = PROJECT_DIR) -> tuple[int, str, Any]:
    """Exit status, stdout and its document: the whole of stdout must parse, and the published schema accept it."""
    code = cli.main(["--project-dir", str(project_dir), "plan", *args, "--json"])
    out = capsys.readouterr().out
    document = json.loads(out)
    assert_valid("plan", document)
    return code, out, document


def test_json_is_the_same_bytes_on_every_run_and_lists_each_resource_with_urn_parent_and_settings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, document = plan_json(capsys, "blue")
    assert plan_json(capsys, "blue")[1] == out  # the engine's concurrency shows neither in order nor in map keys
    assert code == ExitStatus.OK
    assert (document["command"], document["stack"], document["color"], document["error"]) == (
        "plan",
        "blue",
        "blue",
        None,
    )
    assert document["assumed"] == {"zone_name": "example.com", "peer_stack": "green", "peer_weight": 0}
    assert document["peer_file"] == {"name": "Pulumi.green.yaml", "state": "valid"}
    assert document["traffic"] == [
        {"stack": "blue", "color": "blue", "version": "1.33", "weight": 1, "share_percent": 100.0},
        {"stack": "green", "color": "green", "version": "1.34", "weight": 0, "share_percent": 0.0},
    ]
    assert document["substitutions"] is None and document["hostnames"] == ["app.example.com"]
    resources = {r["name"]: r for r in document["resources"]}
    assert f"\n{len(resources)} resources:\n" in plan_output(capsys, "blue")[1]  # the text's count, names unique
    # URNs as the engine makes them: a top-level component's without the stack's type (README's unprotect example).
    assert resources["cluster"]["urn"] == "urn:pulumi:blue::eks-bluegreen::eks-bluegreen:index:Cluster::cluster"
    ingress = resources["traffic-app.example.com"]
    assert ingress["urn"] == (
        "urn:pulumi:blue::eks-bluegreen::eks-bluegreen:index:Traffic$kubernetes:networking.k8s.io/v1:Ingress"
        "::traffic-app.example.com"
    )
    assert ingress["parent"] == resources["traffic"]["urn"] and ingress["protect"] is True
    assert ingress["settings"]["service"] == {"namespace": "demo", "name": "echo", "port": 80}
    assert ingress["settings"]["annotations"]["external-dns.kubernetes.io/aws-weight"] == "1"
    assert ingress["settings"]["listeners"] == [
        {"protocol": "HTTP", "port": 80, "redirect_to": 443, "ssl_policy": None},
        {"protocol": "HTTPS", "port": 443, "redirect_to": None, "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
    ]
    cluster = resources["cluster-eks"]
    assert cluster["protect"] is True and cluster["settings"]["version"] == "1.33"
    assert cluster["settings"]["autoMode"] == {"createNodeRole": True, "enabled": True}
    policy = resources["external-dns-route53"]["settings"]["statements"][0]
    assert policy == {
        "actions": ["route53:ChangeResourceRecordSets"],
        "effect": "Allow",
        "resources": ["arn:aws:route53:::hostedzone/Z0PLACEHOLDER0000000"],
    }
    validation = resources["certificates-validation-app.example.com"]
    assert validation["retain_on_delete"] is True and validation["settings"]["allowOverwrite"] is True


def test_json_shows_flux_settings_and_substitutions_without_secrets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project = project_with_workloads(tmp_path)
    code, out, document = plan_json(capsys, "green", project_dir=project)
    assert code == ExitStatus.OK
    assert "Ym9ndXMt" not in out
    assert document["substitutions"]["green"]["clusterVersion"] == "1.34"
    assert document["substitutions"]["blue"]["color"] == "blue"
    resources = {r["name"]: r["settings"] for r in document["resources"]}
    assert resources["workloads-git-repository"] == {
        "credentials_secret": "workloads-git",
        "ref": {"tag": "v1.0.0"},
        "url": "https://github.com/example/eks-bluegreen",
    }
    assert resources["workloads-flux"]["controllers"] == ["kustomizeController", "sourceController"]
    assert resources["workloads-git-credentials"] == {"stringData": "[secret]"}
    assert resources["traffic-app.example.com"]["created_after_kustomizations"] == ["flux-system/workloads"]


def test_json_of_a_program_that_stops_carries_the_error_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, document = plan_json(capsys, "green", "--peer-weight", "0")
    assert code == ExitStatus.PROBLEM
    assert document["error"].startswith("both colours would have weight 0")
    assert document["traffic"] is None and document["substitutions"] is None


def test_json_prints_nothing_when_the_plan_cannot_start(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Exit 2 (an unknown stack, invalid settings) and exit 1 (a pair in different zones): no document on stdout."""
    assert plan_error(capsys, "gren", "--json")[0] == ExitStatus.USAGE
    project = copy_project(tmp_path)
    blue = project / "Pulumi.blue.yaml"
    blue.write_text(blue.read_text().replace("trafficWeight: 1", "trafficWeight: 1.5"))
    code, err = plan_error(capsys, "blue", "--json", project_dir=project)
    assert code == ExitStatus.USAGE and "trafficWeight = '1.5'" in err
    (tmp_path / "other").mkdir()
    other = copy_project(tmp_path / "other")
    green = other / "Pulumi.green.yaml"
    green.write_text(green.read_text().replace("hostedZoneId: Z0PLACEHOLDER0000000", "hostedZoneId: Z0OTHERZONE"))
    code, err = plan_error(capsys, "blue", "--json", project_dir=other)
    assert code == ExitStatus.PROBLEM and "invalid pair (stacks blue and green)" in err


def test_a_plan_that_stops_lists_the_same_resources_on_every_run(capsys: pytest.CaptureFixture[str]) -> None:
    """What does not depend on the failed guard is declared in full, whichever order the engine ran the rest."""
    runs = [plan_output(capsys, "green", "--peer-weight", "0") for _ in range(5)]
    assert {code for code, _ in runs} == {ExitStatus.PROBLEM}
    (out,) = {out for _, out in runs}
    assert "- kubernetes:networking.k8s.io/v1:Ingress  traffic-green.app.example.com" in out  # no weight, no guard
