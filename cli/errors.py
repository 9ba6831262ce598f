"""Errors the CLI reports as one line (no traceback), and how API errors read to a user.

Messages follow kubectl: `error: ...` for local problems, `Error from server (Reason): ...` for the API's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api import errors
    from api.kinds import Kind


class CliError(Exception):
    """A failure the user can fix; printed as `error: <message>`, exit code 1."""


def not_found(kind: "Kind", name: str) -> "errors.NotFound":
    """kubectl's wording, whatever namespace it was looked for in: `deployments.apps "web" not found`."""
    from api import errors
    return errors.NotFound(f'{kind.resource} "{name}" not found')


def describe_api_error(error: "errors.ApiError", server: str, action: str = "") -> str:
    """The lines a user reads for a failed API call; `action` is e.g. 'error when creating "web.yaml"'."""
    from api import errors
    if isinstance(error, errors.ServerUnreachable):
        detail = "connection refused" if "refused" in error.message.lower() else error.message
        if detail.startswith("cannot reach"):
            detail = detail.split(": ", 1)[-1]
        return (f"error: cannot reach the API server at {server}: {detail} "
                f"(is it running? set the address with --server or in ~/.skiff/config)")
    where = f"{action}: " if action else ""
    if isinstance(error, errors.Invalid) and error.causes and " is invalid:" in error.message:
        # kubectl's words: one cause on the line itself, several as a list below it
        head = error.message.split(" is invalid:", 1)[0]
        if len(error.causes) == 1:
            return f"The {head} is invalid: {error.causes[0]}"
        return f"The {head} is invalid: \n" + "\n".join(f"* {cause}" for cause in error.causes)
    return f"Error from server ({error.reason}): {where}{error.message}"
