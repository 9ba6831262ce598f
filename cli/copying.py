"""`skiff cp`'s plan, as kubectl's: which side is the pod (`[NS/]POD:PATH`), and the tar commands run in
the container (through exec) and the tar archives made and unpacked here. No network I/O in this module."""
from __future__ import annotations

import io
import os
import posixpath
import tarfile
from dataclasses import dataclass

from cli.errors import CliError


@dataclass(frozen=True)
class Spec:
    path: str
    pod: str = ""  # "" : a local path
    namespace: str = ""


def parse_spec(text: str) -> Spec:
    """`web:/tmp/x`, `team/web:/tmp/x`, or a local path (which may itself contain no colon)."""
    head, colon, path = text.partition(":")
    if not colon or not head or head.count("/") > 1 or text.startswith(("/", ".", "~")):
        return Spec(text)
    namespace, slash, pod = head.rpartition("/")
    if not path:
        raise CliError(f"{text}: name a path inside the pod, e.g. {head}:/tmp")
    return Spec(path, pod, namespace)


def tar_of(local: str, name_in_archive: str) -> bytes:
    """A tar of a local file or directory, its top entry renamed to `name_in_archive`."""
    if not os.path.exists(local):
        raise CliError(f"{local} doesn't exist in local filesystem")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(local, arcname=name_in_archive)
    return buffer.getvalue()


def upload_plan(local: str, remote: str) -> tuple[list[str], bytes]:
    """(the command to run in the container, the tar to feed it) to copy `local` to `remote`."""
    remote = remote.rstrip("/") or "/"
    directory, name = posixpath.split(remote)
    if not name:  # `pod:/`: keep the local name
        directory, name = remote, os.path.basename(local.rstrip("/"))
    return ["tar", "-xmf", "-", "-C", directory or "."], tar_of(local, name)


def download_command(remote: str) -> list[str]:
    directory, name = posixpath.split(remote.rstrip("/") or "/")
    return ["tar", "cf", "-", "-C", directory or "/", name or "."]


def unpack(data: bytes, remote: str, local: str) -> None:
    """Write the tar of `remote` as `local` (a file, or a directory), refusing paths that escape it."""
    name = posixpath.basename(remote.rstrip("/")) or "."
    target = os.path.abspath(local)
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        raise CliError(f"cannot copy to {local}: directory {parent} does not exist")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as archive:
        for member in archive.getmembers():
            relative = member.name[len(name):].lstrip("/") if member.name.startswith(name) else None
            if relative is None:
                continue
            destination = os.path.abspath(os.path.join(target, relative)) if relative else target
            if destination != target and not destination.startswith(target + os.sep):
                raise CliError(f"refusing to write {member.name}: it would land outside {local}")
            if member.isdir():
                os.makedirs(destination, exist_ok=True)
            elif member.isfile():
                source = archive.extractfile(member)
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                with open(destination, "wb") as f:
                    f.write(source.read() if source else b"")
                os.chmod(destination, member.mode & 0o777)
