"""The images skiff needs where no registry is reachable, built locally when missing.

`busybox:latest` from Debian's busybox-static, and the pause image that holds each pod's namespaces.
"""
from __future__ import annotations

import io
import tarfile

import docker
from docker.errors import BuildError, ImageNotFound

BUSYBOX_IMAGE = "busybox:latest"
PAUSE_IMAGE = "skiff/pause:latest"
BUSYBOX_BINARY = "/bin/busybox"  # from Debian's busybox-static: no shared libraries needed

_BUSYBOX_DOCKERFILE = f"""\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /tmp /etc /root /var/www /usr/bin /sbin && chmod 1777 /tmp"]
ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin
CMD ["sh"]
"""

# PID 1 ignores signals it has no handler for, so a bare `sleep` would make every pod stop wait
# for the kill timeout; this one leaves at once on SIGTERM.
_PAUSE_DOCKERFILE = f"""\
FROM {BUSYBOX_IMAGE}
ENTRYPOINT ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 2147483647 & wait $!; done"]
"""


class ImageBuildError(Exception):
    """A local image could not be built; the message is the build's last words."""


def ensure_local_images(client: docker.DockerClient | None = None) -> list[str]:
    """Build busybox and pause when missing; returns the tags it built (empty when all were there)."""
    client = client or docker.from_env()
    built = []
    if not _present(client, BUSYBOX_IMAGE):
        with open(BUSYBOX_BINARY, "rb") as f:
            binary = f.read()
        _build(client, BUSYBOX_IMAGE, _BUSYBOX_DOCKERFILE, {"busybox": (binary, 0o755)})
        built.append(BUSYBOX_IMAGE)
    if not _present(client, PAUSE_IMAGE):
        _build(client, PAUSE_IMAGE, _PAUSE_DOCKERFILE, {})
        built.append(PAUSE_IMAGE)
    return built


def _present(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
        return True
    except ImageNotFound:
        return False


def _context(dockerfile: str, files: dict[str, tuple[bytes, int]]) -> io.BytesIO:
    """An in-memory build context: the Dockerfile and the given (content, mode) files."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, (content, mode) in {"Dockerfile": (dockerfile.encode(), 0o644), **files}.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = mode
            tar.addfile(info, io.BytesIO(content))
    buf.seek(0)
    return buf


def _build(client: docker.DockerClient, tag: str, dockerfile: str, files: dict[str, tuple[bytes, int]]) -> None:
    try:
        # network none: the build needs nothing from outside, and must never reach for it.
        client.images.build(fileobj=_context(dockerfile, files), custom_context=True, tag=tag,
                            rm=True, forcerm=True, network_mode="none", pull=False)
    except BuildError as e:
        raise ImageBuildError(f"building {tag} failed: {e.msg}") from None
