"""bluegreen.deploy_order: which stacks a push deploys, the one whose weight rises first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bluegreen.deploy_order import (
    DeployOrderError,
    changed_stacks,
    deploy_order,
    main,
    order_between,
    parse_weight,
)

BOTH = {"blue", "green"}


# --- the pure ordering -------------------------------------------------------------------------------


def test_rising_weight_deploys_before_falling_weight() -> None:
    assert deploy_order({"blue": 1, "green": 0}, {"blue": 0, "green": 1}, BOTH) == ["green", "blue"]
    assert deploy_order({"blue": 0, "green": 1}, {"blue": 1, "green": 0}, BOTH) == ["blue", "green"]


def test_unchanged_weight_goes_between_rising_and_falling() -> None:
    before = {"blue": 10, "green": 5, "purple": 3}
    after = {"blue": 0, "green": 5, "purple": 7}
    assert deploy_order(before, after, {"blue", "green", "purple"}) == ["purple", "green", "blue"]


def test_a_program_change_with_one_falling_stack_deploys_the_other_first() -> None:
    # Blue (falling) is last even though it sorts first by name.
    assert deploy_order({"blue": 1, "green": 1}, {"blue": 0, "green": 1}, BOTH) == ["green", "blue"]


def test_equal_weights_go_by_name() -> None:
    assert deploy_order({"green": 1, "blue": 1}, {"green": 1, "blue": 1}, BOTH) == ["blue", "green"]


def test_only_changed_stacks_are_deployed() -> None:
    assert deploy_order({"blue": 1, "green": 0}, {"blue": 1, "green": 1}, {"green"}) == ["green"]
    assert deploy_order({"blue": 1}, {"blue": 1}, set()) == []


def test_a_new_stack_rises_from_zero() -> None:
    before = {"blue": 1, "green": None}
    assert deploy_order(before, {"blue": 0, "green": 1}, BOTH) == ["green", "blue"]
    # New with weight 0 is no rise: it sits with the unchanged stacks, before the falling one.
    assert deploy_order(before, {"blue": 0, "green": 0}, BOTH) == ["green", "blue"]
    assert deploy_order({"blue": 1, "purple": None}, {"blue": 1, "purple": 0}, {"blue", "purple"}) == [
        "blue",
        "purple",
    ]


def test_a_stack_without_a_file_at_head_is_not_deployed() -> None:
    assert deploy_order({"blue": 1, "green": 0}, {"blue": 1, "green": None}, BOTH) == ["blue"]


# --- what counts as changed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["Pulumi.green.yaml"], {"green"}),
        (["Pulumi.blue.yaml", "Pulumi.green.yaml"], BOTH),
        (["__main__.py"], BOTH),
        (["components/cluster.py"], BOTH),
        (["bluegreen/settings.py"], BOTH),
        (["Pulumi.yaml"], BOTH),
        (["uv.lock"], BOTH),
        (["pyproject.toml"], BOTH),
        (["README.md", "tests/test_x.py", "docs/ci.md", ".github/workflows/deploy.yml"], set()),
        (["docs/Pulumi.green.yaml"], set()),
        (["Pulumi.purple.yaml"], set()),  # not one of the stacks asked about
    ],
)
def test_changed_stacks(paths: list[str], expected: set[str]) -> None:
    assert changed_stacks(BOTH, paths) == expected


# --- reading a weight --------------------------------------------------------------------------------


def test_parse_weight_reads_numbers_and_pulumi_strings() -> None:
    assert parse_weight("config:\n  eks-bluegreen:trafficWeight: 7\n", "f") == 7
    # `pulumi config set` writes values as strings.
    assert parse_weight('config:\n  eks-bluegreen:trafficWeight: "0"\n', "f") == 0


@pytest.mark.parametrize(
    "text",
    [
        "config:\n  aws:region: eu-west-1\n",
        "config:\n  eks-bluegreen:trafficWeight: -1\n",
        "config:\n  eks-bluegreen:trafficWeight: true\n",
        "config:\n  eks-bluegreen:trafficWeight: 1.5\n",
        "config:\n  eks-bluegreen:trafficWeight: lots\n",
        "- a list\n",
        "config: [unclosed\n",
    ],
)
def test_parse_weight_rejects_what_is_not_a_weight(text: str) -> None:
    with pytest.raises(DeployOrderError, match="Pulumi.blue.yaml"):
        parse_weight(text, "Pulumi.blue.yaml")


# --- reading git -------------------------------------------------------------------------------------


def stack_file(weight: int) -> str:
    return f"config:\n  aws:region: eu-west-1\n  eks-bluegreen:trafficWeight: {weight}\n"


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.git("init", "--quiet", "--initial-branch=main")

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
            cwd=self.path,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def commit(self, files: dict[str, str | None]) -> str:
        for name, text in files.items():
            if text is None:
                self.git("rm", "--quiet", name)
            else:
                (self.path / name).parent.mkdir(parents=True, exist_ok=True)
                (self.path / name).write_text(text)
                self.git("add", name)
        self.git("commit", "--quiet", "--allow-empty", "-m", "change")
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path)


@pytest.fixture
def base(repo: Repo) -> str:
    return repo.commit(
        {
            "Pulumi.yaml": "name: eks-bluegreen\nruntime: python\n",
            "__main__.py": "",
            "Pulumi.blue.yaml": stack_file(1),
            "Pulumi.green.yaml": stack_file(0),
            "README.md": "",
        }
    )


def test_one_stack_file_changed(repo: Repo, base: str) -> None:
    head = repo.commit({"Pulumi.green.yaml": stack_file(1)})
    assert order_between(repo.path, base, head) == ["green"]


def test_a_range_that_raises_green_then_lowers_blue_deploys_green_first(repo: Repo, base: str) -> None:
    repo.commit({"Pulumi.green.yaml": stack_file(1)})
    head = repo.commit({"Pulumi.blue.yaml": stack_file(0)})
    assert order_between(repo.path, base, head) == ["green", "blue"]


def test_a_program_change_deploys_both_with_the_falling_stack_last(repo: Repo, base: str) -> None:
    repo.commit({"Pulumi.green.yaml": stack_file(1)})
    middle = repo.commit({"README.md": "docs"})
    head = repo.commit({"__main__.py": "print()", "Pulumi.blue.yaml": stack_file(0)})
    # Blue falls; green's weight stands, but the program changed under it.
    assert order_between(repo.path, middle, head) == ["green", "blue"]


def test_nothing_to_deploy_for_an_unrelated_change(repo: Repo, base: str) -> None:
    head = repo.commit({"README.md": "more docs"})
    assert order_between(repo.path, base, head) == []


def test_a_new_stack_file_counts_as_changed(repo: Repo, base: str) -> None:
    head = repo.commit({"Pulumi.purple.yaml": stack_file(0)})
    assert order_between(repo.path, base, head) == ["purple"]


def test_a_removed_stack_file_is_not_deployed(repo: Repo, base: str) -> None:
    head = repo.commit({"Pulumi.green.yaml": None, "__main__.py": "print()"})
    assert order_between(repo.path, base, head) == ["blue"]


def test_every_stack_when_asked(repo: Repo, base: str) -> None:
    assert order_between(repo.path, base, base) == []
    assert order_between(repo.path, base, base, everything=True) == ["blue", "green"]


def test_an_unknown_base_is_an_error_not_an_empty_order(repo: Repo, base: str) -> None:
    with pytest.raises(DeployOrderError, match="not a commit"):
        order_between(repo.path, "0" * 40, base)


def test_a_bad_weight_at_head_is_an_error(repo: Repo, base: str) -> None:
    head = repo.commit({"Pulumi.green.yaml": "config:\n  eks-bluegreen:trafficWeight: half\n"})
    with pytest.raises(DeployOrderError, match=r"Pulumi\.green\.yaml at [0-9a-f]{12}"):
        order_between(repo.path, base, head)


def test_main_prints_json(repo: Repo, base: str, capsys: pytest.CaptureFixture[str]) -> None:
    head = repo.commit({"Pulumi.green.yaml": stack_file(1), "Pulumi.blue.yaml": stack_file(0)})
    assert main(["--repo", str(repo.path), "--base", base, "--head", head]) == 0
    assert json.loads(capsys.readouterr().out) == ["green", "blue"]


def test_main_reports_errors_on_stderr(repo: Repo, base: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(repo.path), "--base", "nope", "--head", base]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "'nope' is not a commit" in captured.err


def test_runs_as_a_module(repo: Repo, base: str) -> None:
    head = repo.commit({"Pulumi.blue.yaml": stack_file(2)})
    result = subprocess.run(
        [sys.executable, "-m", "bluegreen.deploy_order", "--base", base, "--head", head],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["blue"]
