"""Where the CLI finds the API server and who it is there: a kubeconfig, `--server` overriding its address.

The file is `~/.skiff/config`, or the one `SKIFF_CONFIG` names (kubeconfig form, read by api.kubeconfig).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from api import kubeconfig
from cli import config_cache
from cli.errors import CliError

if TYPE_CHECKING:
    from api.credentials import Credentials

DEFAULT_PATH = Path("~/.skiff/config")
ENV_PATH = "SKIFF_CONFIG"


@dataclass(frozen=True)
class Config:
    server: str = "127.0.0.1:6443"  # api.client.DEFAULT_SERVER, without importing grpc
    namespace: str = "default"
    # None when there is no config file: commands that need no server still run.
    credentials: "Credentials | None" = None
    path: str = ""
    # Why the default config file could not be used; reported only by commands that need the server.
    error: str = ""


def config_path(environ: dict | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get(ENV_PATH):
        return Path(environ[ENV_PATH]).expanduser()
    home = environ.get("HOME")
    return Path(home) / ".skiff" / "config" if home else DEFAULT_PATH.expanduser()


def load(server_flag: str | None = None, environ: dict | None = None) -> Config:
    """The effective config; a missing default file is fine, a missing SKIFF_CONFIG file is not."""
    environ = os.environ if environ is None else environ
    path = config_path(environ)
    if not path.exists() and not environ.get(ENV_PATH):
        return Config(server=server_flag or Config.server, path=str(path))
    try:
        data = config_cache.read(path, config_cache.cache_dir(environ))  # config_path expanded `~`
        conn = kubeconfig.connection(data, path, server=server_flag)
    except kubeconfig.KubeconfigError as e:
        message = str(e)
        if environ.get(ENV_PATH):
            if "does not exist" in message:
                message += f" (from ${ENV_PATH})"
            raise CliError(message) from None
        return Config(server=server_flag or Config.server, path=str(path), error=message)
    return Config(conn.server, conn.namespace, conn.credentials, str(path))
