"""The promotion report: one self-contained HTML page whose chart marks every step, rollback and verdict."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from bluegreen.promotion import report
from bluegreen.promotion.promote import Result
from tests.test_promotion_promote import promote, world_with

SVG = "{http://www.w3.org/2000/svg}"


def rendered(multiplier: float) -> tuple[Result, str]:
    world = world_with(multiplier, seed=5)
    result = promote(world)
    start = world.commits[0].time
    minutes = {color: world.minutes(color, start, world.clock.now()) for color in ("blue", "green")}
    return result, report.render(result, minutes, "promote green")


def svg_of(page: str) -> ET.Element:
    match = re.search(r"<svg.*?</svg>", page, re.S)
    assert match, "the page holds an inline SVG chart"
    return ET.fromstring(match.group(0))  # well-formed XML, or this raises


def test_the_page_is_self_contained() -> None:
    _, page = rendered(10.0)
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"]


def test_a_rollback_shows_each_colour_the_steps_and_the_failing_verdict() -> None:
    result, page = rendered(10.0)
    assert result.outcome == "rolled back"
    assert "<h1>promote green: rolled back</h1>" in page
    svg = svg_of(page)
    lines = svg.findall(f"{SVG}polyline")
    inks = {line.get("stroke") for line in lines}
    assert {report.INK["blue"], report.INK["green"]} <= inks  # share and error rate of each colour
    labels = [text.text for text in svg.iter(f"{SVG}text")]
    assert "green 0 -> 1" in labels and "green 1 -> 0" in labels
    fail_marks = [p for p in svg.iter(f"{SVG}path") if p.get("stroke") == report.VERDICT_INK["fail"]]
    assert len(fail_marks) == sum(1 for v in result.verdicts if v.outcome == "fail")
    # Hovering a verdict shows its reasons; the story below repeats them in words.
    titles = [t.text or "" for t in svg.iter(f"{SVG}title")]
    assert any("5xx: new colour" in title for title in titles)
    assert page.count("<tr>") == len(result.events) + 1


def test_a_promotion_marks_every_step_and_a_passing_verdict_per_step() -> None:
    result, page = rendered(1.0)
    assert result.outcome == "promoted"
    svg = svg_of(page)
    labels = [text.text for text in svg.iter(f"{SVG}text")]
    for change in ("green 0 -> 1", "green 1 -> 10", "green 10 -> 50", "green 50 -> 255", "blue 255 -> 0"):
        assert labels.count(change) == 2, change  # once in each panel
    passes = [c for c in svg.iter(f"{SVG}circle") if c.get("fill") == report.VERDICT_INK["pass"]]
    assert len(passes) >= 5 + 1  # at least one pass per judged step, plus the legend's
