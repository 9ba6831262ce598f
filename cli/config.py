"""Where the CLI finds the API server and who it is there: a kubeconfig, `--server` overriding its address.

The file is `~/.skiff/config`, or the one `SKIFF_CONFIG` names (kubeconfig form, read by api.kubeconfig).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from api import kubeconfig
from cli import config_cache
from cli.errors import CliError

if TYPE_CHECKING:
    from api.credentials import Credentials

DEFAULT_PATH = "~/.skiff/config"
DEFAULT_SERVER = "127.0.0.1:6443"  # api.client.DEFAULT_SERVER, without importing grpc
ENV_PATH = "SKIFF_CONFIG"


class Config(NamedTuple):
    server: str = DEFAULT_SERVER
    namespace: str = "default"
    # None when there is no config file: commands that need no server still run.
    credentials: "Credentials | None" = None
    path: str = ""
    # Why the default config file could not be used; reported only by commands that need the server.
    error: str = ""
    rest_server: str = ""  # the same server's Kubernetes REST address, when the config names it
    cache_dir: str = ""  # cli.config_cache's directory, "" when there is none


def config_path(environ: dict | None = None) -> str:
    environ = os.environ if environ is None else environ
    if environ.get(ENV_PATH):
        return os.path.expanduser(environ[ENV_PATH])
    home = environ.get("HOME")
    return os.path.join(home, ".skiff", "config") if home else os.path.expanduser(DEFAULT_PATH)


def load(server_flag: str | None = None, environ: dict | None = None) -> Config:
    """The effective config; a missing default file is fine, a missing SKIFF_CONFIG file is not."""
    environ = os.environ if environ is None else environ
    path = config_path(environ)
    if not os.path.exists(path) and not environ.get(ENV_PATH):
        return Config(server=server_flag or DEFAULT_SERVER, path=path)
    cache_dir = config_cache.cache_dir(environ)
    try:
        data = config_cache.read(path, cache_dir)  # config_path expanded `~`
        conn = kubeconfig.connection(data, path, server=server_flag)
    except kubeconfig.KubeconfigError as e:
        message = str(e)
        if environ.get(ENV_PATH):
            if "does not exist" in message:
                message += f" (from ${ENV_PATH})"
            raise CliError(message) from None
        return Config(server=server_flag or DEFAULT_SERVER, path=path, error=message)
    # --server names another API server, whose REST address the file cannot know
    rest = "" if server_flag else conn.rest_server
    return Config(conn.server, conn.namespace, conn.credentials, path, rest_server=rest, cache_dir=cache_dir or "")
