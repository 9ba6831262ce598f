"""The data of a ConfigMap or generic Secret from the command line, as kubectl builds it: `--from-literal
k=v`, `--from-file [key=]path` (a directory: each regular file), `--from-env-file path`.

Reading the named files is the only I/O; every mistake is a CliError naming the source (and line).
"""
from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, field

from cli.errors import CliError

KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


@dataclass
class Data:
    """Keys to text (`data`) and keys to bytes that are not UTF-8 (`binaryData`, ConfigMaps only)."""

    kind: str  # "ConfigMap" or "Secret", for the messages
    name: str
    text: dict[str, str] = field(default_factory=dict)
    binary: dict[str, bytes] = field(default_factory=dict)

    def add(self, key: str, value: bytes | str) -> None:
        if not KEY.match(key) or key in (".", ".."):
            raise CliError(f'"{key}" is not a valid key name for a {self.kind}: a valid config key must consist '
                           f"of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
                           f"'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
        if key in self.text or key in self.binary:
            raise CliError(f'cannot add key "{key}", another key by that name already exists in Data for '
                           f'{self.kind} "{self.name}"')
        if isinstance(value, str):
            self.text[key] = value
            return
        try:
            self.text[key] = value.decode("utf-8")
        except UnicodeDecodeError:
            self.binary[key] = value

    def secret_data(self) -> dict[str, str]:
        """Every key as base64, as a Secret's `data` is written."""
        out = {k: base64.b64encode(v.encode()).decode() for k, v in self.text.items()}
        out.update({k: base64.b64encode(v).decode() for k, v in self.binary.items()})
        return out

    def config_map_fields(self) -> dict:
        fields: dict = {}
        if self.text:
            fields["data"] = dict(self.text)
        if self.binary:
            fields["binaryData"] = {k: base64.b64encode(v).decode() for k, v in self.binary.items()}
        return fields


def from_literals(data: Data, literals: list[str]) -> None:
    for literal in literals:
        key, sep, value = literal.partition("=")
        if not sep or not key:
            raise CliError(f"invalid literal source {literal}, expected key=value")
        data.add(key, value)


def from_files(data: Data, sources: list[str]) -> None:
    for source in sources:
        key, sep, path = source.partition("=")
        if not sep:
            key, path = "", source
        elif not key:
            raise CliError(f"key names or file paths cannot be empty: {source}")
        if os.path.isdir(path):
            if key:
                raise CliError(f"cannot give a key name for a directory path: {source}")
            for entry in sorted(os.scandir(path), key=lambda e: e.name):
                if entry.is_file():  # as kubectl: subdirectories, devices and the like are skipped
                    data.add(entry.name, _read(entry.path))
            continue
        data.add(key or os.path.basename(path), _read(path))


def from_env_files(data: Data, paths: list[str], environ: dict[str, str] | None = None) -> None:
    """KEY=VALUE lines; blank lines and `#` comments skipped; a bare KEY takes its value from the environment."""
    environ = os.environ if environ is None else environ
    for path in paths:
        text = _read(path).decode("utf-8", errors="replace")
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.lstrip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not key:
                raise CliError(f'{path}, line {number}: "{raw}" is not a valid key name: it must not be empty')
            if not sep:
                value = environ.get(key, "")
            if not re.match(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$", key):
                raise CliError(f'{path}, line {number}: "{key}" is not a valid environment variable name')
            data.add(key, value)


def docker_config(server: str, username: str, password: str, email: str = "") -> str:
    """The `.dockerconfigjson` of `skiff create secret docker-registry`, as kubectl writes it."""
    entry = {"username": username, "password": password}
    if email:
        entry["email"] = email
    entry["auth"] = base64.b64encode(f"{username}:{password}".encode()).decode()
    return json.dumps({"auths": {server: entry}}, separators=(",", ":"))


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise CliError(f"error reading {path}: {e.strerror.lower() if e.strerror else e}") from None
