"""Shell completion: the bash script is run by bash itself; the zsh script is checked for its parts (zsh may be
missing where the suite runs; the README says what was tried in zsh by hand)."""

from __future__ import annotations

import os
import re
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


def typed_words(line: str) -> list[str]:
    """The words of `line` as bash hands them to a completion function in COMP_WORDS: as typed, quotes and
    backslashes kept, split at blanks outside quotes and around `=`, which is in COMP_WORDBREAKS (what bash 5.2
    gave in a pseudo-terminal for `--project-dir=~/a\\ b`, `'/a b'` and `"/a b"`)."""
    words = re.findall(r"""=|(?:[^\s'"\\=]|\\.|'[^']*'|"(?:[^"\\]|\\.)*")+""", line)
    return words + ([""] if line.endswith(" ") else [])


def bash_completes(completion: str, line: str, cwd: Path, home: Path | None = None) -> list[str]:
    """What bash offers for TAB at the end of `line`, with the completion script loaded."""
    words = typed_words(line)
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
    env = {**os.environ, "HOME": str(home)} if home else None
    result = subprocess.run(
        [bash, "--norc", "-c", program], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
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


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with other stacks than this one's, in a folder with a space in its name, under a home folder."""
    folder = tmp_path / "home" / "my project"
    (folder / "components" / "deep").mkdir(parents=True)
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.staging.yaml"):
        (folder / name).write_text("name: eks-bluegreen\n")
    (tmp_path / "elsewhere").mkdir()
    return folder


def test_bash_completes_the_stacks_of_the_project_from_any_folder_inside_it(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    completion = script(capsys, "bash")
    assert bash_completes(completion, "bluegreen plan ", project / "components") == ["prod", "staging"]
    assert bash_completes(completion, "bluegreen plan s", project / "components" / "deep") == ["staging"]
    assert bash_completes(script(capsys, "bash"), "bluegreen plan ", PROJECT_DIR / "components") == ["blue", "green"]


@pytest.mark.parametrize(
    "line",
    [
        "bluegreen --project-dir '{project}' plan ",
        'bluegreen plan --project-dir "{project}" ',
        "bluegreen --project-dir={escaped} plan ",
        "bluegreen --project-dir ~/'my project' plan ",
        "bluegreen plan --project-dir ~/my\\ project --json ",
        "bluegreen --project-dir '{other}' plan --project-dir '{project}' ",
    ],
)
def test_bash_completes_the_stacks_of_the_project_dir_given_before_or_after_the_subcommand(
    capsys: pytest.CaptureFixture[str], project: Path, line: str
) -> None:
    """From a folder outside any project: quoted, escaped, with ~, and the last one given wins, as in argparse."""
    elsewhere = project.parent.parent / "elsewhere"
    typed = line.format(project=project, escaped=str(project).replace(" ", "\\ "), other=PROJECT_DIR)
    assert bash_completes(script(capsys, "bash"), typed, elsewhere, home=project.parent) == ["prod", "staging"]


def test_bash_offers_no_stack_outside_a_project_or_for_a_project_dir_without_stack_files(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    completion = script(capsys, "bash")
    elsewhere = project.parent.parent / "elsewhere"
    assert bash_completes(completion, "bluegreen plan ", elsewhere) == []
    assert bash_completes(completion, f"bluegreen --project-dir {elsewhere} plan ", project) == []


def test_bash_never_runs_what_a_project_dir_word_would_expand_to(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    marker = project.parent.parent / "ran"
    line = f'bluegreen --project-dir "$(touch {marker})" plan '
    assert bash_completes(script(capsys, "bash"), line, project) == []
    assert not marker.exists()


def test_the_zsh_script_registers_bluegreen_and_completes_stacks_from_the_project(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = script(capsys, "zsh")
    assert text.startswith("#compdef bluegreen\n")
    assert "compdef _shtab_bluegreen -N bluegreen" in text
    assert ':_bluegreen_stacks"\n' in text and "_bluegreen_stacks() {" in text
    # the line itself, since _arguments takes the words before the subcommand off $words; then upward
    assert "line_words=(${(z)BUFFER})" in text and "--project-dir) dir=${(Q)line_words[i + 1]} ;;" in text
    assert "until [[ -f $dir/Pulumi.yaml ]]; do" in text and "stacks=($dir/Pulumi.*.yaml(N:t))" in text
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


def test_bash_after_the_subcommand_takes_project_dir_with_a_space_not_with_equals(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """What the README says of the `=` form after the subcommand: shtab counts the value as STACK."""
    completion = script(capsys, "bash")
    assert bash_completes(completion, f"bluegreen plan --project-dir {PROJECT_DIR} ", tmp_path) == ["blue", "green"]
    assert bash_completes(completion, f"bluegreen plan --project-dir={PROJECT_DIR} ", tmp_path) == []
