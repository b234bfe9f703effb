"""The pure traffic logic: shares, phases, validation, promotion steps and the rules a change must pass."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluegreen import weights
from bluegreen.settings import COLORS, MAX_WEIGHT
from bluegreen.weights import ShiftRefused, StackTraffic, Step


def pair(blue: int, green: int, *, blue_version: str = "1.33", green_version: str = "1.34") -> list[StackTraffic]:
    return [StackTraffic("blue", "blue", blue_version, blue), StackTraffic("green", "green", green_version, green)]


def weight_pair(stacks: list[StackTraffic]) -> tuple[int, int]:
    by_color = weights.weights_by_color(stacks)
    return by_color["blue"], by_color["green"]


def other(color: str) -> str:
    return next(c for c in COLORS if c != color)


def by_stack(stacks: list[StackTraffic]) -> dict[str, StackTraffic]:
    return {s.stack: s for s in stacks}


# --- shares, bars, phases -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights_in", "expected"),
    [
        ([1, 0], [100.0, 0.0]),
        ([1, 1], [50.0, 50.0]),
        ([255, 255], [50.0, 50.0]),
        ([3, 1], [75.0, 25.0]),
        ([0, 0], [50.0, 50.0]),  # Route 53 splits equally when every weight is 0
        ([], []),
    ],
)
def test_shares_are_route53_percentages(weights_in: list[int], expected: list[float]) -> None:
    assert weights.shares(weights_in) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("percent", "text"),
    [(100, "100%"), (0, "0%"), (50, "50%"), (100 / 256, "0.4%"), (100 * 255 / 256, "99.6%"), (21.5686, "21.6%")],
)
def test_format_share(percent: float, text: str) -> None:
    assert weights.format_share(percent) == text


@given(st.integers(1, MAX_WEIGHT), st.integers(0, MAX_WEIGHT))
def test_a_colour_with_traffic_never_reads_as_0_or_100_percent_unless_alone(mine: int, theirs: int) -> None:
    share, _ = weights.shares([mine, theirs])
    assert weights.format_share(share) != "0%"
    assert weights.bar(share).startswith("#")
    if theirs > 0:
        assert weights.format_share(share) != "100%"
        assert weights.bar(share).endswith(".")


def test_bar() -> None:
    assert weights.bar(0) == "." * 20
    assert weights.bar(100) == "#" * 20
    assert weights.bar(50) == "#" * 10 + "." * 10
    assert weights.bar(0.4) == "#" + "." * 19


@pytest.mark.parametrize(
    ("blue", "green", "towards", "expected"),
    [
        (1, 0, "green", "blue live"),
        (0, 1, "green", "green live"),
        (1, 1, "green", "both live"),
        (255, 255, None, "both live"),
        (0, 0, "green", "all zero"),
        (70, 30, "green", "shifting to green (30%)"),
        (70, 30, "blue", "shifting to blue (70%)"),
        (70, 30, None, "split blue 70%, green 30%"),
    ],
)
def test_phase(blue: int, green: int, towards: str | None, expected: str) -> None:
    assert weights.phase({"blue": blue, "green": green}, towards) == expected


def test_promotion_target_is_the_newer_version_compared_as_numbers() -> None:
    assert weights.promotion_target(pair(1, 0)) == "green"
    assert weights.promotion_target(pair(1, 0, blue_version="1.35")) == "blue"
    assert weights.promotion_target(pair(1, 0, blue_version="1.10", green_version="1.9")) == "blue"
    assert weights.promotion_target(pair(1, 0, green_version="1.33")) is None
    assert weights.promotion_target(pair(1, 0)[:1]) is None


# --- pair validation ------------------------------------------------------------------------------


def test_a_normal_pair_is_valid() -> None:
    assert weights.pair_problems(pair(1, 0)) == []
    assert weights.pair_problems(pair(1, 1)) == []


def test_all_zero_needs_allow_all_zero_on_every_stack() -> None:
    [problem] = weights.pair_problems(pair(0, 0))
    assert "every trafficWeight is 0" in problem and "not set on blue, green" in problem
    blue, green = pair(0, 0)
    [problem] = weights.pair_problems([StackTraffic("blue", "blue", "1.33", 0, allow_all_zero=True), green])
    assert "not set on green" in problem
    allowed = [StackTraffic(s.stack, s.color, s.version, 0, allow_all_zero=True) for s in (blue, green)]
    assert weights.pair_problems(allowed) == []


def test_duplicate_colours_are_invalid() -> None:
    stacks = [StackTraffic("blue", "blue", "1.33", 1), StackTraffic("blue-2", "blue", "1.34", 0)]
    [problem] = weights.pair_problems(stacks)
    assert "stacks blue, blue-2 all have color blue" in problem


# --- the rules a change must pass -----------------------------------------------------------------


def test_one_raise_is_a_safe_change() -> None:
    assert weights.change_problems(by_stack(pair(1, 0)), by_stack(pair(1, 1))) == []


def test_moving_two_weights_at_once_is_refused() -> None:
    [problem] = weights.change_problems(by_stack(pair(1, 0)), by_stack(pair(0, 1)))
    assert "the weights of 2 stacks change (blue, green)" in problem


def test_ending_all_zero_is_refused() -> None:
    problems = weights.change_problems(by_stack(pair(1, 0)), by_stack(pair(0, 0)))
    assert any("every trafficWeight is 0" in p for p in problems)


def test_lowering_before_the_other_colour_is_raised_is_refused() -> None:
    [problem] = weights.change_problems(by_stack(pair(255, 0)), by_stack(pair(100, 0)))
    assert problem.startswith("blue goes down from 255 to 100 while green has weight 0")


def test_lowering_after_the_other_colour_is_raised_is_fine() -> None:
    assert weights.change_problems(by_stack(pair(255, 255)), by_stack(pair(100, 255))) == []


def test_a_new_stack_at_weight_0_moves_nothing_and_a_stack_keeps_its_colour() -> None:
    blue, green = pair(1, 0)
    assert weights.change_problems({"blue": blue}, {"blue": blue, "green": green}) == []
    recoloured = StackTraffic("green", "blue", "1.34", 0)
    problems = weights.change_problems({"blue": blue, "green": green}, {"blue": blue, "green": recoloured})
    assert any("stack green changes colour from green to blue" in p for p in problems)


def test_removing_a_stack_file_is_refused_until_its_weight_is_0() -> None:
    blue, green = pair(1, 1)
    [problem] = weights.change_problems({"blue": blue, "green": green}, {"blue": blue})
    assert "the file of stack green is removed while it has weight 1" in problem
    drained = StackTraffic("green", "green", "1.34", 0)
    assert weights.change_problems({"blue": blue, "green": drained}, {"blue": blue}) == []


# --- steps ----------------------------------------------------------------------------------------


def test_standard_promotion_is_two_steps_raise_then_lower() -> None:
    stacks = pair(1, 0)
    first = Step("green", "green", 0, 1)
    assert weights.next_step(stacks, "green") == first
    second = Step("blue", "blue", 1, 0)
    assert weights.next_step(first.applied_to(stacks), "green") == second
    assert weight_pair(second.applied_to(first.applied_to(stacks))) == (0, 1)
    assert weights.next_step(second.applied_to(first.applied_to(stacks)), "green") is None


def test_custom_weights_go_through_an_even_split() -> None:
    stacks = pair(255, 0)
    first = Step("green", "green", 0, 255)
    assert weights.next_step(stacks, "green") == first
    assert weight_pair(first.applied_to(stacks)) == (255, 255)
    assert weights.next_step(first.applied_to(stacks), "green") == Step("blue", "blue", 255, 0)
    # the incoming colour already has as much as the other: only the lowering is left
    assert weights.next_step(pair(10, 200), "green") == Step("blue", "blue", 10, 0)


def test_rollback_raises_the_old_colour_first() -> None:
    assert weights.rollback_step(pair(0, 1), "blue") == Step("blue", "blue", 0, 1)
    assert weights.rollback_step(pair(1, 1), "blue") == Step("green", "green", 1, 0)
    assert weights.rollback_step(pair(1, 0), "blue") is None


def test_rollback_to_the_newer_version_is_refused() -> None:
    with pytest.raises(ShiftRefused, match="green runs the newer cluster version"):
        weights.rollback_step(pair(1, 1), "green")


def test_custom_step() -> None:
    assert weights.custom_step(pair(255, 0), "green", 25) == Step("green", "green", 0, 25)
    assert weights.custom_step(pair(255, 25), "green", 25) is None
    with pytest.raises(ShiftRefused, match="would leave every weight at 0"):
        weights.custom_step(pair(1, 0), "blue", 0)
    with pytest.raises(ShiftRefused, match="lower it before the other colour has been raised"):
        weights.custom_step(pair(255, 0), "blue", 100)


def test_a_shift_needs_one_stack_per_colour() -> None:
    with pytest.raises(ShiftRefused, match="no stack file with color green"):
        weights.next_step(pair(1, 0)[:1], "blue")
    duplicated = [*pair(1, 0), StackTraffic("green-2", "green", "1.34", 0)]
    with pytest.raises(ShiftRefused, match=r"2 stack files \(green, green-2\) with color green"):
        weights.next_step(duplicated, "green")


# --- properties -----------------------------------------------------------------------------------

versions = st.sampled_from(["1.32", "1.33", "1.34"])


@st.composite
def valid_pairs(draw: st.DrawFn) -> list[StackTraffic]:
    """Any pair the stack files may hold: weights 0..255, any versions, all-zero only with allowAllZero."""
    blue_weight, green_weight = draw(st.integers(0, MAX_WEIGHT)), draw(st.integers(0, MAX_WEIGHT))
    allow = blue_weight == green_weight == 0 or draw(st.booleans())
    return [
        StackTraffic("blue", "blue", draw(versions), blue_weight, allow),
        StackTraffic("green", "green", draw(versions), green_weight, allow),
    ]


def assert_one_safe_step(before: list[StackTraffic], step: Step) -> list[StackTraffic]:
    after = step.applied_to(before)
    changed = [b.stack for b, a in zip(before, after, strict=True) if b != a]
    assert changed == [step.stack]
    assert 0 <= step.after <= MAX_WEIGHT
    assert any(s.weight > 0 for s in after), "a step must never leave every weight at 0"
    assert weights.change_problems(by_stack(before), by_stack(after)) == []
    return after


@given(valid_pairs(), st.sampled_from(COLORS))
def test_steps_reach_the_colour_one_safe_stack_at_a_time(stacks: list[StackTraffic], color: str) -> None:
    for _ in range(2):
        step = weights.next_step(stacks, color)
        if step is None:
            break
        stacks = assert_one_safe_step(stacks, step)
    by_color = weights.weights_by_color(stacks)
    assert by_color[color] > 0 and by_color[other(color)] == 0
    assert weights.next_step(stacks, color) is None


@given(valid_pairs(), st.sampled_from(COLORS))
def test_rollback_reaches_the_old_colour_the_same_way(stacks: list[StackTraffic], old_color: str) -> None:
    if weights.promotion_target(stacks) == old_color:
        with pytest.raises(ShiftRefused):
            weights.rollback_step(stacks, old_color)
        return
    for _ in range(2):
        step = weights.rollback_step(stacks, old_color)
        if step is None:
            break
        if step.color == old_color:
            assert step.after > step.before, "a rollback raises the old colour"
        else:
            assert step.after == 0 and weights.weights_by_color(stacks)[old_color] > 0, "and lowers the new one last"
        stacks = assert_one_safe_step(stacks, step)
    by_color = weights.weights_by_color(stacks)
    assert by_color[old_color] > 0 and by_color[other(old_color)] == 0


@given(valid_pairs(), st.sampled_from(COLORS), st.integers(0, MAX_WEIGHT))
def test_custom_weight_is_set_or_refused_exactly_when_unsafe(stacks: list[StackTraffic], color: str, n: int) -> None:
    mine, theirs = weights.weights_by_color(stacks)[color], weights.weights_by_color(stacks)[other(color)]
    unsafe = n < mine and theirs == 0
    try:
        step = weights.custom_step(stacks, color, n)
    except ShiftRefused:
        assert unsafe
        return
    assert not unsafe
    if n == mine:
        assert step is None
        return
    assert step is not None and (step.color, step.after) == (color, n)
    assert_one_safe_step(stacks, step)


def test_render_table() -> None:
    table = weights.render_table(weights.table_rows(pair(1, 0)))
    assert table.splitlines() == [
        "STACK  COLOUR  VERSION  WEIGHT  SHARE  TRAFFIC",
        "blue   blue    1.33          1   100%  ####################",
        "green  green   1.34          0     0%  ....................",
    ]


def test_render_change_markdown() -> None:
    text = weights.render_change_markdown(by_stack(pair(1, 0)), by_stack(pair(1, 1)))
    assert text.splitlines() == [
        "| Stack | Colour | Version | Weight | Share |",
        "|---|---|---|---:|---:|",
        "| blue | blue | 1.33 | 1 | 100% → **50%** |",
        "| green | green | 1.34 | 0 → **1** | 0% → **50%** |",
        "",
        "Phase: blue live → **both live**",
    ]


def test_render_change_markdown_shows_added_files() -> None:
    blue, green = pair(1, 0)
    lines = weights.render_change_markdown({"blue": blue}, {"blue": blue, "green": green}).splitlines()
    assert "| green | (no file) → **green** | - → **1.34** | - → **0** | - → **0%** |" in lines
