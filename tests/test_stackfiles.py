"""Stack files: the weight edit keeps every other byte; reading at a git ref and in the working tree."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bluegreen import stackfiles
from bluegreen.settings import MAX_WEIGHT, SettingsError
from bluegreen.stackfiles import load_stack_settings
from tests.support.git import commit_all, git

# Comments everywhere, a blank line, a trailing comment on the weight, a sequence indented the way
# ruamel's round trip would re-indent, a flow list and a quoted key order that a dump would not keep.
STACK_FILE = """\
# Stack "green": comments, blank lines and odd indentation must survive a shift.

config:
  aws:region: eu-west-1   # region comment
  eks-bluegreen:color: green
  eks-bluegreen:clusterVersion: "1.34"
  # the weight, changed by `bluegreen shift`
  eks-bluegreen:trafficWeight: {weight}    # keep this comment
  eks-bluegreen:hostedZoneId: Z0PLACEHOLDER0000000
  eks-bluegreen:domain: example.com
  eks-bluegreen:endpoints:
  - hostname: app.example.com     # not indented under the key
    service: demo/echo
    port: 80
  eks-bluegreen:publicAccessCidrs: [ "203.0.113.0/24",   "198.51.100.0/24" ]
  eks-bluegreen:demo: true
# a comment at the end, without a newline after it"""


def stack_text(weight: str) -> str:
    return STACK_FILE.replace("{weight}", weight)


def write(directory: Path, name: str, text: str, newline: str = "\n") -> Path:
    path = directory / name
    path.write_bytes(text.replace("\n", newline).encode())
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("old", ["0", '"0"', "'0'"])
def test_edit_changes_only_the_weight_value(tmp_path: Path, newline: str, old: str) -> None:
    path = write(tmp_path, "Pulumi.green.yaml", stack_text(old), newline)
    returned = stackfiles.set_traffic_weight(path, 17)
    expected = stack_text("17").replace("\n", newline).encode()
    assert path.read_bytes() == expected == returned
    assert load_stack_settings(path).traffic_weight == 17
    assert [p.name for p in tmp_path.iterdir()] == ["Pulumi.green.yaml"], "no temporary file is left behind"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.integers(0, MAX_WEIGHT), after=st.integers(0, MAX_WEIGHT))
def test_edit_of_any_weight_is_byte_exact_outside_the_value(tmp_path: Path, before: int, after: int) -> None:
    path = write(tmp_path, "Pulumi.green.yaml", stack_text(str(before)))
    original = path.read_bytes()
    stackfiles.set_traffic_weight(path, after)
    edited = path.read_bytes()
    start = original.index(b"trafficWeight: ") + len(b"trafficWeight: ")
    assert edited[:start] == original[:start]
    assert edited[start:].removeprefix(str(after).encode()) == original[start:].removeprefix(str(before).encode())


def test_edit_of_the_sample_stack_files_keeps_them_byte_for_byte(tmp_path: Path) -> None:
    for name in ("Pulumi.blue.yaml", "Pulumi.green.yaml"):
        original = (Path(__file__).parent.parent / name).read_text()
        path = write(tmp_path, name, original)
        stackfiles.set_traffic_weight(path, 200)
        lines_before, lines_after = original.splitlines(keepends=True), path.read_text().splitlines(keepends=True)
        changed = [(b, a) for b, a in zip(lines_before, lines_after, strict=True) if b != a]
        assert len(changed) == 1
        assert changed[0][1] == re.sub(r"(trafficWeight: )[0-9]+", r"\g<1>200", changed[0][0])


def test_edit_keeps_the_file_mode(tmp_path: Path) -> None:
    path = write(tmp_path, "Pulumi.green.yaml", stack_text("0"))
    path.chmod(0o640)
    stackfiles.set_traffic_weight(path, 1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("config:\n  eks-bluegreen:color: green\n", "has 0 `eks-bluegreen:trafficWeight` keys"),
        ("config:\n  eks-bluegreen:trafficWeight: 1\n  eks-bluegreen:trafficWeight: 2\n", "has 2"),
        ("config:\n  eks-bluegreen:trafficWeight: [1]\n", "is not a single value"),
        ("- config\n", "the file is not a map"),
    ],
)
def test_edit_refuses_what_it_cannot_change_alone(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "Pulumi.green.yaml", text)
    with pytest.raises(stackfiles.EditError, match=message):
        stackfiles.set_traffic_weight(path, 5)
    assert path.read_text() == text


def test_working_tree_reports_invalid_files_without_raising(tmp_path: Path) -> None:
    write(tmp_path, "Pulumi.green.yaml", stack_text("0"))
    write(tmp_path, "Pulumi.red.yaml", stack_text("300"))
    files = stackfiles.read_working_tree(tmp_path)
    assert list(files.valid) == ["green"]
    assert files.names == ["green", "red"]
    assert any("trafficWeight = '300'" in p for p in files.invalid["red"].problems)
    assert files.invalid["red"].source == "Pulumi.red.yaml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "config:\n  eks-bluegreen:color: [blue\n",
            "Pulumi.blue.yaml:3: not valid YAML: expected ',' or ']', but got '<stream end>'",
        ),
        ("- config\n", "Pulumi.blue.yaml:1: not a stack file: expected a map with a `config:` map of settings"),
    ],
)
def test_a_damaged_file_in_the_working_tree_is_its_name_line_and_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    write(tmp_path, "Pulumi.green.yaml", stack_text("0"))
    write(tmp_path, "Pulumi.blue.yaml", text)
    with pytest.raises(stackfiles.StackFileDamaged) as damaged:
        stackfiles.read_working_tree(tmp_path)
    assert str(damaged.value) == message


def test_read_at_ref_reads_the_committed_files_of_the_project_folder(tmp_path: Path) -> None:
    project = tmp_path / "infra"
    project.mkdir()
    write(project, "Pulumi.green.yaml", stack_text("0"))
    write(project, "Pulumi.blue.yaml", stack_text("0").replace("color: green", "color: blue"))
    write(tmp_path, "Pulumi.other.yaml", "not: in the project folder\n")
    commit_all(tmp_path, "stacks")
    write(project, "Pulumi.green.yaml", stack_text("9"))  # working tree only
    write(project, "Pulumi.blue.yaml", "broken: [\n")

    files = stackfiles.read_at_ref(project, "HEAD")
    assert files.names == ["blue", "green"]
    assert files.valid["green"].traffic_weight == 0
    assert files.valid["blue"].color == "blue"

    git(tmp_path, "commit", "-q", "-am", "break blue")
    with pytest.raises(stackfiles.StackFileDamaged, match=r"^Pulumi\.blue\.yaml at HEAD:2: not valid YAML"):
        stackfiles.read_at_ref(project, "HEAD")


def test_read_at_ref_reports_git_errors(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    with pytest.raises(stackfiles.GitError, match="no-such-ref"):
        stackfiles.read_at_ref(tmp_path, "no-such-ref")
    with pytest.raises(stackfiles.GitError, match="is not a git ref"):
        stackfiles.read_at_ref(tmp_path, "--output=/tmp/x")


def test_plain_scalars_are_read_as_written_as_the_pulumi_cli_hands_them_to_the_program() -> None:
    text = (
        stack_text("0x10").replace('clusterVersion: "1.34"', "clusterVersion: 1.30").replace("demo: true", "demo: True")
    )
    config = stackfiles.config_from_text(text)
    assert config["eks-bluegreen:clusterVersion"] == "1.30"  # YAML alone reads 1.3
    assert config["eks-bluegreen:trafficWeight"] == "0x10"
    assert config["eks-bluegreen:demo"] == "True"
    assert config["eks-bluegreen:endpoints"][0]["port"] == 80  # a list is structured data, typed by YAML
    assert config["eks-bluegreen:publicAccessCidrs"] == ["203.0.113.0/24", "198.51.100.0/24"]


def test_a_version_written_without_quotes_is_what_the_user_typed(tmp_path: Path) -> None:
    accepted = write(tmp_path, "Pulumi.green.yaml", stack_text("0").replace('"1.34"', "1.30"))
    assert load_stack_settings(accepted).cluster_version == "1.30"
    refused = write(tmp_path, "Pulumi.blue.yaml", stack_text("0").replace('"1.34"', "1.3"))
    with pytest.raises(SettingsError) as problem:
        load_stack_settings(refused)
    assert "eks-bluegreen:clusterVersion = '1.3': EKS minor versions have two digits" in str(problem.value)
