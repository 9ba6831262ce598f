"""Where the CLI finds the API server: `--server`, else the config file, else 127.0.0.1:6443.

The config file is `~/.skiff/config` (YAML, `server: HOST:PORT`), or the file `SKIFF_CONFIG` names.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from cli.errors import CliError

DEFAULT_PATH = Path("~/.skiff/config")
ENV_PATH = "SKIFF_CONFIG"


@dataclass(frozen=True)
class Config:
    server: str = "127.0.0.1:6443"  # api.client.DEFAULT_SERVER, without importing grpc
    namespace: str = "default"


def config_path(environ: dict | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get(ENV_PATH) or DEFAULT_PATH).expanduser()


def load(server_flag: str | None = None, environ: dict | None = None) -> Config:
    """The effective config; a missing default file is fine, a missing SKIFF_CONFIG file is not."""
    environ = os.environ if environ is None else environ
    path = config_path(environ)
    data = _read(path, required=bool(environ.get(ENV_PATH)))
    server = server_flag or data.get("server") or Config.server
    namespace = data.get("namespace") or "default"
    return Config(server=str(server), namespace=str(namespace))


def _read(path: Path, required: bool) -> dict:
    try:
        text = path.read_text()
    except FileNotFoundError:
        if required:
            raise CliError(f"config file {path} (from ${ENV_PATH}) does not exist") from None
        return {}
    except OSError as e:
        raise CliError(f"cannot read config file {path}: {e.strerror}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise CliError(f"config file {path} is not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise CliError(f"config file {path}: expected a mapping like `server: HOST:PORT`")
    return data
