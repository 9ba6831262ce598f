"""What every command handler gets besides its arguments: the server, output streams, the clock.

Tests inject their own streams and "now"; handlers never touch sys.stdout or the wall clock directly.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from api import meta
from cli.config import Config

if TYPE_CHECKING:
    from api import errors
    from api.client import Client


class Context:
    """A plain class, not a dataclass: each dataclass costs every command about half a millisecond."""

    def __init__(self, config: Config, stdout: TextIO, stderr: TextIO, parser: argparse.ArgumentParser,
                 now: Callable[[], datetime] = meta.now, timeout: float = 30.0):
        self.config = config
        self.stdout = stdout
        self.stderr = stderr
        self.parser = parser
        self.now = now
        self.timeout = timeout
        self.failures = 0  # errors printed while the command went on with other objects
        self.server_warnings: set[str] = set()

    @property
    def server(self) -> str:
        return self.config.server

    def client(self) -> "Client":
        from api.client import Client  # grpc is imported only by verbs that talk to the server
        from cli.errors import CliError
        if self.config.error:
            raise CliError(self.config.error)
        if self.config.credentials is None:
            raise CliError(f"no credentials for the API server: {self.config.path} does not exist "
                           f"(`python -m deploy.lab up` and deploy/install.sh write it; or set $SKIFF_CONFIG)")
        return Client(self.server, timeout=self.timeout, on_warning=self.server_warning,
                      credentials=self.config.credentials)

    def server_warning(self, text: str) -> None:
        """A warning the API server sent, printed once however many calls (dry run, then real) repeat it."""
        if text not in self.server_warnings:
            self.server_warnings.add(text)
            self.warn(f"Warning: {text}")

    def namespace(self, args: argparse.Namespace) -> str:
        return getattr(args, "namespace", None) or self.config.namespace

    def out(self, line: str = "") -> None:
        print(line, file=self.stdout, flush=True)

    def warn(self, line: str) -> None:
        print(line, file=self.stderr, flush=True)

    def fail(self, line: str) -> None:
        """Report one failed object and carry on with the others; the exit code becomes 1."""
        self.failures += 1
        print(line, file=self.stderr, flush=True)

    def fail_api(self, error: "errors.ApiError", action: str = "") -> None:
        from api import errors
        from cli.errors import describe_api_error
        if isinstance(error, errors.ServerUnreachable):
            raise error  # nothing else will get through either
        self.fail(describe_api_error(error, self.server, action))

    def exit_code(self) -> int:
        return 1 if self.failures else 0
