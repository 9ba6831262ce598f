"""`skiff completion bash|zsh|fish`: a shell completion script; the script asks `skiff __complete` for
verbs, sub-actions, flags, kinds and object names (from the server), so it never goes stale."""
from __future__ import annotations

import argparse

from cli.context import Context

HELP = "print a shell completion script (bash, zsh or fish)"
EXAMPLES = """examples:
  source <(skiff completion bash)                   in ~/.bashrc
  skiff completion zsh > "${fpath[1]}/_skiff"        for zsh
  skiff completion fish > ~/.config/fish/completions/skiff.fish
"""

BASH = r'''# skiff bash completion; load with: source <(skiff completion bash)
_skiff() {
    local IFS=$'\n'
    COMPREPLY=( $(skiff __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
    [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]] && compopt -o nospace 2>/dev/null
    [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *[:=] ]] && compopt -o nospace 2>/dev/null
}
complete -o default -F _skiff skiff
'''

ZSH = r'''#compdef skiff
# skiff zsh completion: skiff itself names the candidates
_skiff() {
    local -a candidates
    candidates=("${(@f)$(skiff __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    [[ -n "$candidates" ]] && compadd -S '' -Q -a candidates
}
compdef _skiff skiff
'''

FISH = r'''# skiff fish completion: skiff itself names the candidates
function __skiff_complete
    set -l words (commandline -opc) (commandline -ct)
    skiff __complete $words[2..-1] 2>/dev/null
end
complete -c skiff -f -a '(__skiff_complete)'
'''
SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("completion", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("shell", choices=sorted(SCRIPTS), help="the shell to complete in")
    p.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    ctx.stdout.write(SCRIPTS[args.shell])
    return 0


def complete(words: list[str], stdout, server: str | None = None) -> int:
    """`skiff __complete WORDS...`: one candidate per line; names come from the server, quickly or not at all."""
    from cli import completing
    from cli.main import build_parser

    def names(kind_word: str, namespace: str) -> list[str]:
        return _names(kind_word, namespace, server)
    for option in completing.candidates(build_parser(), words, names):
        print(option, file=stdout)
    return 0


def _names(kind_word: str, namespace: str, server: str | None) -> list[str]:
    import asyncio

    from api import kinds
    from api.client import Client
    from cli import config
    try:
        kind = kinds.lookup(kind_word)
        cfg = config.load(server)
    except Exception:  # completion never fails loudly: nothing to offer
        return []

    async def listed() -> list[str]:
        if cfg.credentials is None:
            return []
        async with Client(cfg.server, timeout=2, credentials=cfg.credentials) as client:
            where = (namespace or cfg.namespace) if kind.namespaced else ""
            return [o.metadata.name for o in (await client.list(kind, where)).items]
    try:
        return asyncio.run(listed())
    except Exception:
        return []
