"""kubectl's JSONPath templates (`{.items[*].metadata.name}`, `{range .items[*]}...{end}`) over manifests.

The template syntax (literal text, `{"\\n"}`, `{range}`/`{end}`) is parsed here; each path is evaluated
by jsonpath-ng. Missing keys print nothing, as kubectl's default `--allow-missing-template-keys`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from cli.errors import CliError


@dataclass
class Text:
    text: str


@dataclass
class Path:
    path: str


@dataclass
class Range:
    path: str
    body: list = field(default_factory=list)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def parse_template(template: str) -> list:
    """The template as a tree of Text, Path and Range nodes; a malformed one is a CliError."""
    root: list = []
    stack = [root]
    i = 0
    while i < len(template):
        start = template.find("{", i)
        if start < 0:
            stack[-1].append(Text(template[i:]))
            break
        if start > i:
            stack[-1].append(Text(template[i:start]))
        end = _closing_brace(template, start)
        if end < 0:
            raise CliError(f"error parsing jsonpath {template}, unclosed action")
        action = template[start + 1:end].strip()
        i = end + 1
        if action.startswith("range "):
            node = Range(action[len("range "):].strip())
            stack[-1].append(node)
            stack.append(node.body)
        elif action == "end":
            if len(stack) == 1:
                raise CliError(f"error parsing jsonpath {template}, not in range, nothing to end")
            stack.pop()
        elif action.startswith('"') and action.endswith('"') and len(action) >= 2:
            stack[-1].append(Text(re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), action[1:-1])))
        elif action:
            stack[-1].append(Path(action))
    if len(stack) != 1:
        raise CliError(f"error parsing jsonpath {template}, unclosed range")
    return root


def _closing_brace(text: str, start: int) -> int:
    quoted = False
    depth = 0
    for j in range(start + 1, len(text)):
        c = text[j]
        if c == '"' and text[j - 1] != "\\":
            quoted = not quoted
        elif not quoted and c == "[":
            depth += 1
        elif not quoted and c == "]":
            depth -= 1
        elif not quoted and depth == 0 and c == "}":
            return j
    return -1


def to_jsonpath_ng(path: str) -> str:
    """kubectl's `.a.b\\.c[*]` (relative to the current object) as jsonpath-ng's `$.a."b.c"[*]`."""
    path = path.strip()
    if path in ("", "@", "$"):
        return "$"
    if path.startswith("@") or path.startswith("$"):
        path = path[1:]
    if not path.startswith("."):
        path = "." + path
    out = ["$"]
    i = 0
    while i < len(path):
        c = path[i]
        if c == "[":
            j = _bracket_end(path, i)
            out.append(path[i:j + 1])
            i = j + 1
        elif c == ".":
            if path.startswith("..", i):
                out.append("..")
                i += 2
            else:
                out.append(".")
                i += 1
            name, i = _segment(path, i)
            if name:
                out.append(name if re.fullmatch(r"[A-Za-z_][\w-]*|\*", name) else json.dumps(name))
        else:
            raise CliError(f"error parsing jsonpath {path}: unexpected {c!r}")
    return "".join(out).replace("$...", "$..")


def _bracket_end(path: str, i: int) -> int:
    depth = 0
    for j in range(i, len(path)):
        if path[j] == "[":
            depth += 1
        elif path[j] == "]":
            depth -= 1
            if depth == 0:
                return j
    raise CliError(f"error parsing jsonpath {path}: unclosed [")


def _segment(path: str, i: int) -> tuple[str, int]:
    name = []
    while i < len(path) and path[i] not in ".[":
        if path[i] == "\\" and i + 1 < len(path):
            name.append(path[i + 1])
            i += 2
            continue
        name.append(path[i])
        i += 1
    return "".join(name), i


_COMPILED: dict[str, object] = {}


def find(path: str, data) -> list:
    """Every value `path` selects in `data` (none when a key is missing)."""
    expression = to_jsonpath_ng(path)
    if expression == "$":
        return [data]
    compiled = _COMPILED.get(expression)
    if compiled is None:
        from jsonpath_ng.ext import parse  # only -o jsonpath pays for the parser
        try:
            compiled = parse(expression)
        except Exception as e:  # jsonpath-ng raises plain Exceptions for syntax errors
            raise CliError(f"error parsing jsonpath {{{path}}}: {e}") from None
        _COMPILED[expression] = compiled
    return [m.value for m in compiled.find(data)]


def text_of(value) -> str:
    """A value as kubectl prints it: strings raw, booleans lower-case, maps and lists as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    if value is None:
        return ""
    return str(value)


def execute(nodes: list, data) -> str:
    out = []
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, Path):
            out.append(" ".join(text_of(v) for v in find(node.path, data)))
        else:
            for item in _flatten_star(node.path, find(node.path, data)):
                out.append(execute(node.body, item))
    return "".join(out)


def _flatten_star(path: str, values: list) -> list:
    # `{range .items}` iterates the list itself, as `{range .items[*]}` does
    if len(values) == 1 and isinstance(values[0], list) and not path.rstrip().endswith("]"):
        return values[0]
    return values


def render(template: str, data) -> str:
    return execute(parse_template(template), data)
