"""The field paths and the error lines of validation, worded as Kubernetes words them
("spec.replicas: Invalid value: -1: must be greater than or equal to 0"), and small shared checks.
"""
from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf.message import Message

from api import manifest, names


class Path:
    """A field path in manifest form: `spec.containers[0].resources.limits[cpu]`."""

    def __init__(self, text: str = ""):
        self.text = text

    def child(self, *fields: str) -> Path:
        return Path(".".join([self.text, *fields] if self.text else fields))

    def index(self, i: int) -> Path:
        return Path(f"{self.text}[{i}]")

    key = index  # map keys print as indexes do: limits[cpu]

    def __str__(self) -> str:
        return self.text


# A value longer than this is cut in error lines, as Kubernetes cuts it, so that an error about a 20 KB
# label still fits one gRPC status and names the field.
MAX_SHOWN_VALUE = 256


def show(value: Any) -> str:
    """A value as Kubernetes prints it in an error: strings quoted, numbers bare, maps as JSON; long ones cut."""
    text = _show(value)
    if len(text) <= MAX_SHOWN_VALUE:
        return text
    return f"{text[:MAX_SHOWN_VALUE]}...(truncated {len(text) - MAX_SHOWN_VALUE} characters)"


def _show(value: Any) -> str:
    if isinstance(value, Message):
        value = manifest.to_dict(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Mapping):
        value = dict(value)
    elif isinstance(value, Iterable) and not isinstance(value, str):
        value = list(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def required(path: Path, detail: str = "") -> str:
    return f"{path}: Required value" + (f": {detail}" if detail else "")


def invalid(path: Path, value: Any, detail: str) -> str:
    return f"{path}: Invalid value: {show(value)}: {detail}"


def duplicate(path: Path, value: Any, detail: str = "") -> str:
    return f"{path}: Duplicate value: {show(value)}" + (f": {detail}" if detail else "")


def not_supported(path: Path, value: Any, supported: Iterable[str]) -> str:
    listed = ", ".join(f'"{s}"' for s in supported)
    return f"{path}: Unsupported value: {show(value)}: supported values: {listed}"


def forbidden(path: Path, detail: str) -> str:
    return f"{path}: Forbidden: {detail}"


def not_found(path: Path, value: Any) -> str:
    return f"{path}: Not found: {show(value)}"


def too_long(path: Path, limit: int) -> str:
    return f"{path}: Too long: may not be more than {limit} bytes"


def each(messages: list[str], path: Path, value: Any) -> list[str]:
    """One Invalid line per message of an api.names check."""
    return [invalid(path, value, m) for m in messages]


def one_of(value: str, path: Path, supported: tuple[str, ...]) -> list[str]:
    if not value:
        return [required(path)]
    return [] if value in supported else [not_supported(path, value, supported)]


def at_least(value: int, minimum: int, path: Path) -> list[str]:
    return [] if value >= minimum else [invalid(path, value, f"must be greater than or equal to {minimum}")]


def is_ip(text: str, version: int | None = None) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return version is None or address.version == version


def ipv4(text: str, path: Path) -> list[str]:
    return [] if is_ip(text, 4) else [invalid(path, text, "must be a valid IPv4 address (e.g. 10.9.8.7)")]


def is_cidr(text: str) -> bool:
    # ip_network would also read a bare address as a /32; a CIDR says its prefix. Host bits may be set
    # ("10.1.2.3/8"), as Kubernetes' sloppy parse allows.
    try:
        return "/" in text and ipaddress.ip_network(text, strict=False) is not None
    except ValueError:
        return False


def cidr(text: str, path: Path) -> list[str]:
    return [] if is_cidr(text) else [invalid(path, text, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")]


def unique_label(name: str, path: Path, seen: set[str]) -> list[str]:
    """A DNS label that no earlier item of its list has (container, volume and Service port names)."""
    errors = each(names.dns1123_label(name), path, name)
    if name in seen:
        errors.append(duplicate(path, name))
    seen.add(name)
    return errors


def manifest_name(msg: Message, field: str) -> str:
    """A proto field's name as manifests spell it: `empty_dir` is `emptyDir`."""
    return msg.DESCRIPTOR.fields_by_name[field].json_name
