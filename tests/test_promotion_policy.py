"""The promotion policy file: defaults, overrides, every problem at once, schedules that are not promotions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluegreen.promotion.judge import Thresholds
from bluegreen.promotion.policy import (
    DEFAULT_STEPS,
    POLICY_FIELDS,
    PolicyError,
    PromotionPolicy,
    Schedule,
    Step,
    load_policy,
    parse_policy,
    reference_rows,
    schedule_problems,
)
from tests.test_config_reference import readme_reference


def problems_of(raw) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(raw)
    return caught.value.problems


def test_without_a_file_every_default_applies(tmp_path: Path) -> None:
    policy = load_policy(tmp_path / "promotion.yaml")
    assert policy == PromotionPolicy()
    assert policy.source == "defaults (no promotion.yaml)"
    assert [(s.role, s.weight) for s in policy.schedule.steps] == [
        ("old", 255),
        ("new", 1),
        ("new", 10),
        ("new", 50),
        ("new", 255),
        ("old", 0),
    ]
    assert policy.schedule.resolver_wait_seconds >= 60 + 30
    assert policy.schedule.judging_interval_seconds == 60


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "promotion.yaml"
    path.write_text("# nothing set\n")
    assert load_policy(path).thresholds == Thresholds()


def test_a_file_overrides_the_keys_it_sets(tmp_path: Path) -> None:
    path = tmp_path / "promotion.yaml"
    path.write_text(
        "judge:\n  errorAlpha: 0.001\n  minRequests: 500\n  latencyAbsoluteSeconds: 0\n"
        "schedule:\n  consecutiveFailures: 3\n  steps:\n    - new: 5\n    - new: 255\n      bakeSeconds: 1200\n"
        "      minRequests: 2000\n    - old: 0\n"
    )
    policy = load_policy(path)
    assert policy.source == "promotion.yaml"
    assert policy.thresholds.error_alpha == 0.001
    assert policy.thresholds.min_requests == 500
    assert policy.thresholds.latency_absolute_seconds == 0.0
    assert policy.thresholds.error_ratio == Thresholds().error_ratio
    assert policy.schedule.consecutive_failures == 3
    first, second, last = policy.schedule.steps
    assert first == Step("new", 5)
    assert policy.bake_seconds(first) == 600 and policy.thresholds_for(first).min_requests == 500
    assert policy.bake_seconds(second) == 1200 and policy.thresholds_for(second).min_requests == 2000
    assert last == Step("old", 0)


def test_every_problem_is_reported_at_once_with_key_value_and_fix() -> None:
    problems = problems_of(
        {
            "judge": {"errorAlpha": 1.5, "minRequests": True, "latencyRatio": "1.5", "errorRatioo": 2},
            "schedule": {"resolverWaitSeconds": 60, "judgingIntervalSeconds": 30.0},
            "rollout": {},
        }
    )
    assert problems == [
        "rollout is not a section of the policy (known: judge, schedule)",
        "judge.errorRatioo is not a policy key (known: finalitySeconds, minRequests, grossMinRequests, "
        "grossErrorFraction, errorAlpha, errorRateFloor, errorRatio, errorAbsolute, shareAlpha, shareRatio, "
        "latencyMinRequests, latencyRatio, latencyAbsoluteSeconds)",
        "judge.minRequests = true: must be a whole number, 1 or more",
        "judge.errorAlpha = 1.5: must be a fraction between 0 and 1",
        "judge.latencyRatio = '1.5': must be a number, 1 or more",
        "schedule.resolverWaitSeconds = 60: must be a whole number of seconds, 90 or more (the 60 s TTL plus a margin)",
        "schedule.judgingIntervalSeconds = 30.0: must be a whole number of seconds, 60 or more",
    ]


def test_a_limit_shorter_than_a_bake_is_refused() -> None:
    problems = problems_of({"schedule": {"insufficientDataLimitSeconds": 700}})
    assert problems == [
        "schedule.insufficientDataLimitSeconds = 700: must be at least the longest bake (900 s), or a step "
        "could never pass"
    ]


def test_the_file_must_be_yaml_and_a_map(tmp_path: Path) -> None:
    path = tmp_path / "promotion.yaml"
    path.write_text("judge: [unclosed\n")
    with pytest.raises(PolicyError, match="(?s)promotion.yaml: 1 problem.*the file is not valid YAML"):
        load_policy(path)
    assert problems_of(["judge"]) == ['the file must be a map with the sections judge and schedule, not ["judge"]']
    assert problems_of({"judge": 3}) == ["judge = 3: must be a map of keys to values"]


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        ({"new": 256}, "schedule.steps[0].new = 256: must be a whole number from 0 to 255"),
        ({"new": "10"}, "schedule.steps[0].new = '10': must be a whole number from 0 to 255"),
        ({"new": 1.0}, "schedule.steps[0].new = 1.0: must be a whole number from 0 to 255"),
        ({"new": 1, "old": 0}, 'schedule.steps[0] = {"new": 1, "old": 0}: must be a map with one of old or new'),
        ({"new": 1, "bake": 60}, 'schedule.steps[0] = {"new": 1, "bake": 60}: must be a map with one of old or new'),
        ({"new": 1, "bakeSeconds": 30}, "schedule.steps[0].bakeSeconds = 30: must be a whole number of seconds"),
        ({"new": 1, "minRequests": 0}, "schedule.steps[0].minRequests = 0: must be a whole number, 1 or more"),
    ],
)
def test_a_malformed_step_is_named(step: dict, problem: str) -> None:
    problems = problems_of({"schedule": {"steps": [step, {"new": 255}, {"old": 0}]}})
    assert len(problems) == 1
    assert problems[0].startswith(problem)


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        ([Step("old", 0), Step("new", 255)], "step 1 (old colour to 0) would leave both weights at 0"),
        (
            [Step("new", 10), Step("new", 10), Step("old", 0)],
            "step 2 (new colour to 10) must raise the new colour above 10",
        ),
        (
            [Step("old", 255), Step("new", 10), Step("old", 255), Step("old", 0)],
            "step 3 (old colour to 255) must lower the old colour below 255 once the new colour has traffic",
        ),
        ([Step("old", 255), Step("new", 10), Step("new", 255)], "the last step must set the old colour to 0"),
        ([Step("old", 255)], "the last step must set the old colour to 0"),
    ],
)
def test_a_schedule_that_is_not_a_promotion_is_refused(steps: list[Step], problem: str) -> None:
    found = schedule_problems(tuple(steps))
    assert found and found[0].startswith(problem), found
    raw = {"schedule": {"steps": [{s.role: s.weight} for s in steps]}}
    assert any(problem in text for text in problems_of(raw))


def test_the_default_schedule_is_a_promotion() -> None:
    assert schedule_problems(DEFAULT_STEPS) == []
    assert schedule_problems((Step("new", 1), Step("old", 0))) == []


def test_readme_lists_every_policy_key_with_its_default_and_reason() -> None:
    assert readme_reference("promotion-policy") == [list(row) for row in reference_rows()]
    assert len(reference_rows()) == len(POLICY_FIELDS) + 1


def test_every_default_satisfies_its_own_rule() -> None:
    for spec in POLICY_FIELDS:
        assert spec.valid(spec.default), spec.path
        assert isinstance(spec.default, spec.kind), spec.path
    assert Schedule().insufficient_data_limit_seconds >= max(s.bake_seconds or 0 for s in DEFAULT_STEPS)
