"""The Automation API applier's wiring, with a fake `pulumi.automation.Stack` (no Pulumi CLI here).

What the fake cannot show, and the SDK source does (pulumi 3.272.0, `automation/_stack.py`): `preview`
runs `pulumi preview --diff` and `up` runs `pulumi up --yes --skip-preview --diff`, both with
`--message`; pyright checks that `automation.select_stack` returns something `AutomationStack` covers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pulumi.automation import OpType, OutputValue, PreviewResult, UpdateSummary, UpResult

from bluegreen.deploy_order import APPLIED_COMMIT_ENV
from bluegreen.promotion.apply import AutomationStack, PulumiApplier


class FakeStack:
    """Records the calls a real `Stack` would turn into pulumi commands."""

    def __init__(self, calls: list[tuple[str, dict[str, Any]]]):
        self.calls = calls

    def preview(
        self, *, message: str | None = None, diff: bool | None = None, on_output: Callable[[str], Any] | None = None
    ) -> PreviewResult:
        self.calls.append(("preview", {"message": message, "diff": diff}))
        if on_output:
            on_output("~ kubernetes:networking.k8s.io/v1:Ingress traffic-app update [diff: ~metadata]")
        return PreviewResult(stdout="", stderr="", change_summary={OpType.UPDATE: 1, OpType.SAME: 21})

    def up(
        self, *, message: str | None = None, diff: bool | None = None, on_output: Callable[[str], Any] | None = None
    ) -> UpResult:
        self.calls.append(("up", {"message": message, "diff": diff}))
        summary = UpdateSummary(
            kind="update",
            start_time=None,  # type: ignore[arg-type]
            message=message or "",
            environment={},
            config={},
            result="succeeded",
            end_time=None,
            version=1,
            deployment=None,
            resource_changes={OpType.UPDATE: 1},
        )
        outputs = {"trafficWeight": OutputValue(1, False), "appliedCommit": OutputValue("abc123", False)}
        return UpResult(stdout="", stderr="", summary=summary, outputs=outputs)

    def outputs(self) -> dict[str, OutputValue]:
        self.calls.append(("outputs", {}))
        return {"trafficWeight": OutputValue(1, False)}


def applier_with_fake(calls: list[tuple[str, dict[str, Any]]], selected: list[tuple[str, dict[str, str]]]):
    def select(project_dir: Path, stack: str, env_vars: Mapping[str, str]) -> AutomationStack:
        selected.append((stack, dict(env_vars)))
        return FakeStack(calls)

    lines: list[str] = []
    return PulumiApplier(Path("/project"), on_output=lines.append, select=select), lines


def test_a_step_is_previewed_with_a_diff_then_applied_from_its_commit() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    selected: list[tuple[str, dict[str, str]]] = []
    applier, lines = applier_with_fake(calls, selected)
    result = applier.apply("green", commit="abc123", message="promote green 2/6")
    assert selected == [("green", {APPLIED_COMMIT_ENV: "abc123"})]
    assert calls == [
        ("preview", {"message": "promote green 2/6", "diff": True}),
        ("up", {"message": "promote green 2/6", "diff": True}),
    ]
    assert result.planned_changes == {"update": 1, "same": 21}
    assert result.outputs == {"trafficWeight": 1, "appliedCommit": "abc123"}
    assert lines == ["~ kubernetes:networking.k8s.io/v1:Ingress traffic-app update [diff: ~metadata]"]


def test_a_rollback_goes_straight_to_up() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    applier, _ = applier_with_fake(calls, [])
    applier.apply("green", commit="def456", message="rollback green 1/1", preview=False)
    assert [name for name, _ in calls] == ["up"]


def test_outputs_are_read_as_plain_values() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    applier, _ = applier_with_fake(calls, [])
    assert applier.outputs("blue") == {"trafficWeight": 1}
