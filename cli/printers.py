"""Output of `get` and of every writing verb's `-o`: kubectl-style tables, manifests as JSON or YAML,
`kind/name` lines, JSONPath templates and custom columns.

Pure functions from objects (and an injected "now") to text, so every format has a golden test.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from google.protobuf.message import Message

from api import kinds
from api.columns import NONE, columns_for
from cli.errors import CliError
# `-o` is parsed in cli.outputs and table text laid out in cli.tables (neither needs protobuf); the names
# stay importable from here, where every verb looks for its printers.
from cli.outputs import FORMATS, MACHINE, Output, output_format  # noqa: F401
from cli.resources import object_name
from cli.tables import GAP, label_header, labels_text, line, render_rows, widths_of  # noqa: F401


# ---------------------------------------------------------------- tables

class Table:
    """Rows of one kind; widths fixed by the first rendering so a watch's later lines stay aligned."""

    def __init__(self, kind_name: str, now: datetime, wide: bool = False, all_namespaces: bool = False,
                 with_kind: bool = False, show_labels: bool = False, label_columns: Sequence[str] = ()):
        self.kind_name = kind_name
        self.now = now
        self.wide = wide
        self.all_namespaces = all_namespaces
        self.with_kind = with_kind
        self.show_labels = show_labels
        self.label_columns = list(label_columns)
        self.widths: list[int] | None = None

    def headers(self) -> list[str]:
        cols = columns_for(self.kind_name)
        headers = list(cols.headers) + (list(cols.wide_headers) if self.wide else [])
        headers += [label_header(key) for key in self.label_columns]
        headers += ["LABELS"] if self.show_labels else []
        return (["NAMESPACE"] if self.all_namespaces else []) + headers

    def row(self, obj: Message) -> list[str]:
        cols = columns_for(self.kind_name)
        cells = cols.row(obj, self.now) + (cols.wide_row(obj) if self.wide else [])
        if self.with_kind and "NAME" in cols.headers:
            i = cols.headers.index("NAME")
            cells[i] = object_name(obj)
        labels = obj.metadata.labels
        cells += [labels.get(key, "") for key in self.label_columns]
        cells += [labels_text(labels)] if self.show_labels else []
        return ([obj.metadata.namespace] if self.all_namespaces else []) + cells

    def render(self, objs: Sequence[Message], header: bool = True) -> list[str]:
        rows = ([self.headers()] if header else []) + [self.row(o) for o in objs]
        if self.widths is None:
            self.widths = widths_of(rows)
        return [line(r, self.widths) for r in rows]


def render_table(objs: Sequence[Message], now: datetime, wide: bool = False, all_namespaces: bool = False,
                 with_kind: bool = False) -> list[str]:
    """The table of objects of one kind, header first."""
    kind_name = kinds.of(objs[0]).name if objs else ""
    return Table(kind_name, now, wide, all_namespaces, with_kind).render(objs)


# ---------------------------------------------------------------- custom columns

def parse_columns(spec: str) -> list[tuple[str, str]]:
    """`NAME:.metadata.name,IP:.status.podIP` as (header, path) pairs."""
    columns = []
    for part in spec.replace("\n", ",").split(","):
        if not part.strip():
            continue
        header, colon, path = part.strip().partition(":")
        if not colon or not header or not path:
            raise CliError(f"unexpected custom-columns spec: {part.strip()}, expected <header>:<json-path-expr>")
        columns.append((header, path.strip().removeprefix("{").removesuffix("}")))
    if not columns:
        raise CliError("custom-columns format specified but no custom columns given")
    return columns


def render_custom_columns(objs: Sequence[Message], spec: str, header: bool = True) -> list[str]:
    from cli import jsonpath
    columns = parse_columns(spec)
    rows = [[h for h, _ in columns]] if header else []
    for obj in objs:
        data = manifest_of(obj)
        row = []
        for _, path in columns:
            values = [v for v in jsonpath.find(path, data) if v is not None]
            row.append(",".join(jsonpath.text_of(v) for v in values) if values else NONE)
        rows.append(row)
    return render_rows(rows)


# ---------------------------------------------------------------- manifests

def manifest_of(obj: Message) -> dict:
    from api import manifest  # tables never need it: `skiff get`'s start-up stays short
    return manifest.to_dict(obj)


def as_list(objs: Sequence[Message]) -> dict:
    return {"apiVersion": "v1", "items": [manifest_of(o) for o in objs], "kind": "List",
            "metadata": {"resourceVersion": ""}}


def render_json(data: dict) -> str:
    import json  # as manifest_of: only the formats that need it pay for the import

    # keys sorted, as kubectl prints objects it read from the server
    return json.dumps(data, indent=4, ensure_ascii=False, sort_keys=True)


def render_yaml(data: dict) -> str:
    import yaml  # only the yaml output pays for it

    class KubectlDumper(yaml.SafeDumper):
        def choose_scalar_style(self):
            # kubectl (go-yaml) quotes with double quotes: `status: "True"`
            style = super().choose_scalar_style()
            return '"' if style == "'" else style

    # no folding of long values: a JSON annotation stays one line, as go-yaml leaves it
    return yaml.dump(data, Dumper=KubectlDumper, sort_keys=True, default_flow_style=False,
                     allow_unicode=True, width=1 << 30).rstrip("\n")


def sort_by(objs: Sequence[Message], path: str) -> list[Message]:
    """`--sort-by=.metadata.name` (or `{.metadata.name}`): numbers by value, text by text, missing first."""
    from cli import jsonpath
    path = path.strip().removeprefix("{").removesuffix("}")

    def key(obj):
        values = jsonpath.find(path, manifest_of(obj))
        if not values or values[0] is None:
            return (0, 0, "")
        v = values[0]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return (1, v, "")
        return (2, 0, jsonpath.text_of(v))
    return sorted(objs, key=key)


def render_objects(objs: Sequence[Message], output: str | Output, single: bool,
                   header: bool = True) -> list[str]:
    """Machine formats: one object as itself when one was named, else a List (empty too)."""
    out = output if isinstance(output, Output) else Output(output)
    if out.format == "name":
        return [object_name(o) for o in objs]
    if out.format == "custom-columns":
        return render_custom_columns(objs, out.template, header)
    data = manifest_of(objs[0]) if single and len(objs) == 1 else as_list(objs)
    if out.format == "jsonpath":
        from cli import jsonpath
        return [jsonpath.render(out.template, data)]
    return [render_json(data) if out.format == "json" else render_yaml(data)]


def render_one(obj: Message, output: str | Output) -> str:
    """One object of a watch stream in a machine format."""
    return "\n".join(render_objects([obj], output, single=True, header=False))
