"""The verdict on the new colour against the old one, from per-minute ALB counts.

Pure: no clock, no files, no AWS. The caller (`bluegreen judge`, `bluegreen promote`) reads the minutes
(bluegreen/promotion/metrics.py) and hands them in with the time and the share the weights give.

The order of the checks, and why:
1. Only final minutes count: CloudWatch keeps adding samples to a minute for a while, so a minute is
   used only once it ended `finality_seconds` ago (Netflix Atlas polls ALB metrics 2 minutes back).
2. Gross breakage (at least `gross_min_requests` requests, at least half of them 5xx, in the window or
   in any one minute) fails at once: no sample size or share is needed to see a dead build.
3. Errors: an exact one-sided binomial test of the new colour's 5xx count against the old colour's
   rate, which rests on far more requests and is taken as known. The old rate has a floor, so that a
   single error against a spotless old colour is not "significant". A failure needs significance AND
   a practical margin (ratio and absolute difference): with enough requests, even a harmless
   difference becomes significant.
4. Share: when the new colour gets far less than the weights give it (significantly, and by a ratio),
   the verdict holds: something other than the build decides its traffic (Route 53 health, resolvers).
5. Not enough requests: hold. Never pass on missing data (idle ALBs publish no datapoints at all).
6. Latency: p90 against the old colour's, only on minutes with enough new-colour requests to make a
   p90 meaningful; a failure needs both the ratio and the absolute margin to be exceeded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bluegreen import json_output

Outcome = Literal["pass", "fail", "insufficient"]
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Minute:
    """One colour, one CloudWatch minute (Sum over 60 s of the LoadBalancer-dimension metrics)."""

    start: datetime  # UTC start of the minute
    requests: int  # RequestCount
    errors: int  # HTTPCode_Target_5XX_Count + HTTPCode_ELB_5XX_Count
    p90_seconds: float | None  # TargetResponseTime p90 (None when no requests)
    # The part of `errors` the ALB generated itself. RequestCount leaves out requests rejected before a
    # target was chosen (503 "no healthy target"), so they are added to the requests judged.
    elb_errors: int = 0

    @property
    def judged_requests(self) -> int:
        return self.requests + self.elb_errors


@dataclass(frozen=True)
class Thresholds:
    """What the judge tolerates; the promotion policy file sets them (bluegreen/promotion/policy.py)."""

    finality_seconds: int = 120
    min_requests: int = 300
    gross_min_requests: int = 20
    gross_error_fraction: float = 0.5
    error_alpha: float = 0.0003
    error_rate_floor: float = 0.001
    error_ratio: float = 2.0
    error_absolute: float = 0.005
    share_alpha: float = 0.01
    share_ratio: float = 0.3
    latency_min_requests: int = 100
    latency_ratio: float = 1.25
    latency_absolute_seconds: float = 0.05


@dataclass(frozen=True)
class ColorSummary:
    """One colour's final minutes, added up."""

    minutes: int  # final minutes with a datapoint
    requests: int  # RequestCount + ELB 5xx
    errors: int
    p90_seconds: float | None  # median of the per-minute p90s of the minutes with enough requests
    p90_minutes: int  # how many minutes that median rests on

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reasons: tuple[str, ...]
    old: ColorSummary
    new: ColorSummary
    window_start: datetime | None  # first final minute of either colour
    window_end: datetime | None  # end of the last final minute
    ignored_minutes: int  # minutes not final yet, of both colours
    expected_new_share: float
    observed_new_share: float | None
    share_p_value: float | None  # P(the new colour gets this few requests or fewer | expected share)
    baseline_error_rate: float  # the old colour's rate, or the floor when that is higher or unknown
    error_p_value: float | None  # P(this many new-colour errors or more | baseline rate)
    gross: bool = False  # failed by gross breakage: roll back without waiting for a second verdict
    checks: dict[str, str] = field(default_factory=dict)  # check -> pass / fail / hold / skipped

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["reasons"] = list(self.reasons)
        for key in ("window_start", "window_end"):
            value = getattr(self, key)
            data[key] = json_output.timestamp(value) if value else None
        for key, summary in (("old", self.old), ("new", self.new)):
            data[key]["error_rate"] = summary.error_rate
        return data


def judge(
    old: Sequence[Minute],
    new: Sequence[Minute],
    *,
    expected_new_share: float,
    now: datetime,
    thresholds: Thresholds,
) -> Verdict:
    """The verdict on `new` against `old` from the minutes that are final at `now`.

    Give both colours the same window: the observed share compares their requests. `expected_new_share`
    is the new colour's share of the weights, 0..1; at 1 (the old colour at weight 0) the share is not
    checked, and `old` may come from an earlier window: only its error rate and p90 are then used.
    """
    if not 0 <= expected_new_share <= 1:
        raise ValueError(f"expected_new_share must be within 0..1, got {expected_new_share}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    t = thresholds
    cutoff = final_cutoff(now, t.finality_seconds)
    old_final = [m for m in old if m.start < cutoff]
    new_final = [m for m in new if m.start < cutoff]
    ignored = len(old) + len(new) - len(old_final) - len(new_final)
    old_sum = summarize(old_final, t.latency_min_requests)
    new_sum = summarize(new_final, t.latency_min_requests)
    starts = [m.start for m in (*old_final, *new_final)]
    total = old_sum.requests + new_sum.requests
    observed_share = new_sum.requests / total if total else None
    baseline = max(old_sum.error_rate or 0.0, t.error_rate_floor)

    reasons: list[str] = []
    checks: dict[str, str] = {}

    def verdict(outcome: Outcome, *, error_p: float | None = None, share_p: float | None = None, gross=False):
        return Verdict(
            outcome=outcome,
            reasons=tuple(reasons),
            old=old_sum,
            new=new_sum,
            window_start=min(starts) if starts else None,
            window_end=max(starts) + MINUTE if starts else None,
            ignored_minutes=ignored,
            expected_new_share=expected_new_share,
            observed_new_share=observed_share,
            share_p_value=share_p,
            baseline_error_rate=baseline,
            error_p_value=error_p,
            gross=gross,
            checks=dict(checks),
        )

    # 2. Gross breakage, in the window as a whole or in any single minute.
    broken = [
        (label, requests, errors)
        for label, requests, errors in [("the window", new_sum.requests, new_sum.errors)]
        + [(f"the minute {_clock(m.start)}", m.judged_requests, m.errors) for m in new_final]
        if requests >= t.gross_min_requests and errors >= t.gross_error_fraction * requests
    ]
    if broken:
        label, requests, errors = broken[0]
        checks["gross"] = "fail"
        reasons.append(
            f"gross breakage: {errors} of {requests} new-colour requests in {label} were 5xx "
            f"(fails at {t.gross_error_fraction:.0%} with {t.gross_min_requests} requests or more)"
        )
        return verdict("fail", gross=True)
    checks["gross"] = "pass"

    if expected_new_share == 0:
        reasons.append("the new colour's weight is 0: there is nothing to judge")
        return verdict("insufficient")
    if not new_final:
        reasons.append(
            "the new colour has no final datapoint: its ALB received no request (an idle ALB publishes no "
            f"metrics){_ignored_note(ignored)}"
        )
        return verdict("insufficient")

    # 3. Errors against the old colour's rate.
    error_p = binomial_upper_tail(new_sum.errors, new_sum.requests, baseline) if new_sum.requests else None
    old_rate_text = (
        f"old colour {_pct(old_sum.error_rate)} of {old_sum.requests}"
        if old_sum.error_rate is not None
        else "old colour has no requests"
    )
    error_line = (
        f"5xx: new colour {new_sum.errors} of {new_sum.requests} ({_pct(new_sum.error_rate)}), {old_rate_text}, "
        f"baseline {_pct(baseline)}, one-sided exact binomial p = {_p(error_p)}"
    )
    new_rate = new_sum.error_rate or 0.0
    significant = error_p is not None and error_p < t.error_alpha
    over_ratio = new_rate > t.error_ratio * baseline
    over_absolute = new_rate - baseline > t.error_absolute
    if significant and over_ratio and over_absolute:
        checks["errors"] = "fail"
        reasons.append(
            f"{error_line}: significant (p < {t.error_alpha}) and above {t.error_ratio}x the baseline and "
            f"more than {_points(t.error_absolute)} above it"
        )
        return verdict("fail", error_p=error_p)
    checks["errors"] = "pass"
    if significant:
        margins = [
            f"not above {t.error_ratio}x the baseline" if not over_ratio else "",
            f"not more than {_points(t.error_absolute)} above it" if not over_absolute else "",
        ]
        reasons.append(f"{error_line}: significant but inside the margin ({', '.join(m for m in margins if m)})")
    else:
        reasons.append(f"{error_line}: not significant (p >= {t.error_alpha})")

    # 4. The share the new colour really gets.
    share_p = None
    if total and observed_share is not None and expected_new_share < 1:
        share_p = binomial_lower_tail(new_sum.requests, total, expected_new_share)
        share_line = (
            f"share: new colour got {_pct(observed_share)} of {total} requests, the weights give "
            f"{_pct(expected_new_share)} (p = {_p(share_p)} of this few or fewer)"
        )
        if share_p < t.share_alpha and observed_share < t.share_ratio * expected_new_share:
            checks["share"] = "hold"
            reasons.append(
                f"{share_line}: far below its share (less than {t.share_ratio}x); traffic is not following the "
                "weights (Route 53 health evaluation, resolvers or clients pinning the old colour): holding"
            )
            return verdict("insufficient", error_p=error_p, share_p=share_p)
        checks["share"] = "pass"
        reasons.append(share_line)

    # 5. Enough requests to pass.
    if new_sum.requests < t.min_requests:
        checks["requests"] = "hold"
        reasons.append(
            f"not enough requests yet: the new colour had {new_sum.requests}, a pass needs {t.min_requests}"
            f"{_ignored_note(ignored)}"
        )
        return verdict("insufficient", error_p=error_p, share_p=share_p)
    checks["requests"] = "pass"

    # 6. Latency.
    if new_sum.p90_seconds is None or old_sum.p90_seconds is None:
        checks["latency"] = "skipped"
        whose = "new" if new_sum.p90_seconds is None else "old"
        reasons.append(
            f"latency not judged: the {whose} colour has no final minute with a p90 and {t.latency_min_requests} "
            "requests or more (a p90 of fewer is noise)"
        )
    else:
        latency_line = (
            f"p90: new colour {new_sum.p90_seconds * 1000:.0f} ms ({new_sum.p90_minutes} min), old colour "
            f"{old_sum.p90_seconds * 1000:.0f} ms ({old_sum.p90_minutes} min)"
        )
        slower = (
            new_sum.p90_seconds > t.latency_ratio * old_sum.p90_seconds
            and new_sum.p90_seconds - old_sum.p90_seconds > t.latency_absolute_seconds
        )
        if slower:
            checks["latency"] = "fail"
            reasons.append(
                f"{latency_line}: above {t.latency_ratio}x and more than "
                f"{t.latency_absolute_seconds * 1000:.0f} ms above the old colour"
            )
            return verdict("fail", error_p=error_p, share_p=share_p)
        checks["latency"] = "pass"
        reasons.append(latency_line)

    return verdict("pass", error_p=error_p, share_p=share_p)


def final_cutoff(now: datetime, finality_seconds: int) -> datetime:
    """Minutes starting before this are final: they ended at least `finality_seconds` ago."""
    return (now.astimezone(UTC) - timedelta(seconds=finality_seconds)).replace(second=0, microsecond=0)


def summarize(minutes: Sequence[Minute], latency_min_requests: int) -> ColorSummary:
    latency = sorted(
        (m.p90_seconds, m.requests) for m in minutes if m.p90_seconds is not None and m.requests >= latency_min_requests
    )
    return ColorSummary(
        minutes=len(minutes),
        requests=sum(m.judged_requests for m in minutes),
        errors=sum(m.errors for m in minutes),
        p90_seconds=_weighted_median(latency),
        p90_minutes=len(latency),
    )


def _weighted_median(values: Sequence[tuple[float, int]]) -> float | None:
    """The request-weighted median of sorted (value, weight) pairs: one slow minute does not move it."""
    total = sum(weight for _, weight in values)
    running = 0
    for value, weight in values:
        running += weight
        if 2 * running >= total:
            return value
    return None


# --- exact binomial tails -------------------------------------------------------------------------
# Summed term by term from the tail's inner end outwards, where the terms only shrink (they fall away
# from the mode on both sides), until they no longer change the sum. The tail that does not contain the
# mode is summed directly, so small p-values keep their relative precision.


def binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    _check_binomial(n, p)
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p == 0:
        return 0.0
    if p == 1:
        return 1.0
    if k > _mode(n, p):
        return min(1.0, _tail_sum(k, n, p, upward=True))
    return max(0.0, 1.0 - _tail_sum(k - 1, n, p, upward=False))


def binomial_lower_tail(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    _check_binomial(n, p)
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p == 0:
        return 1.0
    if p == 1:
        return 0.0
    if k < _mode(n, p):
        return min(1.0, _tail_sum(k, n, p, upward=False))
    return max(0.0, 1.0 - _tail_sum(k + 1, n, p, upward=True))


def _check_binomial(n: int, p: float) -> None:
    if n < 0 or not 0 <= p <= 1:
        raise ValueError(f"a binomial needs n >= 0 and 0 <= p <= 1, got n={n}, p={p}")


def _mode(n: int, p: float) -> int:
    return math.floor((n + 1) * p)


def _tail_sum(start: int, n: int, p: float, *, upward: bool) -> float:
    log_term = (
        math.lgamma(n + 1)
        - math.lgamma(start + 1)
        - math.lgamma(n - start + 1)
        + start * math.log(p)
        + (n - start) * math.log1p(-p)
    )
    term = math.exp(log_term)
    odds = p / (1 - p)
    total = 0.0
    i = start
    while 0 <= i <= n and term > 0:
        total += term
        if term < total * 1e-17:
            break
        term *= (n - i) / (i + 1) * odds if upward else i / (n - i + 1) / odds
        i += 1 if upward else -1
    return total


# --- wording --------------------------------------------------------------------------------------


def _pct(fraction: float | None) -> str:
    if fraction is None:
        return "n/a"
    text = f"{100 * fraction:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _points(fraction: float) -> str:
    return f"{100 * fraction:g} percentage points"


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _clock(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M")


def _ignored_note(ignored: int) -> str:
    return f" ({ignored} newer minute(s) not final yet, ignored)" if ignored else ""
