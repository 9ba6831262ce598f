"""`skiff config view|get-contexts|current-context|use-context|set-context`: read and change the kubeconfig
the CLI uses (~/.skiff/config or $SKIFF_CONFIG), as kubectl config does."""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from cli import kubeconfig_edit
from cli.context import Context
from cli.errors import CliError

HELP = "show and change the CLI's config (kubeconfig): contexts, current context, namespace"
EXAMPLES = """examples:
  skiff config view
  skiff config get-contexts
  skiff config use-context lab
  skiff config set-context --current --namespace=web
  skiff config set-context dev --cluster=lab --user=admin --namespace=dev
"""


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("config", parents=parents, help=HELP, description=HELP.capitalize() + ".",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", metavar="ACTION", title="actions", required=True)
    view = actions.add_parser("view", parents=parents, help="print the config (secrets hidden unless --raw)",
                              description="Print the config; embedded keys and tokens are hidden unless --raw.")
    view.add_argument("--raw", action="store_true", help="show certificates, keys and tokens as they are")
    view.add_argument("--minify", action="store_true", help="only what the current context uses")
    view.add_argument("-o", "--output", choices=("yaml", "json"), default="yaml", help="yaml (default) or json")
    view.set_defaults(handler=run_view)
    get = actions.add_parser("get-contexts", parents=parents, help="list the contexts",
                             description="List the contexts, the current one marked with *.")
    get.add_argument("name", nargs="?", default="", help="only this context")
    get.add_argument("--no-headers", action="store_true", help="without the header line")
    get.add_argument("-o", "--output", choices=("name",), help="name: only the context names")
    get.set_defaults(handler=run_get_contexts)
    current = actions.add_parser("current-context", parents=parents, help="print the current context",
                                 description="Print the current context.")
    current.set_defaults(handler=run_current_context)
    use = actions.add_parser("use-context", parents=parents, help="make a context the current one",
                             description="Make a context the current one.")
    use.add_argument("name", metavar="CONTEXT")
    use.set_defaults(handler=run_use_context)
    setc = actions.add_parser("set-context", parents=parents, help="create or change a context",
                              description="Create a context, or change the cluster, user or namespace of one.")
    setc.add_argument("name", nargs="?", default="", metavar="CONTEXT")
    setc.add_argument("--current", action="store_true", help="change the current context")
    setc.add_argument("--cluster", default="", help="the cluster the context uses")
    setc.add_argument("--user", default="", help="the user the context uses")
    setc.add_argument("--namespace", dest="context_namespace", default="", help="the context's default namespace")
    setc.set_defaults(handler=run_set_context)


def _path() -> Path:
    from cli.config import config_path
    return Path(config_path())


def _read() -> dict:
    import yaml
    path = _path()
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise CliError(f"config file {path} does not exist") from None
    except (OSError, yaml.YAMLError) as e:
        raise CliError(f"cannot read config file {path}: {e}") from None
    if not isinstance(data, dict):
        raise CliError(f"config file {path}: expected a kubeconfig mapping (clusters, users, contexts)")
    return data


def _write(data: dict) -> None:
    """Replace the file whole (a temporary file renamed over it), keeping its permissions: it holds keys."""
    import yaml
    path = _path()
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd, tmp = tempfile.mkstemp(prefix=".config-", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w") as f:
            yaml.safe_dump(data, f, sort_keys=False, default_flow_style=False)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def run_view(ctx: Context, args: argparse.Namespace) -> int:
    from cli import printers
    data = _read()
    if args.minify:
        data = kubeconfig_edit.minified(data)
    if not args.raw:
        data = kubeconfig_edit.redacted(data)
    ctx.out(printers.render_json(data) if args.output == "json" else printers.render_yaml(data))
    return 0


def run_get_contexts(ctx: Context, args: argparse.Namespace) -> int:
    from cli import printers
    rows = kubeconfig_edit.context_rows(_read(), args.name)
    if args.output == "name":
        for row in rows[1:]:
            ctx.out(row[1])
        return 0
    for line in printers.render_rows(rows)[1 if args.no_headers else 0:]:
        ctx.out(line)
    return 0


def run_current_context(ctx: Context, args: argparse.Namespace) -> int:
    current = _read().get("current-context")
    if not current:
        raise CliError("current-context is not set")
    ctx.out(str(current))
    return 0


def run_use_context(ctx: Context, args: argparse.Namespace) -> int:
    _write(kubeconfig_edit.use_context(_read(), args.name))
    ctx.out(f'Switched to context "{args.name}".')
    return 0


def run_set_context(ctx: Context, args: argparse.Namespace) -> int:
    data = _read()
    name = args.name
    if args.current:
        if name:
            raise CliError("you cannot specify both a context name and --current")
        name = str(data.get("current-context") or "")
        if not name:
            raise CliError("no current context is set")
    new, created = kubeconfig_edit.set_context(
        data, name, {"cluster": args.cluster, "user": args.user, "namespace": args.context_namespace})
    _write(new)
    ctx.out(f'Context "{name}" {"created" if created else "modified"}.')
    return 0
