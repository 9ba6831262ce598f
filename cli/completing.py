"""What TAB offers after `skiff ...`: verbs, sub-actions and flags from the parser itself, kinds, and object
names asked from the server. The bash, zsh and fish scripts all call `skiff __complete WORDS...`."""
from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from api import kinds

# verbs whose first word is a kind (or KIND/NAME) and whose later words are names of that kind
NAMING = {"get", "describe", "delete", "label", "annotate", "scale", "edit", "patch", "wait", "expose",
          "image", "env", "resources", "status", "history", "undo", "pause", "resume", "restart"}
POD_VERBS = {"logs", "exec", "port-forward", "attach", "cp", "debug"}
NODE_VERBS = {"cordon", "uncordon", "drain"}
VALUES = {"-o": ["json", "yaml", "wide", "name", "jsonpath=", "custom-columns="],
          "--output": ["json", "yaml", "wide", "name", "jsonpath=", "custom-columns="],
          "--dry-run": ["none", "client", "server"], "--type": ["strategic", "merge", "json"]}
_GLOBAL_VALUED = {"-s", "--server", "--request-timeout", "-n", "--namespace", "--as", "--as-group", "--as-uid"}

Names = Callable[[str, str], list[str]]  # (kind word, namespace) -> names from the server


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse has no public walk of subcommands
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return sorted(o for a in parser._actions for o in a.option_strings if o.startswith("--"))


def _valued(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions if a.nargs != 0 for o in a.option_strings}


def candidates(parser: argparse.ArgumentParser, words: list[str], names: Names) -> list[str]:
    """Completions for the last of `words` (the word being typed; "" for a new one)."""
    current = words[-1] if words else ""
    done = words[:-1]
    namespace = _namespace_of(done)
    if done and done[-1] in ("-n", "--namespace"):
        return _match(names("namespaces", ""), current)
    if done and done[-1] in VALUES:
        return _match(VALUES[done[-1]], current)
    path: list[str] = []
    positionals: list[str] = []
    node = parser
    skip = False
    for word in done:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = "=" not in word and word in (_valued(node) | _GLOBAL_VALUED)
            continue
        subs = _subparsers(node)
        if subs and not positionals and word in subs:
            node = subs[word]
            path.append(word)
        else:
            positionals.append(word)
    if current.startswith("-"):
        return _match(_flags(node), current)
    subs = _subparsers(node)
    if subs and not positionals:
        return _match(sorted(k for k in subs if not k.startswith("_")), current)
    return _match(_arguments(path, positionals, current, namespace, names), current)


def _arguments(path: list[str], positionals: list[str], current: str, namespace: str, names: Names) -> list[str]:
    verb = path[-1] if path else ""
    top = path[0] if path else ""
    if top == "completion":
        return ["bash", "zsh", "fish"]
    if top == "explain":
        return kind_words()
    if verb in POD_VERBS or top in POD_VERBS:
        if top == "cp":
            return [f"{n}:" for n in names("pods", namespace)] + _files(current)
        return names("pods", namespace)
    if top in NODE_VERBS:
        return names("nodes", "")
    if top == "taint":
        return ["nodes"] if not positionals else names("nodes", "")
    if verb in NAMING or top in NAMING:
        if "/" in current:
            kind_word = current.split("/", 1)[0]
            return [f"{kind_word}/{n}" for n in names(kind_word, namespace)]
        if not positionals:
            return kind_words()
        if "/" not in positionals[0]:
            return names(positionals[0].split(",")[0], namespace)
        return []
    return _files(current)


def kind_words() -> list[str]:
    return sorted({w for k in kinds.KINDS for w in (k.plural, k.singular, *k.short_names)} | {"all"})


def _namespace_of(words: list[str]) -> str:
    for i, word in enumerate(words[:-1]):
        if word in ("-n", "--namespace"):
            return words[i + 1]
    for word in words:
        if word.startswith("--namespace="):
            return word.split("=", 1)[1]
    return ""


def _files(current: str) -> list[str]:
    directory, _, prefix = current.rpartition("/")
    try:
        entries = os.listdir(directory or ".")
    except OSError:
        return []
    base = f"{directory}/" if directory else ""
    return sorted(base + e + ("/" if os.path.isdir(os.path.join(directory or ".", e)) else "")
                  for e in entries if e.startswith(prefix) and not e.startswith("."))


def _match(options: list[str], current: str) -> list[str]:
    return [o for o in options if o.startswith(current)]
