"""How `promote` applies one stack after a weight commit: the interface, and the Pulumi Automation API behind it.

`promote` edits and commits a stack file itself, then asks an `Applier` to make the stack match it. The
real one drives the Pulumi CLI through `pulumi.automation` (select the stack, preview with a diff, up);
the simulation and the tests use a fake (bluegreen/promotion/simulation.py). The Automation API needs the
CLI on PATH at run time (`LocalWorkspace` runs `pulumi version` when it is built), which this machine
does not have: `AutomationStack` below is checked by pyright against the installed SDK's `Stack`, and
the wiring is tested with a fake stack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

# The variable through which the program records the commit an update applies, as the deploy workflow
# sets it (docs/ci.md, "Deploying from what was applied").
from bluegreen.deploy_order import APPLIED_COMMIT_ENV

if TYPE_CHECKING:
    from pulumi.automation import OutputMap, PreviewResult, UpResult


@dataclass(frozen=True)
class ApplyResult:
    """What one apply did: the stack's outputs afterwards and, for a previewed apply, the planned changes."""

    stack: str
    outputs: Mapping[str, Any] = field(default_factory=dict)
    planned_changes: Mapping[str, int] = field(default_factory=dict)  # operation (same, update...) -> count


class Applier(Protocol):
    """Makes one stack match its stack file as committed (`commit`), and reads a stack's outputs."""

    def apply(self, stack: str, *, commit: str, message: str, preview: bool = True) -> ApplyResult: ...

    def outputs(self, stack: str) -> Mapping[str, Any]: ...


class AutomationStack(Protocol):
    """The part of `pulumi.automation.Stack` used here (argument names as in pulumi 3.272.0's `_stack.py`)."""

    def preview(
        self, *, message: str | None = None, diff: bool | None = None, on_output: Callable[[str], Any] | None = None
    ) -> PreviewResult: ...

    def up(
        self, *, message: str | None = None, diff: bool | None = None, on_output: Callable[[str], Any] | None = None
    ) -> UpResult: ...

    def outputs(self) -> OutputMap: ...


def select_local_stack(project_dir: Path, stack: str, env_vars: Mapping[str, str]) -> AutomationStack:
    """`pulumi stack select` in the project folder through a LocalWorkspace (which needs the CLI on PATH)."""
    from pulumi import automation

    options = automation.LocalWorkspaceOptions(env_vars=env_vars)
    return automation.select_stack(stack, work_dir=str(project_dir), opts=options)


class PulumiApplier:
    """Applies a stack with the Automation API: preview with a diff (skipped for a rollback), then up.

    `select(project_dir, stack, env_vars)` selects a stack; by default through a LocalWorkspace. A
    forward step is previewed first so the log shows exactly what the weight change does; a rollback goes
    straight to `up` (which also prints the diff) because every second counts. Errors are the Automation
    API's own (`CommandError`, `ConcurrentUpdateError` when a deploy holds the stack's lock,
    `StackNotFoundError`) and stop the promotion.
    """

    def __init__(
        self,
        project_dir: Path,
        on_output: Callable[[str], Any] = print,
        select: Callable[[Path, str, Mapping[str, str]], AutomationStack] = select_local_stack,
    ):
        self.project_dir = project_dir
        self.on_output = on_output
        self.select = select

    def apply(self, stack: str, *, commit: str, message: str, preview: bool = True) -> ApplyResult:
        selected = self.select(self.project_dir, stack, {APPLIED_COMMIT_ENV: commit})
        planned: dict[str, int] = {}
        if preview:
            result = selected.preview(message=message, diff=True, on_output=self.on_output)
            # Typed as OpType keys, but parsed from the event log's JSON as plain strings: take either.
            planned = {getattr(op, "value", op): count for op, count in result.change_summary.items()}
        up = selected.up(message=message, diff=True, on_output=self.on_output)
        return ApplyResult(stack, {name: output.value for name, output in up.outputs.items()}, planned)

    def outputs(self, stack: str) -> Mapping[str, Any]:
        selected = self.select(self.project_dir, stack, {})
        return {name: output.value for name, output in selected.outputs().items()}
