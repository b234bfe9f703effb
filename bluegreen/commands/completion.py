"""`bluegreen completion bash|zsh`: print a shell completion script generated from the command's own parser.

The script is static (shtab writes it from the argparse parser), so pressing TAB never starts Python:
subcommands, options and choices such as colours come from the parser; stack names are read from the
Pulumi.<stack>.yaml files in the current folder by a small shell function. Install it once per shell:
bash `source <(bluegreen completion bash)`, zsh `eval "$(bluegreen completion zsh)"` after compinit, or the zsh
script saved as `_bluegreen` in a folder of $fpath (README, "Shell completion"). Not `source` in zsh: shtab's
script registers itself with compdef only when evaluated, and when sourced it calls the completer outside
completion ("_arguments: can only be called from completion function"; seen with zsh 5.9).
"""

from __future__ import annotations

import argparse

from bluegreen.exits import ExitStatus

HELP = (
    'Print a completion script: bash `source <(bluegreen completion bash)`, zsh `eval "$(bluegreen completion zsh)"`.'
)
SHELLS = ("bash", "zsh")

# Completes a stack name from the Pulumi.<stack>.yaml files of the current folder; the plan command's
# STACK argument names it (see `stack_completion`).
STACK_FUNCTION = "_bluegreen_stacks"
PREAMBLES = {
    "bash": f"""
# $1: the word being completed
{STACK_FUNCTION}() {{
  local file stacks=()
  for file in Pulumi.*.yaml; do
    [ -e "$file" ] && stacks+=("${{file#Pulumi.}}")
  done
  compgen -W "${{stacks[*]%.yaml}}" -- "$1"
}}
""",
    "zsh": f"""
{STACK_FUNCTION}() {{
  local -a stacks
  stacks=(Pulumi.*.yaml(N))
  stacks=(${{${{stacks#Pulumi.}}%.yaml}})
  compadd -a stacks
}}
""",
}


def stack_completion(action: argparse.Action) -> None:
    """Mark a positional argument as a stack name for the completion script (shtab reads `.complete`)."""
    action.complete = {shell: STACK_FUNCTION for shell in SHELLS}  # type: ignore[attr-defined]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell to print the script for")


def run(args: argparse.Namespace) -> ExitStatus:
    import shtab

    from bluegreen.cli import build_parser

    print(shtab.complete(build_parser(), shell=args.shell, preamble=PREAMBLES[args.shell]), end="")
    return ExitStatus.OK
