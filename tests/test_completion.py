"""Shell completion: the bash script is run by bash itself; the zsh script is checked for its parts (no zsh here)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from bluegreen import cli
from tests.conftest import PROJECT_DIR


def script(capsys: pytest.CaptureFixture[str], shell: str) -> str:
    assert cli.main(["completion", shell]) == 0
    return capsys.readouterr().out


def bash_completes(completion: str, line: str, cwd: Path) -> list[str]:
    """What bash offers for TAB at the end of `line`, with the completion script loaded."""
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    program = "\n".join(
        [
            completion,
            f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})",
            f"COMP_CWORD={len(words) - 1}",
            f"COMP_LINE={shlex.quote(line)}",
            f"COMP_POINT={len(line)}",
            "_shtab_bluegreen bluegreen",
            'printf "%s\\n" "${COMPREPLY[@]}"',
        ]
    )
    bash = shutil.which("bash")
    assert bash, "bash is needed to test its completion script"
    result = subprocess.run([bash, "--norc", "-c", program], cwd=cwd, capture_output=True, text=True, check=True)
    return sorted(word.strip() for word in result.stdout.splitlines() if word.strip())


@pytest.mark.parametrize(
    "line, offered",
    [
        ("bluegreen st", ["status"]),
        ("bluegreen shift ", ["blue", "green"]),
        ("bluegreen plan ", ["blue", "green"]),
        ("bluegreen plan g", ["green"]),
        ("bluegreen verify --w", ["--wait"]),
        ("bluegreen completion ", ["bash", "zsh"]),
    ],
)
def test_bash_completes_commands_options_colours_and_the_stacks_of_the_folder(
    capsys: pytest.CaptureFixture[str], line: str, offered: list[str]
) -> None:
    assert bash_completes(script(capsys, "bash"), line, PROJECT_DIR) == offered


def test_bash_offers_no_stack_where_there_is_no_stack_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert bash_completes(script(capsys, "bash"), "bluegreen plan ", tmp_path) == []


def test_the_zsh_script_registers_bluegreen_and_completes_stacks_from_the_folder(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = script(capsys, "zsh")
    assert text.startswith("#compdef bluegreen\n")
    assert "compdef _shtab_bluegreen -N bluegreen" in text
    assert "_bluegreen_stacks() {" in text and "stacks=(Pulumi.*.yaml(N))" in text
    for command in cli.COMMANDS:
        assert f"\n    {command}:" in text


def test_the_readme_evaluates_the_zsh_script_which_registers_itself_only_under_eval(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = script(capsys, "zsh")
    assert "if [[ $zsh_eval_context[-1] == eval ]]; then" in text  # sourced, it would call the completer at once
    readme = (PROJECT_DIR / "README.md").read_text()
    assert 'eval "$(.venv/bin/bluegreen completion zsh)"' in readme
    assert "source <(.venv/bin/bluegreen completion zsh)" not in readme
