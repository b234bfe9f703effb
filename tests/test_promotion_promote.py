"""`promote` against the simulated world: a fake clock, fake commits and apply, a Route 53 that follows the
applies, and ALB minutes drawn from the traffic the weights give (bluegreen/promotion/simulation.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bluegreen.promotion.policy import PromotionPolicy, Schedule, Step, schedule_problems
from bluegreen.promotion.promote import (
    Move,
    NotOnSchedule,
    Result,
    Route53Mismatch,
    forward_moves,
    rollback_moves,
)
from bluegreen.promotion.simulation import World, scenario_world

OLD_RATE = 0.005
POLICY = PromotionPolicy()


def world_with(multiplier: float = 1.0, **options: Any) -> World:
    return scenario_world("green", multiplier=multiplier, old_error_rate=OLD_RATE, **options)


def promote(world: World, policy: PromotionPolicy = POLICY, new: str = "green") -> Result:
    lines: list[str] = []
    return world.promotion(new, policy, say=lines.append).run()


def weights_after_each_commit(world: World, start: dict[str, int]) -> list[dict[str, int]]:
    weights, history = dict(start), []
    for commit in world.commits:
        weights = {**weights, commit.color: commit.weight}
        history.append(weights)
    return history


# --- the schedule ----------------------------------------------------------------------------------


def test_the_default_schedule_raises_the_old_colour_then_walks_the_new_one_then_lowers_the_old() -> None:
    moves = forward_moves({"blue": 1, "green": 0}, "green", POLICY.schedule)
    assert [(m.color, m.before, m.after) for m in moves] == [
        ("blue", 1, 255),
        ("green", 0, 1),
        ("green", 1, 10),
        ("green", 10, 50),
        ("green", 50, 255),
        ("blue", 255, 0),
    ]


def test_an_old_colour_already_at_255_is_not_raised() -> None:
    moves = forward_moves({"blue": 255, "green": 0}, "green", POLICY.schedule)
    assert moves[0] == Move("green", 0, 1, POLICY.schedule.steps[1])


def test_resume_continues_after_the_step_the_weights_show() -> None:
    moves = forward_moves({"blue": 255, "green": 10}, "green", POLICY.schedule)
    assert [(m.color, m.after) for m in moves] == [("green", 50), ("green", 255), ("blue", 0)]
    assert forward_moves({"blue": 0, "green": 255}, "green", POLICY.schedule) == []


def test_weights_off_the_schedule_are_refused_with_the_schedule() -> None:
    with pytest.raises(NotOnSchedule, match=r"blue 255, green 7 are not a point of the schedule .*255:1 -> 255:10"):
        forward_moves({"blue": 255, "green": 7}, "green", POLICY.schedule)


def test_a_rollback_raises_a_lowered_old_colour_first_then_zeroes_the_new_one() -> None:
    assert rollback_moves({"blue": 0, "green": 255}, "green", POLICY.schedule) == [
        Move("blue", 0, 255),
        Move("green", 255, 0),
    ]
    assert rollback_moves({"blue": 255, "green": 10}, "green", POLICY.schedule) == [Move("green", 10, 0)]


# --- whole promotions --------------------------------------------------------------------------------


def test_a_healthy_colour_is_promoted_one_committed_and_applied_weight_at_a_time() -> None:
    world = world_with(1.0, old_weight=1)
    result = promote(world)
    assert result.outcome == "promoted"
    assert world.weights() == world.applied_weights == {"blue": 0, "green": 255}
    assert [(c.color, c.weight) for c in world.commits] == [
        ("blue", 255),
        ("green", 1),
        ("green", 10),
        ("green", 50),
        ("green", 255),
        ("blue", 0),
    ]
    assert [commit for _, _, commit in world.applies] == [c.id for c in world.commits]
    first = world.commits[0].message.splitlines()
    assert first[0] == "promote green 1/6: blue trafficWeight 1 -> 255"
    assert "Weights after: blue 255 (100.0%), green 0 (0.0%)." in first
    # Every step that gives the new colour traffic passed a bake of its minimum time.
    passed = [e for e in result.events if e.kind == "verdict" and e.text.startswith("passed")]
    assert [e.weights["green"] for e in passed] == [1, 10, 50, 255, 255]


def test_a_broken_colour_is_rolled_back_at_the_first_step_with_the_verdict_in_the_commit() -> None:
    world = world_with(10.0)
    result = promote(world)
    assert result.outcome == "rolled back"
    assert world.weights() == world.applied_weights == {"blue": 255, "green": 0}
    rollback = world.commits[-1]
    assert (rollback.color, rollback.weight) == ("green", 0)
    lines = rollback.message.splitlines()
    assert lines[0] == "rollback green 1/1: green trafficWeight 1 -> 0"
    assert "Verdict: fail" in lines
    assert any(line.startswith("5xx: new colour ") and "one-sided exact binomial p = " in line for line in lines)
    # At once: the rollback's apply ends within a judging interval plus one apply after the failing verdict.
    failed = next(e for e in result.events if e.kind == "verdict" and e.text.startswith("failed"))
    assert (world.applies[-1][0] - failed.time).total_seconds() <= 60


def test_a_colour_that_breaks_after_the_old_one_was_lowered_is_rolled_back_in_two_commits_old_first() -> None:
    world = world_with(1.0, seed=3)
    # Healthy until blue is at 0, then 10x: the last step is the first bad one.
    world.traffic.error_rate = {
        "blue": lambda _m: OLD_RATE,
        "green": lambda m: 10 * OLD_RATE if world.route53_weights(m)["blue"] == 0 else OLD_RATE,
    }
    result = promote(world)
    assert result.outcome == "rolled back"
    rollbacks = [c for c in world.commits if c.message.startswith("rollback")]
    assert [(c.color, c.weight) for c in rollbacks] == [("blue", 255), ("green", 0)]
    assert [c.message.splitlines()[0] for c in rollbacks] == [
        "rollback green 1/2: blue trafficWeight 0 -> 255",
        "rollback green 2/2: green trafficWeight 255 -> 0",
    ]
    assert all("Verdict: fail" in c.message for c in rollbacks)
    assert world.applied_weights == {"blue": 255, "green": 0}


def test_a_colour_without_traffic_holds_past_the_limit_and_changes_nothing_more() -> None:
    world = world_with(1.0, rps=0.01)  # a new colour that gets (almost) nothing: never enough requests
    result = promote(world)
    assert result.outcome == "held"
    assert [(c.color, c.weight) for c in world.commits] == [("green", 1)]
    hold = result.events[-1]
    assert hold.kind == "hold"
    assert hold.text.startswith("holding at blue 255, green 1: not enough data after 6")
    assert world.applied_weights == {"blue": 255, "green": 1}


class Crash(Exception):
    """The machine running `promote` died."""


def crash_on_deploy(world: World, number: int) -> None:
    """Make the world's `number`th apply die after its commit, before the stack changed."""
    deploy, calls = world.deploy, []

    def dying(color: str, commit: str, message: str, *, preview: bool) -> None:
        calls.append(commit)
        if len(calls) == number:
            world.deploy = deploy  # type: ignore[method-assign]  # the next run's applies work
            raise Crash(commit)
        deploy(color, commit, message, preview=preview)

    world.deploy = dying  # type: ignore[method-assign]


def test_resume_after_a_crash_between_commit_and_apply_applies_that_commit_and_carries_on() -> None:
    world = world_with(1.0, seed=7)
    crash_on_deploy(world, 2)  # the commit of green 1 -> 10 is made, never applied
    with pytest.raises(Crash):
        promote(world)
    assert world.weights() == {"blue": 255, "green": 10} and world.applied_weights == {"blue": 255, "green": 1}
    result = world.promotion("green", POLICY, say=lambda _line: None).run(resume=True)
    assert result.outcome == "promoted"
    assert [(c.color, c.weight) for c in world.commits] == [
        ("green", 1),
        ("green", 10),
        ("green", 50),
        ("green", 255),
        ("blue", 0),
    ], "no step is committed twice"
    assert world.applies[1][2] == world.commits[1].id, "the crashed step's commit is applied first"
    assert result.events[0].text == "resumed at step 3 of 6: baking it again"


def test_resume_finishes_a_rollback_a_crash_interrupted() -> None:
    world = world_with(1.0, seed=3)
    world.traffic.error_rate = {
        "blue": lambda _m: OLD_RATE,
        "green": lambda m: 10 * OLD_RATE if world.route53_weights(m)["blue"] == 0 else OLD_RATE,
    }
    crash_on_deploy(world, 6)  # the rollback's first commit (blue 0 -> 255) is made, never applied
    with pytest.raises(Crash):
        promote(world)
    result = world.promotion("green", POLICY, say=lambda _line: None).run(resume=True)
    assert result.outcome == "rolled back"
    assert [(c.color, c.weight) for c in world.commits][-2:] == [("blue", 255), ("green", 0)]
    assert world.applied_weights == {"blue": 255, "green": 0}
    assert "Finishing the rollback a stopped run began (--resume)." in world.commits[-1].message


def test_route53_that_does_not_follow_stops_the_promotion() -> None:
    world = world_with(1.0)
    world.route53_seconds = 10_000  # ExternalDNS never writes the new weight
    with pytest.raises(Route53Mismatch, match="green: weight 0, expected 1"):
        promote(world)
    assert [(c.color, c.weight) for c in world.commits] == [("green", 1)]


# --- properties ------------------------------------------------------------------------------------

scenarios = st.fixed_dictionaries(
    {
        "multiplier": st.sampled_from([1.0, 2.0, 10.0, 100.0]),
        "bad_from_weight": st.sampled_from([1, 10, 50, 255]),
        "old_weight": st.integers(min_value=1, max_value=255),
        "seed": st.integers(min_value=0, max_value=10_000),
    }
)
short_policy = replace(
    POLICY,
    schedule=replace(
        POLICY.schedule, min_bake_seconds=120, steps=tuple(replace(s, bake_seconds=None) for s in POLICY.schedule.steps)
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_every_change_is_one_committed_weight_never_all_zero_and_a_rollback_ends_on_the_old_colour(
    scenario: dict,
) -> None:
    world = world_with(**scenario)
    start = world.weights()
    result = promote(world, short_policy)
    history = [start, *weights_after_each_commit(world, start)]
    for before, after in zip(history, history[1:], strict=False):
        assert sum(before[c] != after[c] for c in before) == 1, "a step moves exactly one weight"
        assert any(after.values()), "never all zero"
    # Every weight that reached the stacks (and so Route 53) was a commit, applied in commit order.
    assert [commit for _, _, commit in world.applies] == [c.id for c in world.commits]
    assert world.applied_weights == world.weights()
    if result.outcome == "rolled back":
        assert world.applied_weights["green"] == 0 and world.applied_weights["blue"] > 0
    if result.outcome == "promoted":
        assert world.applied_weights == {"blue": 0, "green": 255}


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Step, ...]:
    """Valid schedules by construction: maybe raise the old colour, raise the new one, lower the old to 0."""
    top = draw(st.integers(min_value=1, max_value=255))
    raise_old = [Step("old", top)] if draw(st.booleans()) else []
    new = sorted(draw(st.sets(st.integers(min_value=1, max_value=255), min_size=1, max_size=4)))
    lower = sorted(
        draw(st.sets(st.integers(min_value=1, max_value=top - 1), max_size=2)) if top > 1 else [], reverse=True
    )
    chosen = (*raise_old, *(Step("new", w) for w in new), *(Step("old", w) for w in lower), Step("old", 0))
    assert schedule_problems(chosen) == [], chosen
    return chosen


@given(schedules(), st.integers(min_value=1, max_value=255))
def test_any_valid_schedule_moves_one_weight_per_step_and_rolls_back_to_the_old_colour(
    chosen: tuple[Step, ...], old_weight: int
) -> None:
    schedule = Schedule(steps=chosen)
    weights = {"blue": old_weight, "green": 0}
    for move in forward_moves(weights, "green", schedule):
        assert weights[move.color] == move.before != move.after
        weights = {**weights, move.color: move.after}
        assert any(weights.values())
        rolled = dict(weights)
        for back in rollback_moves(rolled, "green", schedule):
            rolled = {**rolled, back.color: back.after}
            assert any(rolled.values())
        assert rolled["green"] == 0 and rolled["blue"] > 0
    assert weights["blue"] == 0 and weights["green"] > 0
