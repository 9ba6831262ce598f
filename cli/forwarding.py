"""What `skiff port-forward` decides before any byte moves: the port pairs (`8080:80`, `:80`, `80`) and, for
svc/NAME and deploy/NAME, the pod and the container port a service port leads to. Pure functions."""
from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message

from cli.errors import CliError


@dataclass(frozen=True)
class PortPair:
    local: int  # 0: any free port
    remote: int | str  # a number, or a service port's named targetPort resolved later


def parse_ports(words: list[str]) -> list[PortPair]:
    if not words:
        raise CliError("at least one port is required, e.g. 8080:80")
    pairs = []
    for word in words:
        local_text, colon, remote_text = word.partition(":")
        if not colon:
            local_text, remote_text = word, word
        try:
            local = int(local_text) if local_text else 0
            remote = int(remote_text)
        except ValueError:
            raise CliError(f"invalid port {word!r}: expected [LOCAL_PORT:]REMOTE_PORT, e.g. 8080:80") from None
        if not (0 <= local <= 65535 and 0 < remote <= 65535):
            raise CliError(f"invalid port {word!r}: ports run from 1 to 65535")
        pairs.append(PortPair(local, remote))
    return pairs


def service_target(service: Message, port: int) -> int | str:
    """The targetPort of the service port `port` (a number, or the name of a container port)."""
    for p in service.spec.ports:
        if p.port == port:
            which = p.target_port.WhichOneof("value")
            if which == "int_value" and p.target_port.int_value:
                return p.target_port.int_value
            if which == "str_value" and p.target_port.str_value:
                return p.target_port.str_value
            return port
    raise CliError(f"service {service.metadata.name} does not have a service port {port}")


def container_port(pod: Message, target: int | str) -> int:
    """A named targetPort as the pod's container port of that name."""
    if isinstance(target, int):
        return target
    for c in pod.spec.containers:
        for p in c.ports:
            if p.name == target:
                return p.container_port
    raise CliError(f"pod {pod.metadata.name} does not have a named port '{target}'")


def pick_pod(pods: list[Message]) -> Message | None:
    """As kubectl: a running pod, newest first among equals; None when none runs."""
    running = [p for p in pods if p.status.phase == "Running" and not p.metadata.deletion_timestamp]
    running.sort(key=lambda p: p.metadata.creation_timestamp, reverse=True)
    return running[0] if running else None


def listen_addresses(address: str) -> list[str]:
    """`--address localhost` listens on 127.0.0.1 and ::1, as kubectl's default does."""
    out = []
    for part in address.split(","):
        part = part.strip()
        out += ["127.0.0.1", "::1"] if part == "localhost" else [part]
    return out
