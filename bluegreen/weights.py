"""How traffic is split between the colours, and which weight changes are safe.

Pure functions, no files and no AWS: the `status`, `shift` and `check` commands (and the offline `plan`)
read the stack files elsewhere and hand the weights in here.

Route 53 sends each colour weight / (sum of weights) of the traffic; when every weight is 0 it splits
traffic equally. A promotion goes 1:0 -> 1:1 -> 0:1, one stack per step, raising the incoming colour
before lowering the outgoing one, so that traffic never lands on an all-zero pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bluegreen import invocation
from bluegreen.pair_agreement import PublishedSide, agreement_problems
from bluegreen.settings import COLORS, Settings, version_tuple

BAR_WIDTH = 20
ALL_ZERO = "all zero"
BOTH_LIVE = "both live"


@dataclass(frozen=True)
class StackTraffic:
    """What one stack adds to the split."""

    stack: str
    color: str
    version: str
    weight: int
    allow_all_zero: bool = False
    published: PublishedSide | None = None  # names, zone and tls, for the pair rule; None: not known

    @classmethod
    def from_settings(cls, stack: str, settings: Settings) -> StackTraffic:
        return cls(
            stack,
            settings.color,
            settings.cluster_version,
            settings.traffic_weight,
            settings.allow_all_zero,
            PublishedSide.from_settings(stack, settings),
        )


class ShiftRefused(Exception):
    """A requested weight change that is unsafe or impossible; the message says why and what to do."""


@dataclass(frozen=True)
class Step:
    """One change of one stack's weight."""

    stack: str
    color: str
    before: int
    after: int

    def applied_to(self, stacks: Sequence[StackTraffic]) -> list[StackTraffic]:
        def moved(s: StackTraffic) -> StackTraffic:
            published = s.published and replace(s.published, weight=self.after)
            return replace(s, weight=self.after, published=published)

        return [moved(s) if s.stack == self.stack else s for s in stacks]


# --- shares and phases ----------------------------------------------------------------------------


def shares(weights: Sequence[int]) -> list[float]:
    """Percent of the traffic each weight gets from Route 53; all zero means an equal split."""
    total = sum(weights)
    if total == 0:
        return [100 / len(weights) for _ in weights]
    return [100 * weight / total for weight in weights]


def format_share(percent: float) -> str:
    """'50%', '99.6%': one decimal, because weight 1 of 256 is 0.4% and must not read as 0%."""
    text = f"{percent:.1f}"
    return text.removesuffix(".0") + "%"


def bar(percent: float, width: int = BAR_WIDTH) -> str:
    filled = round(percent * width / 100)
    if 0 < percent < 100:
        # A colour with any traffic shows at least one mark; one that shares traffic never looks full.
        filled = min(max(filled, 1), width - 1)
    return "#" * filled + "." * (width - filled)


def weights_by_color(stacks: Iterable[StackTraffic]) -> dict[str, int]:
    return {s.color: s.weight for s in stacks}


def phase(weights: Mapping[str, int], towards: str | None = None) -> str:
    """What a split adds up to: 'blue live', 'both live', 'shifting to green (30%)' or 'all zero'.

    `towards` names the colour a promotion moves to (see `promotion_target`); without it an uneven split
    is shown as 'split blue 70%, green 30%'.
    """
    live = [color for color, weight in weights.items() if weight > 0]
    if not live:
        return ALL_ZERO
    if len(live) == 1:
        return f"{live[0]} live"
    if len({weights[color] for color in live}) == 1:
        return BOTH_LIVE
    percent = dict(zip(weights, shares(list(weights.values())), strict=True))
    if towards in percent:
        return f"shifting to {towards} ({format_share(percent[towards])})"
    return "split " + ", ".join(f"{color} {format_share(share)}" for color, share in percent.items())


def promotion_target(stacks: Sequence[StackTraffic]) -> str | None:
    """The colour running the newer cluster version: where an upgrade moves traffic. None when they are equal."""
    if sorted(s.color for s in stacks) != sorted(COLORS):
        return None
    newer, older = sorted(stacks, key=lambda s: version_tuple(s.version), reverse=True)
    return newer.color if version_tuple(newer.version) != version_tuple(older.version) else None


PROMOTION, ROLLBACK, UNKNOWN = "promotion", "rollback", "unknown"


@dataclass(frozen=True)
class CommittedSplit:
    """The weights the stack files held at one commit: colour -> weight (0 for a colour without a stack file)."""

    commit: str
    weights: Mapping[str, int]


def direction(stacks: Sequence[StackTraffic], earlier: Iterable[CommittedSplit]) -> tuple[str, CommittedSplit | None]:
    """Which way traffic last moved: PROMOTION towards the newer version, ROLLBACK away from it, or UNKNOWN.

    `earlier` holds the splits of earlier commits, newest first. The first one that gives the promotion
    target a different share than now is where the split came from (1:1 after 0:1 is a rollback half done,
    after 1:0 a promotion half done). UNKNOWN, with no split, when the versions are equal or no earlier
    split differs.
    """
    target = promotion_target(stacks)
    if target is None:
        return UNKNOWN, None
    now = _share_of(target, weights_by_color(stacks))
    for split in earlier:
        before = _share_of(target, split.weights)
        if before != now:
            return (PROMOTION if now > before else ROLLBACK), split
    return UNKNOWN, None


def _share_of(color: str, split: Mapping[str, int]) -> float:
    return shares([split.get(c, 0) for c in COLORS])[COLORS.index(color)]


# --- validation -----------------------------------------------------------------------------------


def pair_problems(stacks: Sequence[StackTraffic]) -> list[str]:
    """Why these stacks (all valid stack files) do not make a usable pair; empty when they do."""
    problems = []
    for color in COLORS:
        named = [s.stack for s in stacks if s.color == color]
        if len(named) > 1:
            problems.append(f"stacks {', '.join(named)} all have color {color}: each colour must be exactly one stack")
    # Like the program's guard, each stack at weight 0 needs its own allowAllZero to deploy with a peer at 0.
    lacking = [s.stack for s in stacks if not s.allow_all_zero]
    if all(s.weight == 0 for s in stacks) and lacking:
        problems.append(
            "every trafficWeight is 0, so Route 53 would split traffic equally between the colours, and "
            f"allowAllZero is not set on {', '.join(lacking)} (the guard stops `pulumi up` there): give one "
            "colour a weight above 0, or set allowAllZero: true on every stack if an equal split is what you want"
        )
    # The program's guard applies the same rule at weight 0 against the peer's outputs.
    problems += agreement_problems([s.published for s in stacks if s.published is not None])
    return problems


def tls_pending(stacks: Sequence[StackTraffic]) -> StackTraffic | None:
    """The stack still without TLS while its peer has it: turn it on there before moving traffic."""
    serving = {s.stack: s.published.tls for s in stacks if s.published is not None and s.published.tls is not None}
    if len(set(serving.values())) < 2:
        return None
    return next(s for s in stacks if serving.get(s.stack) is False)


def change_problems(before: Mapping[str, StackTraffic], after: Mapping[str, StackTraffic]) -> list[str]:
    """Why a change of stack files (stack name -> traffic; a missing stack has no file) is unsafe to merge.

    Rules: at most one stack's weight moves per change; a stack keeps its colour; a stack file goes only
    once its weight is 0; the result is a valid pair (no all-zero split, no colour twice); and a colour is
    never lowered while the other colour has weight 0 both before and after, which would mean lowering
    before the other colour has been raised. A new stack file at weight 0 moves nothing.
    """

    def weight(state: Mapping[str, StackTraffic], stack: str) -> int:
        return state[stack].weight if stack in state else 0

    def color_weight(state: Mapping[str, StackTraffic], color: str) -> int:
        return sum(s.weight for s in state.values() if s.color == color)

    problems = []
    stacks = sorted(set(before) | set(after))
    moved = [stack for stack in stacks if weight(before, stack) != weight(after, stack)]
    if len(moved) > 1:
        problems.append(
            f"the weights of {len(moved)} stacks change ({', '.join(moved)}): change one stack per pull request"
        )
    for stack in stacks:
        if stack not in after and before[stack].weight > 0:
            problems.append(
                f"the file of stack {stack} is removed while it has weight {before[stack].weight}, and its DNS "
                "records stay until it is destroyed: lower it to 0 in a pull request of its own first"
            )
        elif stack in before and stack in after and before[stack].color != after[stack].color:
            problems.append(
                f"stack {stack} changes colour from {before[stack].color} to {after[stack].color}: "
                "a stack keeps its colour for life"
            )
    problems += pair_problems(list(after.values()))
    for stack in moved:
        old, new = weight(before, stack), weight(after, stack)
        color = (after.get(stack) or before[stack]).color
        other = next(c for c in COLORS if c != color)
        if new < old and color_weight(before, other) == 0 and color_weight(after, other) == 0:
            problems.append(
                f"{color} goes down from {old} to {new} while {other} has weight 0: "
                f"raise {other} first, in its own pull request"
            )
    return problems


# --- promotion steps ------------------------------------------------------------------------------


def _incoming_and_outgoing(stacks: Sequence[StackTraffic], color: str) -> tuple[StackTraffic, StackTraffic]:
    if color not in COLORS:
        raise ShiftRefused(f"{color!r} is not a colour; use one of {', '.join(COLORS)}")
    found = {}
    for wanted in COLORS:
        named = [s for s in stacks if s.color == wanted]
        if len(named) != 1:
            what = "no stack file" if not named else f"{len(named)} stack files ({', '.join(s.stack for s in named)})"
            raise ShiftRefused(f"{what} with color {wanted}: a shift needs exactly one stack per colour")
        found[wanted] = named[0]
    other = next(c for c in COLORS if c != color)
    return found[color], found[other]


def next_step(stacks: Sequence[StackTraffic], towards: str) -> Step | None:
    """The next step of 1:0 -> 1:1 -> 0:1 towards a colour; None when it already has all the traffic.

    The incoming colour is first raised to the outgoing colour's weight (an even split, at least 1), then
    the outgoing colour is lowered to 0. With custom weights, 255:0 goes to 255:255 and then 0:255; from
    an uneven split where the incoming colour already has as much as the other, the outgoing one goes to 0.
    """
    incoming, outgoing = _incoming_and_outgoing(stacks, towards)
    if outgoing.weight == 0 and incoming.weight > 0:
        return None
    even = max(outgoing.weight, 1)
    if incoming.weight < even:
        return Step(incoming.stack, incoming.color, incoming.weight, even)
    return Step(outgoing.stack, outgoing.color, outgoing.weight, 0)


def rollback_step(stacks: Sequence[StackTraffic], old_color: str) -> Step | None:
    """The next step back to the old colour: the same path as a promotion, refused towards the newer version."""
    incoming, outgoing = _incoming_and_outgoing(stacks, old_color)
    if promotion_target(stacks) == old_color:
        raise ShiftRefused(
            f"{old_color} runs the newer cluster version ({incoming.version} > {outgoing.version}), so moving "
            f"traffic to it is the promotion, not a rollback: run `{invocation.command('shift', old_color)}`, or roll "
            f"back with `{invocation.command('shift', outgoing.color, '--rollback')}`"
        )
    return next_step(stacks, old_color)


def custom_step(stacks: Sequence[StackTraffic], color: str, weight: int) -> Step | None:
    """Set one colour's weight (0..255, checked by the caller) to `weight`; None when it already has it."""
    incoming, outgoing = _incoming_and_outgoing(stacks, color)
    if weight == incoming.weight:
        return None
    if weight < incoming.weight and outgoing.weight == 0:
        result = "leave every weight at 0" if weight == 0 else "lower it before the other colour has been raised"
        raise ShiftRefused(
            f"setting {color} from {incoming.weight} to {weight} while {outgoing.color} has weight 0 would {result}; "
            f"raise {outgoing.color} first (`{invocation.command('shift', outgoing.color)}`)"
        )
    return Step(incoming.stack, incoming.color, incoming.weight, weight)


def describe_step(step: Step, stacks: Sequence[StackTraffic]) -> str:
    """'stack green: trafficWeight 0 → 1, giving both live'."""
    after = step.applied_to(stacks)
    result = phase(weights_by_color(after), promotion_target(after))
    return f"stack {step.stack}: trafficWeight {step.before} → {step.after}, giving {result}"


# --- rendering ------------------------------------------------------------------------------------


def render_table(rows: Sequence[tuple[str, str, str, int]]) -> str:
    """A text table of (stack, colour, cluster version, weight) rows with each row's share and a bar."""
    percents = shares([weight for *_, weight in rows])
    header = ("STACK", "COLOUR", "VERSION", "WEIGHT", "SHARE", "TRAFFIC")
    cells = [header] + [
        (stack, color, version, str(weight), format_share(percent), bar(percent))
        for (stack, color, version, weight), percent in zip(rows, percents, strict=True)
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    right_aligned = {3, 4}  # numbers line up on the right

    def line(row: Sequence[str]) -> str:
        columns = enumerate(zip(row, widths, strict=True))
        parts = [cell.rjust(width) if i in right_aligned else cell.ljust(width) for i, (cell, width) in columns]
        return "  ".join(parts).rstrip()

    return "\n".join(line(row) for row in cells)


def table_rows(stacks: Iterable[StackTraffic]) -> list[tuple[str, str, str, int]]:
    return [(s.stack, s.color, s.version, s.weight) for s in stacks]


def render_change_markdown(before: Mapping[str, StackTraffic], after: Mapping[str, StackTraffic]) -> str:
    """A markdown table of a change for a pull-request comment: weights and shares before -> after."""

    def percents(state: Mapping[str, StackTraffic]) -> dict[str, float]:
        names = sorted(state)
        return dict(zip(names, shares([state[n].weight for n in names]), strict=True))

    def arrow(old: str, new: str) -> str:
        return old if old == new else f"{old} → **{new}**"

    share_before, share_after = percents(before), percents(after)
    lines = ["| Stack | Colour | Version | Weight | Share |", "|---|---|---|---:|---:|"]
    for stack in sorted(set(before) | set(after)):
        old, new = before.get(stack), after.get(stack)
        cells = [
            stack,
            arrow(old.color if old else "(no file)", new.color if new else "(no file)"),
            arrow(old.version if old else "-", new.version if new else "-"),
            arrow(str(old.weight) if old else "-", str(new.weight) if new else "-"),
            arrow(
                format_share(share_before[stack]) if old else "-",
                format_share(share_after[stack]) if new else "-",
            ),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    phase_before = phase(weights_by_color(before.values()), promotion_target(list(before.values())))
    phase_after = phase(weights_by_color(after.values()), promotion_target(list(after.values())))
    lines += ["", f"Phase: {arrow(phase_before, phase_after)}"]
    return "\n".join(lines)
