"""`skiff completion bash|zsh`: a shell completion script for verbs, flags, kinds and object names.

The script is generated from the parser itself, so a new verb or flag completes without edits here.
"""
from __future__ import annotations

import argparse

from api import kinds
from cli.context import Context

HELP = "print a shell completion script (bash or zsh)"
EXAMPLES = """examples:
  source <(skiff completion bash)               in ~/.bashrc
  skiff completion zsh > "${fpath[1]}/_skiff"    for zsh
"""
# verbs whose second word is a kind and whose later words are names of that kind
_NAMING_VERBS = ("get", "describe", "delete", "scale", "label", "annotate")


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("completion", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")
    p.set_defaults(handler=run)


def verbs_and_flags(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    for action in parser._actions:  # argparse offers no public way to walk subcommands
        if isinstance(action, argparse._SubParsersAction):
            return {name: sorted(o for a in sub._actions for o in a.option_strings)
                    for name, sub in action.choices.items()}
    return {}


def bash_script(parser: argparse.ArgumentParser) -> str:
    table = verbs_and_flags(parser)
    kind_words = sorted({w for k in kinds.KINDS for w in (k.plural, k.singular, *k.short_names)})
    cases = "\n".join(f'        {verb}) flags="{" ".join(opts)}" ;;' for verb, opts in table.items())
    return f'''# skiff bash completion; load with: source <(skiff completion bash)
_skiff() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}"
    local verbs="{" ".join(table)}"
    local kinds="{" ".join(kind_words)}"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=( $(compgen -W "$verbs" -- "$cur") )
        return
    fi
    local verb="${{COMP_WORDS[1]}}" flags=""
    case "$verb" in
{cases}
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
        return
    fi
    case "$verb" in
        {"|".join(_NAMING_VERBS)})
            if [ "$COMP_CWORD" -eq 2 ]; then
                COMPREPLY=( $(compgen -W "$kinds" -- "$cur") )
            else
                local names
                names=$(skiff get "${{COMP_WORDS[2]}}" -o name 2>/dev/null | sed 's|.*/||')
                COMPREPLY=( $(compgen -W "$names" -- "$cur") )
            fi ;;
        completion) COMPREPLY=( $(compgen -W "bash zsh" -- "$cur") ) ;;
        *) COMPREPLY=( $(compgen -f -- "$cur") ) ;;
    esac
}}
complete -o default -F _skiff skiff
'''


def zsh_script(parser: argparse.ArgumentParser) -> str:
    return ("#compdef skiff\n# skiff zsh completion: the bash one, through zsh's bashcompinit\n"
            "autoload -U +X bashcompinit && bashcompinit\n" + bash_script(parser))


def run(ctx: Context, args: argparse.Namespace) -> int:
    from cli.main import build_parser
    parser = build_parser()  # every verb, not only this one
    script = bash_script(parser) if args.shell == "bash" else zsh_script(parser)
    ctx.stdout.write(script)
    return 0
