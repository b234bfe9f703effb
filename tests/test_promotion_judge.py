"""The judge on hand-made per-minute counts at the edges, and its exact binomial tails."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from math import comb

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluegreen.promotion.judge import (
    Minute,
    Thresholds,
    binomial_lower_tail,
    binomial_upper_tail,
    final_cutoff,
    judge,
)

NOW = datetime(2026, 12, 2, 10, 30, 20, tzinfo=UTC)
CUTOFF = datetime(2026, 12, 2, 10, 28, tzinfo=UTC)  # 10:28 and 10:29 are the newest two minutes
DEFAULT = Thresholds()


def series(
    requests: int, errors: int = 0, p90: float | None = 0.1, *, minutes: int = 10, elb_errors: int = 0
) -> list[Minute]:
    """`minutes` final minutes ending just before the cutoff, each with the same counts."""
    first = CUTOFF - timedelta(minutes=minutes)
    return [
        Minute(first + timedelta(minutes=i), requests, errors, p90 if requests else None, elb_errors)
        for i in range(minutes)
    ]


def verdict(old, new, share=0.5, **changes):
    return judge(old, new, expected_new_share=share, now=NOW, thresholds=replace(DEFAULT, **changes))


# --- exact binomial tails -------------------------------------------------------------------------


def exact_upper(k: int, n: int, p: Fraction) -> Fraction:
    return sum((comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(max(k, 0), n + 1)), Fraction(0))


@pytest.mark.parametrize("p", [Fraction(1, 1000), Fraction(1, 20), Fraction(1, 3), Fraction(1, 2), Fraction(9, 10)])
@pytest.mark.parametrize("n", [0, 1, 2, 7, 25])
def test_binomial_tails_equal_the_exact_sums(n: int, p: Fraction) -> None:
    for k in range(-1, n + 2):
        upper = exact_upper(k, n, p)
        assert binomial_upper_tail(k, n, float(p)) == pytest.approx(float(upper), rel=1e-9, abs=1e-300)
        lower = 1 - exact_upper(k + 1, n, p)
        assert binomial_lower_tail(k, n, float(p)) == pytest.approx(float(lower), rel=1e-9, abs=1e-300)


def test_a_small_upper_tail_keeps_its_relative_precision() -> None:
    # P(X >= 20 | 400, 0.005): exact value computed with fractions; 1 - (lower tail) would lose it.
    exact = exact_upper(20, 400, Fraction(5, 1000))
    assert float(exact) < 1e-9
    assert binomial_upper_tail(20, 400, 0.005) == pytest.approx(float(exact), rel=1e-9)


@given(st.integers(0, 200_000), st.floats(1e-6, 1 - 1e-6), st.integers(0, 200_000))
def test_the_two_tails_add_up_to_one(n: int, p: float, k: int) -> None:
    k = min(k, n)
    assert binomial_upper_tail(k + 1, n, p) + binomial_lower_tail(k, n, p) == pytest.approx(1.0, abs=1e-9)


# --- which minutes count --------------------------------------------------------------------------


def test_a_minute_is_final_once_it_ended_two_minutes_ago() -> None:
    assert final_cutoff(NOW, 120) == CUTOFF
    assert final_cutoff(datetime(2026, 12, 2, 10, 30, tzinfo=UTC), 120) == CUTOFF  # 10:27 ended 10:28:00


def test_the_newest_two_minutes_are_ignored_even_when_they_look_broken() -> None:
    newest = [Minute(CUTOFF + timedelta(minutes=i), 500, 500, 9.0) for i in range(3)]  # 10:28, 10:29, 10:30
    result = verdict(series(1000, 5), series(1000, 5) + newest)
    assert result.outcome == "pass", result.reasons
    assert result.ignored_minutes == 3
    assert result.new.requests == 10_000
    assert result.window_end == CUTOFF


def test_partial_newest_minutes_are_named_when_the_final_ones_are_too_few() -> None:
    newest = [Minute(CUTOFF + timedelta(minutes=i), 500, 0, 0.1) for i in range(2)]
    result = verdict(series(20, minutes=2), series(20, minutes=2) + newest)
    assert result.outcome == "insufficient"
    assert "2 newer minute(s) not final yet, ignored" in result.reasons[-1]


# --- no traffic, no datapoints --------------------------------------------------------------------


def test_no_traffic_at_all_is_not_enough_data() -> None:
    result = verdict([], [])
    assert result.outcome == "insufficient"
    assert "no final datapoint" in result.reasons[0] and "idle ALB publishes no metrics" in result.reasons[0]
    assert result.observed_new_share is None


def test_a_new_colour_without_datapoints_is_not_enough_data_however_busy_the_old_one() -> None:
    result = verdict(series(5000, 10), [])
    assert result.outcome == "insufficient"
    assert result.new.minutes == 0
    assert result.old.requests == 50_000


def test_an_old_colour_without_datapoints_is_judged_against_the_floor_and_latency_is_skipped() -> None:
    # After the old colour went to 0 there is no old traffic: the floor is the baseline.
    clean = verdict([], series(1000, 1), share=1.0)
    assert clean.outcome == "pass", clean.reasons
    assert clean.baseline_error_rate == DEFAULT.error_rate_floor
    assert clean.checks["latency"] == "skipped"
    assert verdict([], series(1000, 20), share=1.0).outcome == "fail"  # 2% against a 0.1% floor


def test_too_few_new_requests_is_not_enough_data() -> None:
    result = verdict(series(10000), series(29), share=29 / 10029)
    assert result.outcome == "insufficient"
    assert result.checks["requests"] == "hold"
    assert "had 290, a pass needs 300" in result.reasons[-1]
    assert verdict(series(10000), series(30), share=30 / 10030).outcome == "pass"


def test_a_weight_of_zero_has_nothing_to_judge() -> None:
    assert verdict(series(1000), series(10), share=0.0).outcome == "insufficient"
    with pytest.raises(ValueError, match="within 0..1"):
        verdict(series(1000), series(10), share=1.5)


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("floor", "outcome"), [(0.001, "pass"), (1e-9, "fail")])
def test_an_old_rate_of_zero_is_raised_to_the_floor(floor: float, outcome: str) -> None:
    # Old colour: 100,000 requests, no 5xx. New colour: 2 of 1,000. The absolute margin is made tiny so
    # that only the floor stands between one or two errors and a failed step.
    new = series(100)
    new[0] = replace(new[0], errors=1)
    new[5] = replace(new[5], errors=1)
    result = verdict(series(10_000), new, share=1000 / 101_000, error_rate_floor=floor, error_absolute=0.0001)
    assert result.old.error_rate == 0
    assert result.baseline_error_rate == floor
    assert result.new.errors == 2 and result.new.requests == 1000
    assert result.outcome == outcome, result.reasons


def test_a_small_significant_difference_inside_the_margins_passes() -> None:
    # 0.8% against 0.5% on 200,000 requests: overwhelmingly significant, but only 1.6x the old rate.
    result = verdict(series(100_000, 500), series(20_000, 160), share=200_000 / 1_200_000)
    assert result.error_p_value is not None and result.error_p_value < 1e-20
    assert result.outcome == "pass", result.reasons
    assert "significant but inside the margin (not above 2.0x the baseline" in result.reasons[0]


def test_a_difference_beyond_both_margins_fails() -> None:
    # 1.2% against 0.5%: 2.4x, and 0.7 percentage points above.
    result = verdict(series(100_000, 500), series(20_000, 240), share=200_000 / 1_200_000)
    assert result.outcome == "fail"
    assert result.checks["errors"] == "fail"
    assert not result.gross


def test_a_difference_over_the_ratio_but_inside_the_absolute_margin_passes() -> None:
    # 0.3% against 0.1%: 3x, but only 0.2 percentage points above.
    result = verdict(series(100_000, 100), series(20_000, 60), share=200_000 / 1_200_000)
    assert result.error_p_value is not None and result.error_p_value < 0.01
    assert result.outcome == "pass", result.reasons


def test_an_insignificant_difference_passes_even_beyond_the_margins() -> None:
    # 1 error in 40 requests (2.5%) against 0.1%: large on paper, p = 0.04.
    new = series(4)
    new[9] = replace(new[9], errors=1)
    result = verdict(series(100_000, 100), new, share=40 / 1_000_040)
    assert result.new.error_rate == pytest.approx(0.025)
    assert result.checks["errors"] == "pass"
    assert result.outcome == "insufficient"  # 40 requests: not enough to pass either


# --- gross breakage -------------------------------------------------------------------------------


def test_gross_breakage_fails_at_once_without_the_minimum_requests() -> None:
    result = verdict(series(100_000, 100), series(2, 1), share=20 / 1_000_020)
    assert (result.new.requests, result.new.errors) == (20, 10)
    assert result.outcome == "fail" and result.gross
    assert result.reasons[0].startswith("gross breakage: 10 of 20 new-colour requests in the window were 5xx")


def test_nineteen_failing_requests_are_not_gross_breakage() -> None:
    result = verdict(series(100_000, 100), series(19, 19, minutes=1), share=19 / 1_000_019)
    assert not result.gross
    assert result.checks["gross"] == "pass"


def test_one_broken_minute_among_good_ones_is_gross_breakage() -> None:
    new = series(1000, 1)
    new[4] = replace(new[4], errors=600)
    result = verdict(series(1000, 1), new)
    assert result.outcome == "fail" and result.gross
    assert "in the minute 10:22" in result.reasons[0]


def test_alb_503s_without_a_target_count_as_requests() -> None:
    # No healthy target: RequestCount stays 0, every request is an ELB 503.
    result = verdict(series(1000, 1), series(0, 30, None, elb_errors=30))
    assert result.new.requests == 300
    assert result.outcome == "fail" and result.gross


# --- share ----------------------------------------------------------------------------------------


def test_traffic_far_below_its_share_holds() -> None:
    # The weights give the new colour half; it gets 10% (clients pinned, or its ALB failing health).
    result = verdict(series(9000, 9), series(1000, 1), share=0.5)
    assert result.observed_new_share == pytest.approx(0.1)
    assert result.outcome == "insufficient"
    assert result.checks["share"] == "hold"
    assert result.share_p_value is not None and result.share_p_value < 1e-100


def test_a_share_somewhat_below_the_weights_passes() -> None:
    result = verdict(series(6000, 6), series(4000, 4), share=0.5)
    assert result.checks["share"] == "pass"
    assert result.outcome == "pass"


def test_no_requests_at_a_tiny_share_is_bad_luck_not_a_hold() -> None:
    # At weight 1 of 256 and 1,000 requests, the new colour expects 3.9 and one is not unusual (p = 0.1).
    result = verdict(series(100), series(1, minutes=1), share=1 / 256)
    assert result.checks["share"] == "pass"
    assert result.outcome == "insufficient" and result.checks["requests"] == "hold"


# --- latency --------------------------------------------------------------------------------------


def test_a_slower_new_colour_fails_on_latency() -> None:
    result = verdict(series(1000, 1, 0.2), series(1000, 1, 0.4))
    assert result.outcome == "fail" and result.checks["latency"] == "fail"
    assert "p90: new colour 400 ms (10 min), old colour 200 ms (10 min)" in result.reasons[-1]


@pytest.mark.parametrize("new_p90", [0.03, 0.245])
def test_latency_inside_either_margin_passes(new_p90: float) -> None:
    # 30 ms against 10 ms is 3x but only 20 ms more; 245 ms against 200 ms is 45 ms more but only 1.23x.
    old_p90 = 0.01 if new_p90 < 0.1 else 0.2
    assert verdict(series(1000, 1, old_p90), series(1000, 1, new_p90)).outcome == "pass"


def test_one_slow_minute_does_not_move_the_p90() -> None:
    new = series(1000, 1, 0.2)
    new[3] = replace(new[3], p90_seconds=5.0)
    result = verdict(series(1000, 1, 0.2), new)
    assert result.new.p90_seconds == 0.2
    assert result.outcome == "pass"


def test_minutes_with_few_requests_do_not_judge_latency() -> None:
    result = verdict(series(10_000, 10, 0.2), series(99, 0, 5.0), share=990 / 100_990)
    assert result.checks["latency"] == "skipped"
    assert result.outcome == "pass", result.reasons
    assert "no final minute with a p90 and 100 requests or more" in result.reasons[-1]


def test_the_verdict_serialises_to_json_with_its_numbers() -> None:
    data = verdict(series(1000, 5), series(1000, 5)).to_json()
    text = json.loads(json.dumps(data))
    assert text["outcome"] == "pass"
    assert text["new"]["error_rate"] == 0.005
    assert text["window_start"] == "2026-12-02T10:18:00Z" and text["window_end"] == "2026-12-02T10:28:00Z"
    assert text["observed_new_share"] == 0.5 and text["expected_new_share"] == 0.5
    assert set(text["checks"]) == {"gross", "errors", "share", "requests", "latency"}


def test_a_difference_over_the_absolute_margin_but_inside_the_ratio_passes() -> None:
    # 3.5% against 2%: 1.5 percentage points above, overwhelmingly significant, but only 1.75x.
    result = verdict(series(100_000, 2000), series(20_000, 700), share=200_000 / 1_200_000)
    assert result.error_p_value is not None and result.error_p_value < 1e-20
    assert result.outcome == "pass", result.reasons
