"""Reading `-f FILE|DIR|-`: multi-document YAML or JSON into typed objects, all or nothing.

Every document of every file is parsed and checked before a command sends anything, and each problem
names its file and line (syntax, duplicate keys) or document and field path (content). Unknown and
duplicate fields follow the field validation mode (`--validate`), as the server will judge them too.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml
from google.protobuf.message import Message

from api import kinds, manifest
from cli.errors import CliError

SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "STDIN"


class ManifestLoadError(CliError):
    """One or more documents could not be read; `problems` holds one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Document:
    obj: Message
    source: str  # the file, as the user named it
    warnings: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # the manifest as written (a manifest.Fields)

    @property
    def kind(self) -> kinds.Kind:
        return kinds.of(self.obj)


def load(paths: Iterable[str], recursive: bool = False, stdin: TextIO | None = None,
         validation: str = manifest.IGNORE) -> list[Document]:
    """Every object in the files, directories or `-` named; raises ManifestLoadError listing all problems.

    Under Strict an unknown or duplicate field is a problem; under Warn a duplicate key is a warning
    (unknown fields are the server's to warn about: it is sent the manifest as written).
    """
    problems: list[str] = []
    documents: list[Document] = []
    for name, text in _read_sources(paths, recursive, stdin, problems):
        for where, data in _parse(name, text, problems):
            try:
                obj, warnings = manifest.decode(data, where, validation)
            except manifest.ManifestError as e:
                if e.strict:
                    problems.append(f"{where}: strict decoding error: {', '.join(e.errors)}")
                else:
                    problems += [f"{where}: {error}" for error in e.errors]
                continue
            duplicates = [w for w in warnings if w.startswith("duplicate field")]
            documents.append(Document(obj, name, duplicates, data))
    if problems:
        raise ManifestLoadError(problems)
    if not documents:
        raise CliError(f"no objects found in {', '.join(paths)}")
    return documents


def warning_lines(documents: list[Document]) -> list[str]:
    """One line per warning the documents gave while read, naming the file."""
    return [f"Warning: {d.source}: {w}" for d in documents for w in d.warnings]


def place(documents: list[Document], namespace: str, explicit: bool) -> None:
    """Put namespaced objects without a namespace into `namespace`; refuse a conflicting `-n`."""
    for d in documents:
        metadata = d.data.get("metadata") if isinstance(d.data.get("metadata"), dict) else None
        if not d.kind.namespaced:
            d.obj.metadata.namespace = ""
            if metadata is not None:
                metadata.pop("namespace", None)
            continue
        given = d.obj.metadata.namespace
        if given and explicit and given != namespace:
            raise CliError(f'{d.source}: the namespace from the provided object "{given}" does not match '
                           f'the namespace "{namespace}". You must pass \'--namespace={given}\' to perform '
                           f'this operation.')
        if not given:
            d.obj.metadata.namespace = namespace
            if metadata is not None:
                metadata["namespace"] = namespace


# ---------------------------------------------------------------- reading

def _read_sources(paths, recursive: bool, stdin, problems: list[str]) -> list[tuple[str, str]]:
    sources: list[tuple[str, str]] = []
    for p in paths:
        if p == "-":
            sources.append((STDIN, (stdin or sys.stdin).read()))
            continue
        path = Path(p)
        if path.is_dir():
            files = sorted(f for f in (path.rglob("*") if recursive else path.iterdir())
                           if f.is_file() and f.suffix in SUFFIXES)
            if not files:
                problems.append(f"{p}: no .yaml, .yml or .json files in this directory")
        else:
            files = [path]
        for f in files:
            try:
                sources.append((str(f), f.read_text()))
            except FileNotFoundError:
                problems.append(f'the path "{f}" does not exist')
            except (OSError, UnicodeDecodeError) as e:
                problems.append(f"{f}: cannot read: {getattr(e, 'strerror', None) or e}")
    return sources


def _parse(name: str, text: str, problems: list[str]) -> list[tuple[str, Any]]:
    """(where, data) for each non-empty document; syntax errors name the line."""
    try:
        if name.endswith(".json") or text.lstrip().startswith(("{", "[")):
            loaded = manifest.parse_json(text)
            raw = loaded if isinstance(loaded, list) else [loaded]
        else:
            raw = list(yaml.load_all(text, Loader=_Loader))
    except json.JSONDecodeError as e:
        problems.append(f"{name}: line {e.lineno}: {e.msg}")
        return []
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f"line {mark.line + 1}: " if mark else ""
        problems.append(f"{name}: {line}{e.problem or e.context}")
        return []
    except yaml.YAMLError as e:
        problems.append(f"{name}: {e}")
        return []
    docs = [d for d in raw if d is not None]
    out: list[tuple[str, Any]] = []
    for i, data in enumerate(docs):
        where = name if len(docs) == 1 else f"{name} (document {i + 1})"
        if isinstance(data, dict) and data.get("kind") == "List" and isinstance(data.get("items"), list):
            out += [(f"{where} item {j}", item) for j, item in enumerate(data["items"])]
        else:
            out.append((where, data))
    return out


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, but mappings remember repeated keys and their lines (manifest.Fields)."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> manifest.Fields:
    loader.flatten_mapping(node)  # `<<: *anchor` merges, as the safe loader does
    out = manifest.Fields()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            if key in out:
                out.repeated.append((key, key_node.start_mark.line + 1))
        except TypeError:  # an unhashable key (a list): the safe loader's own error follows
            pass
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
