"""`skiff`: parse the command line, run one verb's handler, turn failures into one line and an exit code.

Verbs live one per module in cli.commands; this file only wires them up (importing only the verb used).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from cli import commands, flags
from cli.parser import Parser, UsageError

EXIT_INTERRUPTED = 130


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `verb`, only that verb's module is imported and registered."""
    common = flags.common()
    parser = Parser(
        prog="skiff", parents=[common],
        description="skiff controls a skiff cluster, the way kubectl controls Kubernetes.",
        epilog="Run `skiff COMMAND --help` for a command's flags and examples.")
    flags.global_namespace(parser)
    subparsers = parser.add_subparsers(dest="verb", metavar="COMMAND", title="commands", parser_class=Parser)
    wanted = commands.module_for_verb(verb) if verb else None
    for name in commands.NAMES:
        if wanted is None or name == wanted:
            commands.load(name).register(subparsers, [common])
    return parser


# verbs whose words after `--` are a container's command (exec keeps its own, older handling)
_COMMAND_AFTER_DASHES = ("create", "run", "debug")
_VALUED = {"--server", "-s", "--request-timeout", "-n", "--namespace", "--as", "--as-group", "--as-uid"}


def verb_in(argv: list[str]) -> str | None:
    """The verb of a command line, skipping the global flags that may come before it."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _VALUED:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def _server_in(argv: list[str]) -> str | None:
    for i, word in enumerate(argv[:-1]):
        if word in ("-s", "--server"):
            return argv[i + 1]
    return None


def main(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None,
         now=None) -> int:
    """Run one command line; returns the exit code (the console script exits with it)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["__complete"]:  # the shells' completion scripts ask here
        from cli.commands.completion import complete
        return complete(argv[1:], stdout, _server_in(argv))
    verb = verb_in(argv)
    if verb and not commands.module_for_verb(verb):
        print(f'Error: unknown command "{verb}" for "skiff"\nRun \'skiff --help\' for usage.', file=stderr)
        return 1
    parser = build_parser(verb)
    command: list[str] = []
    if verb in _COMMAND_AFTER_DASHES and "--" in argv:  # `skiff run x --image=y -- sh -c "..."`
        cut = argv.index("--")
        argv, command = argv[:cut], argv[cut + 1:]
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        prog = f"skiff {verb}" if verb and e.prog == "skiff" else e.prog
        message = str(e)
        if message.startswith("unrecognized arguments: -"):
            message = "unknown flag: " + message.split(": ", 1)[1]
        # kubectl (cobra) words a command line it cannot parse with a capital E
        print(f"Error: {message}\nSee '{prog} --help' for usage.", file=stderr)
        return 1
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else 1
    if not getattr(args, "handler", None):
        parser.print_help(stdout)
        return 0 if not verb else 1  # bare `skiff` is a request for help, as bare `kubectl` is
    args.namespace = getattr(args, "namespace", None)
    args.command = command if verb in _COMMAND_AFTER_DASHES else getattr(args, "command", None)
    return run(parser, args, stdout, stderr, now)


def run(parser, args, stdout: TextIO, stderr: TextIO, now=None) -> int:
    """Call the verb's handler; every expected failure becomes one line and exit code 1."""
    from cli import config
    from cli.context import Context

    ctx = None
    try:
        ctx = Context(impersonating(config.load(getattr(args, "server", None)), args), stdout, stderr, parser,
                      timeout=getattr(args, "request_timeout", 30.0) or None)
        if now is not None:
            ctx.now = now
        result = args.handler(ctx, args)
        if hasattr(result, "__await__"):
            import asyncio  # only verbs that talk to the server pay for the event loop
            result = asyncio.run(result)
        return result if isinstance(result, int) else ctx.exit_code()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0  # `skiff get po | head`: the reader went away, nothing to report
    except Exception as e:
        report(e, ctx.server if ctx else "?", stderr)
        return 1


def impersonating(config, args):
    """The config whose credentials also ask to act as `--as` (with `--as-group`, `--as-uid`), as kubectl."""
    from cli.errors import CliError
    user, groups, uid = getattr(args, "as_user", ""), getattr(args, "as_group", ()), getattr(args, "as_uid", "")
    if (groups or uid) and not user:
        # kubectl's (client-go's) words for it
        raise CliError(f"requesting uid, groups or user-extra for {user} without impersonating a user")
    if not user or config.credentials is None:
        return config
    from api.credentials import impersonation_headers
    return config._replace(credentials=config.credentials._replace(
        impersonate=impersonation_headers(user, groups, uid)))


def report(e: Exception, server: str, stderr: TextIO) -> None:
    """One line (or kubectl's few) for a failure; a traceback only for a bug, and only on request."""
    from cli.errors import CliError, describe_api_error
    from cli.manifests import ManifestLoadError

    if isinstance(e, ManifestLoadError):
        for problem in e.problems:
            print(f"error: {problem}", file=stderr)
        return
    if isinstance(e, CliError):
        print(f"error: {e}", file=stderr)
        return
    from api import errors
    if isinstance(e, errors.ApiError):
        print(describe_api_error(e, server), file=stderr)
        return
    if os.environ.get("SKIFF_DEBUG"):
        import traceback
        traceback.print_exception(e, file=stderr)
    print(f"error: unexpected {type(e).__name__}: {e} (set SKIFF_DEBUG=1 for details)", file=stderr)


if __name__ == "__main__":
    sys.exit(main())
