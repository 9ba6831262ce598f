"""`skiff explain KIND[.FIELD...]`: the fields of a kind and their types, from the API's own schema
(api.schema, generated from the proto descriptors, the one source the REST API's OpenAPI comes from)."""
from __future__ import annotations

import argparse

from cli.context import Context
from cli.errors import CliError

HELP = "show the fields of a kind, or of one of its fields"
EXAMPLES = """examples:
  skiff explain pods
  skiff explain deploy.spec.strategy
  skiff explain pod.spec.containers --recursive
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("explain", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", metavar="KIND[.FIELD...]", help="a kind (plural, singular or short), then field names")
    p.add_argument("--recursive", action="store_true", help="every nested field, as an indented tree")
    p.add_argument("--api-version", default="", metavar="GROUP/VERSION", help="the API version (only one is served)")
    p.set_defaults(handler=run)


def type_name(field) -> str:
    """kubectl's `<[]Container>`, `<map[string]string>`, `<string>`, `<Object>` spelling of a field's type."""
    from google.protobuf.descriptor import FieldDescriptor
    if field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
        return f"map[string]{_scalar(field.message_type.fields_by_name['value'])}"
    single = _scalar(field)
    return f"[]{single}" if field.is_repeated else single


def _scalar(field) -> str:
    from google.protobuf.descriptor import FieldDescriptor
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return "IntOrString" if field.message_type.name == "IntOrString" else field.message_type.name
    if field.type == FieldDescriptor.TYPE_BOOL:
        return "boolean"
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return "number"
    if field.type in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES, FieldDescriptor.TYPE_ENUM):
        return "string"
    return "integer"


def explain_lines(kind, path: list[str], recursive: bool) -> list[str]:
    from api import schema
    descriptor, field = schema.lookup_field(kind, path)
    if path and field is None:
        raise CliError(f'field "{".".join(path)}" does not exist')
    lines = [f"GROUP:      {kind.api_version.rpartition('/')[0]}"] if "/" in kind.api_version else []
    lines += [f"KIND:       {kind.name}", f"VERSION:    {kind.api_version.rpartition('/')[2]}", ""]
    if field is not None:
        lines += [f"FIELD: {field.json_name} <{type_name(field)}>", ""]
    what = descriptor.name if descriptor is not None else type_name(field)
    lines += ["DESCRIPTION:", f"    {_description(kind, descriptor, what)}", ""]
    if descriptor is not None:
        lines.append("FIELDS:")
        lines += _fields(descriptor, 1, recursive, set())
    return lines


def _description(kind, descriptor, what: str) -> str:
    if descriptor is not None and descriptor.full_name == kind.message.DESCRIPTOR.full_name:
        scope = "namespaced" if kind.namespaced else "cluster-scoped"
        return f"{kind.name} ({kind.api_version}, {scope}), with the fields of Kubernetes' {kind.name}."
    return f"{what}, with the fields of Kubernetes' {what}."


def _fields(descriptor, depth: int, recursive: bool, seen: set[str]) -> list[str]:
    from api import schema
    out = []
    indent = "  " * depth
    for f in sorted(descriptor.fields, key=lambda f: f.json_name):
        out.append(f"{indent}{f.json_name}\t<{type_name(f)}>")
        nested = schema._element_message(f)
        if recursive and nested is not None and nested.full_name not in seen:
            out += _fields(nested, depth + 1, recursive, seen | {nested.full_name})
    return out


def run(ctx: Context, args: argparse.Namespace) -> int:
    from cli.resources import lookup_kind
    kind_word, *path = args.path.split(".")
    kind = lookup_kind(kind_word)
    if args.api_version and args.api_version != kind.api_version:
        raise CliError(f"{kind.name} is served as {kind.api_version}, not {args.api_version}")
    for line in explain_lines(kind, [p for p in path if p], args.recursive):
        ctx.out(line)
    return 0
