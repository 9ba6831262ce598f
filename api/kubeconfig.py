"""The connection file every client reads (the CLI's ~/.skiff/config, each component's --kubeconfig).

Kubernetes' kubeconfig form: clusters (server, CA), users (client cert/key or token), contexts.
"""
from __future__ import annotations

import base64
import os
from typing import NamedTuple

from api.credentials import Credentials, CredentialsError, read_certificate, read_key


class KubeconfigError(ValueError):
    """The file is missing, not a kubeconfig, or names something it does not hold; names file and field."""


# A cluster's extension naming the same API server's Kubernetes REST address (`--rest-listen`): `skiff
# get` lists there, where a short command need not load gRPC. kubectl keeps extensions it does not know.
REST_EXTENSION = "skiff.rest-server"


class Connection(NamedTuple):
    server: str  # host:port
    credentials: Credentials
    namespace: str = "default"
    context: str = ""
    rest_server: str = ""  # host:port of the REST API, when the cluster names one


def server_address(server: str) -> str:
    """host:port from `https://host:port` or `host:port`."""
    for scheme in ("https://", "grpcs://"):
        if server.startswith(scheme):
            server = server[len(scheme):]
    return server.rstrip("/")


def read(path: str | os.PathLike) -> dict:
    path = os.path.expanduser(path)
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        raise KubeconfigError(f"config file {path} does not exist") from None
    except OSError as e:
        raise KubeconfigError(f"cannot read config file {path}: {e.strerror}") from None
    import yaml  # here, not at the top: the CLI's cached reads never pay for the YAML parser

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise KubeconfigError(f"config file {path} is not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise KubeconfigError(f"config file {path}: expected a kubeconfig mapping (clusters, users, contexts)")
    return data


def load(path: str | os.PathLike, context: str | None = None, server: str | None = None) -> Connection:
    """The connection of `context` (default: current-context); `server` overrides the cluster's address."""
    path = os.path.expanduser(path)
    return connection(read(path), path, context, server)


def connection(data: dict, path: str | os.PathLike, context: str | None = None,
               server: str | None = None) -> Connection:
    base = os.path.dirname(os.fspath(path))
    name = context or data.get("current-context") or ""
    if "server" in data and "clusters" not in data:
        raise KubeconfigError(f"config file {path} is in the old `server: HOST:PORT` form; the API server now "
                              f"needs TLS credentials: use the kubeconfig `deploy.lab up` or install.sh writes")
    contexts = _named(data, "contexts", "context", path)
    if not name:
        if len(contexts) != 1:
            raise KubeconfigError(f"config file {path}: current-context is not set")
        name = next(iter(contexts))
    if name not in contexts:
        raise KubeconfigError(f'config file {path}: context "{name}" does not exist')
    ctx = contexts[name]
    clusters = _named(data, "clusters", "cluster", path)
    users = _named(data, "users", "user", path)
    cluster_name, user_name = ctx.get("cluster", ""), ctx.get("user", "")
    if cluster_name not in clusters:
        raise KubeconfigError(f'config file {path}: context "{name}" names cluster "{cluster_name}", '
                              f'which is not in clusters')
    if user_name not in users:
        raise KubeconfigError(f'config file {path}: context "{name}" names user "{user_name}", '
                              f'which is not in users')
    cluster, user = clusters[cluster_name], users[user_name]
    address = server or cluster.get("server")
    if not address:
        raise KubeconfigError(f'config file {path}: clusters[{cluster_name}].cluster.server is not set')
    try:
        ca = _material(cluster, "certificate-authority", base, read_certificate, "certificate authority")
        if ca is None:
            raise KubeconfigError(f"config file {path}: clusters[{cluster_name}].cluster.certificate-authority "
                                  f"is not set (the cluster CA the server's certificate is checked against)")
        cert = _material(user, "client-certificate", base, read_certificate, "client certificate")
        key = _material(user, "client-key", base, lambda p, _w: read_key(p), "client key")
        token = user.get("token") or None
        if user.get("tokenFile"):
            with open(_resolve(base, user["tokenFile"])) as f:
                token = f.read().strip()
    except CredentialsError as e:
        raise KubeconfigError(f"config file {path}: {e}") from None
    except OSError as e:
        raise KubeconfigError(f"config file {path}: cannot read users[{user_name}].user.tokenFile: "
                              f"{e.strerror}") from None
    if bool(cert) != bool(key):
        raise KubeconfigError(f"config file {path}: users[{user_name}] needs both client-certificate and client-key")
    if not cert and not token:
        raise KubeconfigError(f"config file {path}: users[{user_name}] has neither a client certificate nor a token")
    return Connection(server_address(str(address)), Credentials(ca, cert, key, token),
                      str(ctx.get("namespace") or "default"), name, rest_server(cluster))


def rest_server(cluster: dict) -> str:
    """host:port from the cluster's REST_EXTENSION, "" without one (or with one that is malformed: it is
    only ever a shortcut, and the gRPC address is always there)."""
    for entry in cluster.get("extensions") or []:
        if isinstance(entry, dict) and entry.get("name") == REST_EXTENSION:
            extension = entry.get("extension")
            if isinstance(extension, dict) and isinstance(extension.get("server"), str):
                return server_address(extension["server"])
    return ""


def _named(data: dict, section: str, inner: str, path: str | os.PathLike) -> dict[str, dict]:
    entries = data.get(section) or []
    if not isinstance(entries, list):
        raise KubeconfigError(f"config file {path}: {section} must be a list")
    named = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("name") or not isinstance(entry.get(inner) or {}, dict):
            raise KubeconfigError(f"config file {path}: {section}[{i}] needs a name and a {inner} mapping")
        named[str(entry["name"])] = entry.get(inner) or {}
    return named


def _resolve(base: str, value: str) -> str:
    return os.path.join(base, os.path.expanduser(str(value)))  # an absolute value stands alone


def _material(section: dict, field: str, base: str, reader, what: str) -> bytes | None:
    """A PEM from `field` (a path, relative to the config file) or `field-data` (base64)."""
    if section.get(f"{field}-data"):
        try:
            return base64.b64decode(section[f"{field}-data"], validate=True)
        except ValueError:
            raise CredentialsError(f"{field}-data is not base64") from None
    if section.get(field):
        return reader(_resolve(base, section[field]), what)
    return None


def render(server: str, ca: str | bytes, cert: str | bytes | None = None, key: str | bytes | None = None,
           token: str | None = None, cluster: str = "skiff", user: str = "admin", namespace: str | None = None,
           rest: str = "") -> str:
    """A kubeconfig with one cluster, one user and one context (`user@cluster`), current. `server` is
    HOST:PORT or an https URL; `ca`, `cert` and `key` are file paths (str), or the PEM itself (bytes,
    embedded as `*-data`, so the file works wherever it is copied, as kubectl's users expect). `rest`, the
    API server's REST HOST:PORT, goes in the cluster's REST_EXTENSION."""
    user_entry: dict = {}
    if cert:
        _material_ref(user_entry, "client-certificate", cert)
        _material_ref(user_entry, "client-key", key)
    if token:
        user_entry["token"] = token
    context = {"cluster": cluster, "user": user}
    if namespace:
        context["namespace"] = namespace
    cluster_entry = {"server": server if "://" in server else f"https://{server}"}
    _material_ref(cluster_entry, "certificate-authority", ca)
    if rest:
        cluster_entry["extensions"] = [{"name": REST_EXTENSION, "extension": {"server": f"https://{rest}"}}]
    doc = {"apiVersion": "v1", "kind": "Config",
           "clusters": [{"name": cluster, "cluster": cluster_entry}],
           "users": [{"name": user, "user": user_entry}],
           "contexts": [{"name": f"{user}@{cluster}", "context": context}],
           "current-context": f"{user}@{cluster}"}
    import yaml

    return yaml.safe_dump(doc, sort_keys=False)


def _material_ref(entry: dict, field: str, value: str | bytes | None) -> None:
    if isinstance(value, bytes):
        entry[f"{field}-data"] = base64.b64encode(value).decode()
    elif value:
        entry[field] = value


def write(path: str | os.PathLike, text: str) -> None:
    """0600: it names a private key or holds a token."""
    path = os.path.expanduser(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


# ------------------------------------------------------------------ the components' flags

def add_flags(parser) -> None:
    """--kubeconfig and --server, the same on every component."""
    parser.add_argument("--kubeconfig", default=None, metavar="PATH",
                        help="(required) how to reach the API server: its address, the cluster CA, this "
                             "component's client certificate and key (kubeconfig form)")
    parser.add_argument("--server", default=None, metavar="HOST:PORT[,HOST:PORT...]",
                        help="the API server, or several, comma-separated: the client uses one and fails over "
                             "to the next (default: the one --kubeconfig names)")


def client_from_args(args, program: str, timeout: float | None = None):
    """A Client for the component; SystemExit naming the file when the kubeconfig is wrong."""
    from api.client import DEFAULT_TIMEOUT, Client
    if not args.kubeconfig:
        raise SystemExit(f"{program}: --kubeconfig is required (the API server, the cluster CA and this "
                         f"component's certificate)")
    try:
        conn = load(args.kubeconfig, server=args.server)
    except KubeconfigError as e:
        raise SystemExit(f"{program}: {e}") from None
    return Client(conn.server, timeout or DEFAULT_TIMEOUT, credentials=conn.credentials, rest_server=conn.rest_server)
