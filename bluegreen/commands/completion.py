"""`bluegreen completion bash|zsh`: print a shell completion script generated from the command's own parser.

The script is static (shtab writes it from the argparse parser), so pressing TAB never starts Python:
subcommands, options and choices such as colours come from the parser; stack names are read from the
Pulumi.<stack>.yaml files of the project folder (the line's --project-dir, else found upward from the current
folder as the command finds it) by a small shell function, one per shell (PREAMBLES). Install it once per shell:
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

# Completes a stack name (the plan command's STACK argument names it, see `stack_completion`) from the
# Pulumi.<stack>.yaml files of the folder the command will read: the --project-dir given on the line being
# completed, before or after the subcommand (the last one, as argparse takes it), else the nearest folder upward
# from the current one that holds Pulumi.yaml (the rule of cli.find_project_dir), else none.
STACK_FUNCTION = "_bluegreen_stacks"
PREAMBLES = {
    # COMP_WORDS holds each word as typed, quotes and all, and splits `--project-dir=DIR` into three words
    # (`=` is in COMP_WORDBREAKS). The word is unquoted and its ~ expanded by eval'ing an assignment, but only
    # when it holds no expansion, command or operator, the check bash-completion's _comp_dequote makes
    # (bash_completion, _comp_dequote__initialize); any other word is taken as it is.
    "bash": r"""
# $1: the word being completed
_bluegreen_stacks() {
  local i word dir= file stacks=()
  local safe='^([^[:space:]'\''"$`;&|<>()!\\]|\\.|'\''[^'\'']*'\''|"([^"$`!\\]|\\.)*")+$'
  for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
    [[ ${COMP_WORDS[i]} == --project-dir ]] || continue
    word=${COMP_WORDS[i + 1]-}
    [[ $word == = ]] && word=${COMP_WORDS[i + 2]-}
    dir=$word
  done
  if [[ -n $dir ]]; then
    [[ $dir =~ $safe ]] && eval "dir=$dir"
  else
    dir=$(pwd -P)
    while [[ ! -f $dir/Pulumi.yaml ]]; do
      [[ -n $dir ]] || return 0
      dir=${dir%/*}
    done
  fi
  for file in "$dir"/Pulumi.*.yaml; do
    [[ -e $file ]] && file=${file##*/} && stacks+=("${file#Pulumi.}")
  done
  compgen -W "${stacks[*]%.yaml}" -- "$1"
}
""",
    # $words is no help here: _arguments has taken the options and everything up to the subcommand off it,
    # so the words of this command are read from the line itself, ${(z)BUFFER} (split as the shell would,
    # quotes kept; (Q) removes them). ~ and ~/… are expanded by hand: a parameter's value never is.
    "zsh": r"""
_bluegreen_stacks() {
  local -a line_words=(${(z)BUFFER}) stacks
  local -i i cursor=${#${(z)LBUFFER}}
  local dir=
  for (( i = 1; i <= $#line_words; i++ )); do
    case $line_words[i] in
      ';'|'&&'|'||'|'|'|'|&'|'&') (( i < cursor )) || break; dir= ;;
      --project-dir) dir=${(Q)line_words[i + 1]} ;;
      --project-dir=*) dir=${(Q)line_words[i]#*=} ;;
    esac
  done
  if [[ -n $dir ]]; then
    [[ $dir == '~' || $dir == '~/'* ]] && dir=$HOME${dir#\~}
  else
    dir=${PWD:A}
    until [[ -f $dir/Pulumi.yaml ]]; do
      [[ $dir == / ]] && return 1
      dir=${dir:h}
    done
  fi
  stacks=($dir/Pulumi.*.yaml(N:t))
  stacks=(${${stacks#Pulumi.}%.yaml})
  compadd -a stacks
}
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
