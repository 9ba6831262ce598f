"""The pod spec inside a workload, and the edits `set image|env|resources` make to its containers:
pure functions over typed objects, each saying whether it changed anything."""
from __future__ import annotations

from google.protobuf.message import Message

from api import quantity
from cli.errors import CliError

WORKLOADS = ("Pod", "Deployment", "ReplicaSet", "ReplicationController", "DaemonSet", "Job")


def pod_spec(obj: Message) -> Message:
    """A Pod's spec, or the template's spec of a Deployment, ReplicaSet, ReplicationController, DaemonSet or Job."""
    kind = obj.kind or type(obj).__name__
    if kind == "Pod":
        return obj.spec
    if kind in WORKLOADS:
        return obj.spec.template.spec
    raise CliError(f"{kind.lower()}s have no pod template "
                   f"(set works on pods, deployments, replica sets, replication controllers, daemon sets and jobs)")


def containers_named(spec: Message, name: str, init: bool = True) -> list[Message]:
    """`*` or "" is every container; else the one named, or a CliError as kubectl words it."""
    every = list(spec.containers) + (list(spec.init_containers) if init else [])
    if name in ("", "*"):
        return list(spec.containers)
    found = [c for c in every if c.name == name]
    if not found:
        raise CliError(f'unable to find container named "{name}"')
    return found


def set_images(spec: Message, images: dict[str, str]) -> bool:
    """`app=busybox:1.37` (or `*=...`): the containers' images."""
    changed = False
    for name, image in images.items():
        for c in containers_named(spec, name):
            if c.image != image:
                c.image = image
                changed = True
    return changed


def parse_assignments(words: list[str], what: str) -> dict[str, str]:
    out = {}
    for word in words:
        key, eq, value = word.partition("=")
        if not eq or not key:
            raise CliError(f"invalid {what} {word!r}: expected NAME={what.upper()}")
        out[key] = value
    return out


def set_env(spec: Message, container: str, sets: dict[str, str], removes: list[str]) -> bool:
    """`KEY=VALUE` sets (in place, or appended), `KEY-` removes, in every container chosen."""
    changed = False
    for c in containers_named(spec, container, init=False):
        for key, value in sets.items():
            found = next((e for e in c.env if e.name == key), None)
            if found is None:
                c.env.add(name=key, value=value)
                changed = True
            elif found.value != value or found.HasField("value_from"):
                found.ClearField("value_from")
                found.value = value
                changed = True
        for key in removes:
            kept = [e for e in c.env if e.name != key]
            if len(kept) != len(c.env):
                del c.env[:]
                c.env.extend(kept)
                changed = True
    return changed


def env_lines(spec: Message, container: str) -> list[str]:
    """`set env --list`: `# container app` then KEY=VALUE lines, as kubectl lists them."""
    lines = []
    for c in containers_named(spec, container, init=False):
        lines.append(f"# container {c.name}")
        for e in c.env:
            if e.HasField("value_from"):
                lines.append(f"# {e.name} from a source")
            else:
                lines.append(f"{e.name}={e.value}")
    return lines


def parse_resources(text: str, flag: str) -> dict[str, str]:
    """`cpu=200m,memory=512Mi`, every quantity checked."""
    out = {}
    for part in filter(None, text.split(",")):
        name, eq, value = part.partition("=")
        if not eq or not name or not quantity.is_valid(value):
            raise CliError(f"invalid {flag} {part!r}: expected RESOURCE=QUANTITY, e.g. cpu=200m,memory=512Mi")
        out[name] = value
    return out


def set_resources(spec: Message, container: str, limits: dict[str, str], requests: dict[str, str]) -> bool:
    changed = False
    for c in containers_named(spec, container, init=False):
        for field, wanted in (("limits", limits), ("requests", requests)):
            current = getattr(c.resources, field)
            for k, v in wanted.items():
                if current.get(k) != v:
                    current[k] = v
                    changed = True
    return changed
