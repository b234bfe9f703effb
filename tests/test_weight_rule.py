"""One rule for a weight: every offline reader refuses what the program refuses, with the program's message.

The Pulumi CLI hands the program each config value as the text in the stack file, so the program sees
`0x10` where YAML reads 16. The offline commands and deploy_order read the weight as written too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bluegreen.deploy_order import DeployOrderError, parse_weight
from bluegreen.exits import ExitStatus
from bluegreen.settings import parse, project_config, weight_problem
from bluegreen.stackfiles import config_from_text, stack_file
from tests.support.cli import Run, stack_text, write_pair, write_stack
from tests.support.git import commit_all

# Plain scalars YAML reads as numbers, which the program (given the text) refuses.
NOT_PLAIN_DECIMAL = ["0x10", "+5", "010", "1_0", "0o7"]


@pytest.mark.parametrize("written", NOT_PLAIN_DECIMAL)
def test_the_program_refuses_the_text_that_yaml_reads_as_a_number(written: str) -> None:
    """What the program gets from Pulumi is the text: the program's own rule refuses it."""
    config = project_config(config_from_text(stack_text("blue", written, "1.33")))
    assert config["trafficWeight"] == written
    with pytest.raises(Exception, match="trafficWeight") as refused:
        parse(config, source="Pulumi.blue.yaml")
    assert str(weight_problem(written)) in str(refused.value)


@pytest.mark.parametrize("written", NOT_PLAIN_DECIMAL)
@pytest.mark.parametrize("command", [["status"], ["shift", "green"], ["plan", "blue"]])
def test_offline_commands_refuse_it_with_the_programs_message(
    tmp_path: Path, bluegreen: Run, command: list[str], written: str
) -> None:
    write_pair(tmp_path, 1, 0)
    write_stack(tmp_path, "blue", written)
    result = bluegreen(*command)
    assert result.code == ExitStatus.USAGE
    assert str(weight_problem(written)) in result.err
    assert stack_file(tmp_path, "blue").read_text() == stack_text("blue", written, "1.33")


@pytest.mark.parametrize("written", NOT_PLAIN_DECIMAL)
def test_check_refuses_it_in_the_working_tree(tmp_path: Path, bluegreen: Run, written: str) -> None:
    write_pair(tmp_path, 1, 0)
    commit_all(tmp_path, "pair")
    write_stack(tmp_path, "blue", written)
    result = bluegreen("check", "--base", "HEAD")
    assert result.code == ExitStatus.USAGE
    assert str(weight_problem(written)) in result.out  # the report for the pull request


@pytest.mark.parametrize("written", NOT_PLAIN_DECIMAL)
def test_deploy_order_refuses_it_with_the_programs_message(written: str) -> None:
    with pytest.raises(DeployOrderError) as refused:
        parse_weight(f"config:\n  eks-bluegreen:trafficWeight: {written}\n", "Pulumi.blue.yaml")
    assert str(refused.value) == f"Pulumi.blue.yaml: {weight_problem(written)}"


@pytest.mark.parametrize("written", NOT_PLAIN_DECIMAL)
def test_shift_to_refuses_it_with_the_rule(tmp_path: Path, bluegreen: Run, written: str) -> None:
    write_pair(tmp_path, 1, 0)
    with pytest.raises(SystemExit) as exit_:
        bluegreen("shift", "green", "--to", written)
    assert exit_.value.code == ExitStatus.USAGE


def test_a_plain_decimal_weight_still_reads_and_shifts(tmp_path: Path, bluegreen: Run) -> None:
    write_pair(tmp_path, 1, 0)
    assert bluegreen("shift", "green").code == ExitStatus.OK
    assert "eks-bluegreen:trafficWeight: 1   # changed" in stack_file(tmp_path, "green").read_text()
