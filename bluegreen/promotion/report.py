"""The promotion report: one self-contained HTML file (inline SVG, no script, no network) that shows why
`promote` promoted, rolled back or held.

Top chart: each colour's share of the requests per minute, with the share the weights give as a dashed
step line. Bottom chart: each colour's 5xx rate per minute. Every step and rollback is a vertical line
labelled with its weight change; every verdict a mark on the top edge (pass, fail, not enough data).
Below the charts, the story in words: each event with the verdict's reasons.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from bluegreen.promotion.judge import Minute
from bluegreen.promotion.promote import Result

WIDTH, PANEL_HEIGHT, LEFT, RIGHT, TOP, GAP = 960, 220, 60, 20, 70, 50
VERDICT_ROW = 46  # y of the verdict marks, between the legend and the top panel
SHARE_FLOOR = 0.1  # percent: the log-scaled share axis starts here (weight 1 of 256 is 0.39%)
INK = {"blue": "#1f6feb", "green": "#1a7f37"}
VERDICT_INK = {"pass": "#1a7f37", "fail": "#cf222e", "insufficient": "#8c959f"}
STEP_INK = {"step": "#57606a", "rollback": "#cf222e", "hold": "#9a6700", "done": "#1a7f37"}


def render(result: Result, minutes: Mapping[str, Sequence[Minute]], title: str) -> str:
    """The whole HTML page."""
    outcome = {"promoted": "promoted", "rolled back": "rolled back", "held": "held"}[result.outcome]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title>",
            "<style>body{font:14px system-ui,sans-serif;margin:24px;color:#1f2328}"
            "table{border-collapse:collapse}td,th{border-bottom:1px solid #d0d7de;padding:4px 8px;"
            "text-align:left;vertical-align:top}td.reasons{font-size:12px;color:#57606a}</style>",
            "</head><body>",
            f"<h1>{html.escape(title)}: {outcome}</h1>",
            chart(result, minutes),
            story(result),
            "</body></html>",
        ]
    )


def chart(result: Result, minutes: Mapping[str, Sequence[Minute]]) -> str:
    """The two panels as one SVG element."""
    starts = [m.start for series in minutes.values() for m in series] + [e.time for e in result.events]
    if not starts:
        return "<p>No minutes and no events to draw.</p>"
    begin = min(starts).replace(second=0, microsecond=0)
    end = max(starts) + timedelta(minutes=4)  # room for the last marker's label
    span = max((end - begin).total_seconds(), 60.0)
    plot_width = WIDTH - LEFT - RIGHT
    height = TOP + 2 * PANEL_HEIGHT + GAP + 30

    def x(moment: datetime) -> float:
        return LEFT + plot_width * (moment - begin).total_seconds() / span

    share_panel = (TOP, "share of requests (%, log scale)", 100.0)
    error_max = max([_error_rate(m) * 100 for series in minutes.values() for m in series] + [1.0]) * 1.1
    error_panel = (TOP + PANEL_HEIGHT + GAP, "5xx rate (%)", error_max)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="system-ui,sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
    ]
    for top, label, maximum in (share_panel, error_panel):
        parts += _axes(top, label, maximum, begin, end, x)
    totals = _totals(minutes)
    for color, series in minutes.items():
        share_points = [
            (x(m.start + timedelta(seconds=30)), 100 * m.judged_requests / totals[m.start])
            for m in series
            if totals.get(m.start)
        ]
        error_points = [(x(m.start + timedelta(seconds=30)), 100 * _error_rate(m)) for m in series]
        parts.append(_polyline(share_points, share_panel, INK.get(color, "#000")))
        parts.append(_polyline(error_points, error_panel, INK.get(color, "#000")))
    parts += _expected_share(result, share_panel, begin, end, x)
    parts += _markers(result, x, height)
    parts += _legend(list(minutes), result.new)
    parts.append("</svg>")
    return "\n".join(parts)


def story(result: Result) -> str:
    rows = ["<h2>Steps and verdicts</h2>", "<table><tr><th>time</th><th>what</th><th>weights</th><th>details</th></tr>"]
    for event in result.events:
        weights = ", ".join(f"{c} {w}" for c, w in event.weights.items())
        details = ""
        if event.verdict is not None:
            details = "<br>".join(html.escape(reason) for reason in event.verdict.reasons)
        elif event.commit:
            details = f"commit {html.escape(event.commit[:12])}"
        rows.append(
            f"<tr><td>{event.time:%H:%M:%S}</td><td>{html.escape(event.text)}</td>"
            f'<td>{html.escape(weights)}</td><td class="reasons">{details}</td></tr>'
        )
    rows.append("</table>")
    return "\n".join(rows)


# --- pieces ---------------------------------------------------------------------------------------


def _error_rate(minute: Minute) -> float:
    return minute.errors / minute.judged_requests if minute.judged_requests else 0.0


def _totals(minutes: Mapping[str, Sequence[Minute]]) -> dict[datetime, int]:
    totals: dict[datetime, int] = {}
    for series in minutes.values():
        for m in series:
            totals[m.start] = totals.get(m.start, 0) + m.judged_requests
    return totals


def _is_log(panel: tuple[int, str, float]) -> bool:
    return panel[0] == TOP


def _y(value: float, panel: tuple[int, str, float]) -> float:
    top, _, maximum = panel
    if _is_log(panel):
        low, high = math.log10(SHARE_FLOOR), math.log10(maximum)
        fraction = (math.log10(min(max(value, SHARE_FLOOR), maximum)) - low) / (high - low)
    else:
        fraction = min(value, maximum) / maximum
    return top + PANEL_HEIGHT * (1 - fraction)


def _axes(top: int, label: str, maximum: float, begin: datetime, end: datetime, x) -> list[str]:
    right = WIDTH - RIGHT
    parts = [
        f'<text x="{LEFT}" y="{top - 8}" font-weight="bold">{html.escape(label)}</text>',
        f'<rect x="{LEFT}" y="{top}" width="{right - LEFT}" height="{PANEL_HEIGHT}" fill="none" stroke="#d0d7de"/>',
    ]
    panel = (top, label, maximum)
    values = [0.1, 1.0, 10.0, 100.0] if _is_log(panel) else [maximum * f for f in (0.0, 0.25, 0.5, 0.75, 1.0)]
    for value in values:
        y = _y(value, panel)
        parts.append(f'<line x1="{LEFT}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eaeef2"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value:.3g}</text>')
    tick = begin
    step = timedelta(minutes=_tick_minutes((end - begin).total_seconds() / 60))
    while tick <= end:
        parts.append(f'<text x="{x(tick):.1f}" y="{top + PANEL_HEIGHT + 14}" text-anchor="middle">{tick:%H:%M}</text>')
        tick += step
    return parts


def _tick_minutes(total_minutes: float) -> int:
    return next((m for m in (1, 2, 5, 10, 15, 30, 60) if total_minutes / m <= 12), 120)


def _polyline(points: Sequence[tuple[float, float]], panel: tuple[int, str, float], ink: str) -> str:
    coordinates = " ".join(f"{px:.1f},{_y(value, panel):.1f}" for px, value in points)
    return f'<polyline points="{coordinates}" fill="none" stroke="{ink}" stroke-width="1.5"/>'


def _expected_share(result: Result, panel, begin: datetime, end: datetime, x) -> list[str]:
    """The new colour's share by the weights, as a dashed step line through the steps and rollbacks."""
    changes = [e for e in result.events if e.kind in ("step", "rollback")]
    if not changes:
        return []
    points: list[tuple[float, float]] = []
    previous = _share_of(result.start_weights, result.new)
    moment = begin
    for event in changes:
        points += [(x(moment), previous), (x(event.time), previous)]
        previous = _share_of(event.weights, result.new)
        moment = event.time
    points += [(x(moment), previous), (x(end), previous)]
    coordinates = " ".join(f"{px:.1f},{_y(value, panel):.1f}" for px, value in points)
    ink = INK.get(result.new, "#000")
    return [f'<polyline points="{coordinates}" fill="none" stroke="{ink}" stroke-dasharray="4 3" opacity="0.7"/>']


def _share_of(weights: Mapping[str, int], color: str) -> float:
    total = sum(weights.values())
    return 100 * weights[color] / total if total else 50.0


def _markers(result: Result, x, height: int) -> list[str]:
    parts = []
    bottom = TOP + 2 * PANEL_HEIGHT + GAP
    lines_drawn = 0
    for event in result.events:
        px = x(event.time)
        if event.kind in ("step", "rollback", "hold", "done"):
            lines_drawn += 1
            drop = 12 * (1 + lines_drawn % 2)  # neighbouring labels on alternate rows, so close steps stay legible
            ink = STEP_INK[event.kind]
            label = event.text.rsplit(": ", 1)[-1] if event.kind in ("step", "rollback") else event.kind
            parts.append(
                f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{TOP}" y2="{bottom}" stroke="{ink}" stroke-width="1"/>'
            )
            for top in (TOP, TOP + PANEL_HEIGHT + GAP):
                parts.append(
                    f'<text x="{px + 3:.1f}" y="{top + drop}" fill="{ink}" font-size="10">{html.escape(label)}</text>'
                )
        elif event.verdict is not None:
            ink = VERDICT_INK[event.verdict.outcome]
            title = html.escape(f"{event.time:%H:%M} {event.text}: " + " | ".join(event.verdict.reasons))
            shape = (
                f'<path d="M{px - 4:.1f},{VERDICT_ROW - 4} l8,8 m0,-8 l-8,8" stroke="{ink}" stroke-width="2"/>'
                if event.verdict.outcome == "fail"
                else f'<circle cx="{px:.1f}" cy="{VERDICT_ROW}" r="3.5" fill="{ink}"/>'
            )
            parts.append(f"<g><title>{title}</title>{shape}</g>")
    parts.append(f'<text x="{LEFT - 6}" y="{VERDICT_ROW + 4}" text-anchor="end">verdicts</text>')
    return parts


def _legend(colors: Sequence[str], new: str) -> list[str]:
    parts = []
    px = LEFT
    for color in colors:
        ink = INK.get(color, "#000")
        parts.append(f'<line x1="{px}" x2="{px + 18}" y1="12" y2="12" stroke="{ink}" stroke-width="2"/>')
        parts.append(f'<text x="{px + 22}" y="16">{html.escape(color)}</text>')
        px += 70
    ink = INK.get(new, "#000")
    parts.append(f'<line x1="{px}" x2="{px + 18}" y1="12" y2="12" stroke="{ink}" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{px + 22}" y="16">{html.escape(new)} share by weight</text>')
    px += 175
    for outcome, ink in VERDICT_INK.items():
        parts.append(f'<circle cx="{px}" cy="12" r="3.5" fill="{ink}"/>')  # the verdict marks' key
        parts.append(f'<text x="{px + 6}" y="16">{outcome}</text>')
        px += 30 + 6 * len(outcome)
    return parts
