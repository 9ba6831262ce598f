"""`skiff`: parse the command line, run one verb's handler, turn failures into one line and an exit code.

Verbs live one per module in cli.commands; this file only wires them up.
"""
from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import sys
import traceback
from typing import TextIO

from api import errors
from cli import commands, config, flags
from cli.context import Context
from cli.errors import CliError, describe_api_error
from cli.manifests import ManifestLoadError

EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    common = flags.common()
    parser = argparse.ArgumentParser(
        prog="skiff", parents=[common],
        description="skiff controls a skiff cluster, the way kubectl controls Kubernetes.",
        epilog="Run `skiff COMMAND --help` for a command's flags and examples.")
    subparsers = parser.add_subparsers(dest="verb", metavar="COMMAND", title="commands")
    for module in commands.MODULES:
        module.register(subparsers, [common])
    return parser


def main(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None,
         now=None) -> int:
    """Run one command line; returns the exit code (the console script exits with it)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, or a usage error argparse already printed
        return e.code if isinstance(e.code, int) else 1
    if not getattr(args, "handler", None):
        parser.print_help(stdout)
        return 1
    ctx = None
    try:
        ctx = Context(config.load(getattr(args, "server", None)), stdout, stderr, parser,
                      timeout=getattr(args, "request_timeout", 30.0))
        if now is not None:
            ctx.now = now
        result = args.handler(ctx, args)
        if inspect.isawaitable(result):
            result = asyncio.run(result)
        return result if isinstance(result, int) else ctx.exit_code()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except ManifestLoadError as e:
        for problem in e.problems:
            print(f"error: {problem}", file=stderr)
        return 1
    except CliError as e:
        print(f"error: {e}", file=stderr)
        return 1
    except errors.ApiError as e:
        server = ctx.server if ctx else "?"
        print(describe_api_error(e, server), file=stderr)
        return 1
    except BrokenPipeError:
        return 0  # `skiff get po | head`: the reader went away, nothing to report
    except Exception as e:  # a bug: one line for the user, the traceback on request
        if os.environ.get("SKIFF_DEBUG"):
            traceback.print_exc(file=stderr)
        print(f"error: unexpected {type(e).__name__}: {e} (set SKIFF_DEBUG=1 for details)", file=stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
