"""Route 53's own answers (TestDNSAnswer) tallied per colour and compared with the declared split."""

from __future__ import annotations

import math
import socket
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bluegreen import dns
from bluegreen.route53.records import RecordSet
from bluegreen.weights import shares

UNMATCHED = "unmatched"


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% with the default z)."""
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - spread), min(1.0, centre + spread))


def answer_colors(records: Sequence[RecordSet], hostname: str, resolve: Callable[[str], set[str]]) -> dict[str, str]:
    """Answer value -> colour, from each weighted A record's values or (for an alias) its target's addresses."""
    mapping: dict[str, str] = {}
    for record in records:
        set_id = record.set_identifier
        if record.name != hostname or record.type != "A" or record.policy != "weighted" or set_id is None:
            continue
        if record.alias_target is not None:
            values = {record.alias_target, *resolve(record.alias_target)}
        else:
            values = set(record.values)
        for value in values:
            mapping[value] = set_id
    return mapping


def tally(answers: Iterable[Sequence[str]], colors_by_value: Mapping[str, str]) -> Counter[str]:
    """Answers per colour; an answer whose values point at no colour (or at two) counts as UNMATCHED."""
    counts: Counter[str] = Counter()
    for values in answers:
        colors = {colors_by_value.get(dns.normalize(v), UNMATCHED) for v in values}
        counts[colors.pop() if len(colors) == 1 else UNMATCHED] += 1
    return counts


@dataclass(frozen=True)
class ColorSplit:
    """One colour's share of the sampled answers next to the share its weight gives."""

    color: str
    answers: int
    trials: int
    expected_share: float  # 0..1, from the stack files' weights
    interval: tuple[float, float]  # 95% Wilson score interval of the observed share

    @property
    def observed_share(self) -> float:
        return self.answers / max(self.trials, 1)

    @property
    def within(self) -> bool:
        return self.interval[0] <= self.expected_share <= self.interval[1]


def split(counts: Counter[str], weights: Mapping[str, int]) -> list[ColorSplit]:
    """Per colour (in the order of `weights`), the observed split against the one the weights give."""
    trials = sum(counts.values())
    return [
        ColorSplit(color, counts[color], trials, percent / 100, wilson_interval(counts[color], trials))
        for color, percent in zip(weights, shares(list(weights.values())), strict=True)
    ]


def split_report(counts: Counter[str], weights: Mapping[str, int]) -> list[str]:
    return render_split(split(counts, weights), counts[UNMATCHED])


def render_split(splits: Sequence[ColorSplit], unmatched: int) -> list[str]:
    lines = [
        f"  {s.color:<6} observed {s.answers}/{s.trials} = {s.observed_share:.1%} "
        f"(95% CI {s.interval[0]:.1%}-{s.interval[1]:.1%}), expected {s.expected_share:.1%}: "
        f"{'within' if s.within else 'OUTSIDE'} the interval"
        for s in splits
    ]
    if unmatched:
        lines.append(f"  {unmatched} answer(s) matched no colour's record")
    return lines


def resolve_addresses(name: str) -> set[str]:
    """IPv4 addresses of an alias target (a load balancer), to recognise its answers; empty if unresolvable."""
    try:
        infos = socket.getaddrinfo(name, None, family=socket.AF_INET)
    except OSError:
        return set()
    return {str(info[4][0]) for info in infos}
