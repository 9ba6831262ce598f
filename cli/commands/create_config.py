"""`skiff create configmap` and `skiff create secret generic|tls|docker-registry`, as kubectl's generators:
the object is built from literals and files on this side, then created (or only printed, --dry-run=client)."""
from __future__ import annotations

import argparse

from api import manifest
from cli import configdata, flags
from cli.context import Context
from cli.errors import CliError

DOCKER_HUB = "https://index.docker.io/v1/"

_SOURCES_EPILOG = """examples:
  skiff create {what} my-config --from-literal=level=debug --from-literal=mode=fast
  skiff create {what} my-config --from-file=app.properties --from-file=key=path/to/file
  skiff create {what} my-config --from-file=conf.d/          # each regular file in it, by name
  skiff create {what} my-config --from-env-file=app.env      # KEY=VALUE lines"""


def register(create_subparsers, parents) -> None:
    cm = create_subparsers.add_parser(
        "configmap", aliases=["cm"], parents=parents, help="create a ConfigMap from literals, files or an env file",
        description="Create a ConfigMap from literal values, files (a directory: each regular file) or env files. "
                    "Keys of files that are not UTF-8 go to binaryData.",
        epilog=_SOURCES_EPILOG.format(what="configmap"), formatter_class=argparse.RawDescriptionHelpFormatter)
    _name_and_sources(cm)
    cm.set_defaults(handler=run_config_map)

    secret = create_subparsers.add_parser(
        "secret", parents=parents, help="create a Secret (generic, tls or docker-registry)",
        description="Create a Secret: generic (from literals and files), tls (a certificate and its key) or "
                    "docker-registry (credentials for imagePullSecrets).")
    kinds = secret.add_subparsers(dest="secret_type", metavar="TYPE", title="types")
    kinds.required = True
    generic = kinds.add_parser("generic", parents=parents, help="a Secret from literals, files or an env file",
                               description="Create a Secret from literal values, files or env files.",
                               epilog=_SOURCES_EPILOG.format(what="secret generic"),
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    _name_and_sources(generic)
    generic.add_argument("--type", default="", help="the Secret's type (default Opaque)")
    generic.set_defaults(handler=run_generic)

    tls = kinds.add_parser("tls", parents=parents, help="a kubernetes.io/tls Secret from a certificate and key",
                           description="Create a kubernetes.io/tls Secret from a PEM certificate and its private key.",
                           epilog="example:\n  skiff create secret tls web-tls --cert=tls.crt --key=tls.key",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(tls)
    tls.add_argument("--cert", required=True, metavar="PATH", help="the PEM-encoded certificate (chain)")
    tls.add_argument("--key", required=True, metavar="PATH", help="the PEM-encoded private key of the certificate")
    tls.set_defaults(handler=run_tls)

    docker = kinds.add_parser(
        "docker-registry", parents=parents, help="a kubernetes.io/dockerconfigjson Secret for imagePullSecrets",
        description="Create a kubernetes.io/dockerconfigjson Secret with a registry's credentials, for a pod's "
                    "imagePullSecrets.",
        epilog="examples:\n  skiff create secret docker-registry regcred --docker-server=registry.example.com "
               "--docker-username=me --docker-password=s3cret\n"
               "  skiff create secret docker-registry regcred --from-file=.dockerconfigjson=$HOME/.docker/config.json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(docker)
    docker.add_argument("--docker-server", default=DOCKER_HUB, help="the registry (default %(default)s)")
    docker.add_argument("--docker-username", default="", help="the user name for the registry")
    docker.add_argument("--docker-password", default="", help="the password for the registry")
    docker.add_argument("--docker-email", default="", help="an e-mail address for the registry (optional)")
    docker.add_argument("--from-file", action="append", default=[], metavar="[KEY=]PATH",
                        help="an existing docker config file instead of the --docker-* flags "
                             "(e.g. .dockerconfigjson=~/.docker/config.json)")
    docker.set_defaults(handler=run_docker_registry)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME")
    flags.namespace(p)
    flags.dry_run(p)
    flags.output(p)


def _name_and_sources(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--from-literal", action="append", default=[], metavar="KEY=VALUE",
                   help="a key and its literal value; repeatable")
    p.add_argument("--from-file", action="append", default=[], metavar="[KEY=]PATH",
                   help="a file's content under its name (or KEY); a directory adds each regular file; repeatable")
    p.add_argument("--from-env-file", action="append", default=[], metavar="PATH",
                   help="KEY=VALUE lines, # comments; repeatable")


def _data(kind: str, args: argparse.Namespace) -> configdata.Data:
    data = configdata.Data(kind, args.name)
    configdata.from_files(data, args.from_file)
    configdata.from_literals(data, args.from_literal)
    configdata.from_env_files(data, args.from_env_file)
    return data


def _object(ctx: Context, args: argparse.Namespace, kind: str, fields: dict):
    # kubectl prints no namespace in a client dry run unless -n was given; a create needs one.
    namespace = args.namespace or ("" if args.dry_run == "client" else ctx.namespace(args))
    metadata = {"name": args.name, **({"namespace": namespace} if namespace else {})}
    try:
        obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": kind, "metadata": metadata, **fields})
    except manifest.ManifestError as e:
        raise CliError(str(e)) from None
    return obj


async def _create(ctx: Context, args: argparse.Namespace, obj, failed: str = "failed to create secret ") -> int:
    from cli import writes
    await writes.create(ctx, args, obj, failed)  # kubectl's words, its missing colon after "secret" too
    return 0


async def run_config_map(ctx: Context, args: argparse.Namespace) -> int:
    return await _create(ctx, args, _object(ctx, args, "ConfigMap", _data("ConfigMap", args).config_map_fields()),
                         "failed to create configmap: ")


async def run_generic(ctx: Context, args: argparse.Namespace) -> int:
    fields = {"type": args.type or "Opaque", "data": _data("Secret", args).secret_data()}
    return await _create(ctx, args, _object(ctx, args, "Secret", fields))


async def run_tls(ctx: Context, args: argparse.Namespace) -> int:
    data = configdata.Data("Secret", args.name)
    configdata.from_files(data, [f"tls.crt={args.cert}", f"tls.key={args.key}"])
    problem = tls_pair_problem(data.text.get("tls.crt", "").encode(), data.text.get("tls.key", "").encode())
    if problem:
        raise CliError(f"failed to load key pair {problem}")
    fields = {"type": "kubernetes.io/tls", "data": data.secret_data()}
    return await _create(ctx, args, _object(ctx, args, "Secret", fields))


async def run_docker_registry(ctx: Context, args: argparse.Namespace) -> int:
    data = configdata.Data("Secret", args.name)
    if args.from_file:
        configdata.from_files(data, args.from_file)
        if ".dockerconfigjson" not in data.text:
            raise CliError("--from-file must name the key .dockerconfigjson, e.g. "
                           "--from-file=.dockerconfigjson=~/.docker/config.json")
    else:
        missing = [f for f in ("docker-username", "docker-password") if not getattr(args, f.replace("-", "_"))]
        if missing:
            raise CliError(f"required flag(s) {', '.join(repr(m) for m in missing)} not set")
        data.add(".dockerconfigjson", configdata.docker_config(args.docker_server, args.docker_username,
                                                               args.docker_password, args.docker_email))
    fields = {"type": "kubernetes.io/dockerconfigjson", "data": data.secret_data()}
    return await _create(ctx, args, _object(ctx, args, "Secret", fields))


def tls_pair_problem(cert_pem: bytes, key_pem: bytes) -> str:
    """Why a certificate and key do not make a pair ("" when they do), as kubectl checks before creating."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        return "tls: failed to find any PEM data in certificate input"
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        return "tls: failed to find any PEM data in key input"
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if cert.public_key().public_bytes(serialization.Encoding.PEM, public) != \
            key.public_key().public_bytes(serialization.Encoding.PEM, public):
        return "tls: private key does not match public key"
    return ""
