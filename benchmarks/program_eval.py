"""Benchmark: evaluating the program under mocks for one stack vs merely importing the SDK modules it uses.

Each measurement runs in a fresh interpreter (cold imports, bytecode from the venv); the two kinds
alternate, and their medians (and fastest runs) are compared. The ratio says how much the program
itself adds on top of loading the SDKs.

    .venv/bin/python benchmarks/program_eval.py [--stack blue] [--repeat 9]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

PRELUDE = f"""
import sys, time
sys.path.insert(0, {str(PROJECT_DIR)!r})
from pathlib import Path
from bluegreen import mock_engine as engine
from bluegreen.stackfiles import load_stack_config
"""

# Sets the same mocks as an evaluation, then times the import of the given modules only.
IMPORT_ONLY = (
    PRELUDE
    + """
import pulumi
modules = {modules!r}
mocks = engine.FakeCloud({{}}, engine.Scenario())
pulumi.runtime.set_mocks(mocks, project="eks-bluegreen", stack="bench", preview=True)
start = time.perf_counter()
for name in modules:
    engine._load_through_attributes(name)
print(time.perf_counter() - start)
"""
)

# Times one whole evaluation: the program's own imports, its resources, the mocked engine round trips.
EVALUATE = (
    PRELUDE
    + """
import json
config = load_stack_config(Path({project!r}) / "Pulumi.{stack}.yaml")
start = time.perf_counter()
before = set(sys.modules)
result = engine._run(config, {stack!r}, Path({project!r}), engine.Scenario())
elapsed = time.perf_counter() - start
assert result.error is None, result.error
loaded = sorted(m for m in set(sys.modules) - before if m.startswith(("pulumi", "components")))
print(json.dumps({{"seconds": elapsed, "modules": loaded, "resources": len(result.resources)}}))
"""
)


def child(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="blue")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    # One evaluation first, to learn which modules the program loads.
    first = json.loads(child(EVALUATE.format(project=str(PROJECT_DIR), stack=args.stack)))
    sdk_modules = [m for m in first["modules"] if not m.startswith("components")]
    resources = first["resources"]
    # Then both measurements in alternation, so that a busy moment of the machine hits both alike.
    evaluate, imports = [], []
    for _ in range(args.repeat):
        evaluate.append(json.loads(child(EVALUATE.format(project=str(PROJECT_DIR), stack=args.stack)))["seconds"])
        imports.append(float(child(IMPORT_ONLY.format(modules=sdk_modules))))

    evaluate_median, import_median = statistics.median(evaluate), statistics.median(imports)

    def runs(times: list[float]) -> str:
        return ", ".join(f"{t:.3f}" for t in times)

    print(f"stack {args.stack}: {resources} resources, {len(sdk_modules)} SDK modules, {args.repeat} runs each")
    print(f"evaluate program under mocks: median {evaluate_median:.3f} s  (runs: {runs(evaluate)})")
    print(f"import the same SDK modules:  median {import_median:.3f} s  (runs: {runs(imports)})")
    print(
        f"ratio evaluate / import: {evaluate_median / import_median:.2f}x (medians), "
        f"{min(evaluate) / min(imports):.2f}x (fastest runs)"
    )


if __name__ == "__main__":
    main()
