"""How a command line names objects: `KIND NAME...`, `KIND/NAME...` and `po,svc`, and how they print.

Kinds accept plural, singular and short names through api.kinds.lookup.
"""
from __future__ import annotations

from typing import NamedTuple

from google.protobuf.message import Message

from api import kinds
from api.kinds import Kind
from cli.errors import CliError


class Target(NamedTuple):
    kind: Kind
    name: str


# kubectl's "all" category, in kubectl's order, as far as skiff serves these kinds
ALL = ("Pod", "ReplicationController", "Service", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet",
       "HorizontalPodAutoscaler", "Job", "CronJob")


def lookup_kind(word: str) -> Kind:
    try:
        return kinds.lookup(word)
    except kinds.UnknownKindError:
        # kubectl's words, and where a CustomResourceDefinition's resources are: skiff's gRPC API serves
        # built-in kinds only, custom resources (JSON, not protobuf) are served over the REST API.
        raise CliError(f'the server doesn\'t have a resource type "{word}"\n'
                       f'(if "{word}" is a custom resource of a CustomResourceDefinition: custom resources are '
                       f'served over the REST API only, use kubectl)') from None


def parse(words: list[str]) -> tuple[list[Kind], list[Target]]:
    """(kinds to list, objects named) from the words after a verb, as kubectl reads them."""
    if not words:
        raise CliError("you must specify the type of resource, e.g. `pods` (see `skiff api-resources`)")
    if "/" in words[0]:
        targets = []
        for word in words:
            kind_word, slash, name = word.partition("/")
            if not slash or not kind_word or not name or "/" in name:
                raise CliError(f'"{word}": there is no need to specify a resource type as a separate '
                               f'argument when passing arguments in KIND/NAME form')
            targets.append(Target(lookup_kind(kind_word), name))
        return [], targets
    kind_list = []
    for w in words[0].split(","):
        if w == "all":
            kind_list += [kinds.BY_NAME[n] for n in ALL if n in kinds.BY_NAME]
        elif w:
            kind_list.append(lookup_kind(w))
    names = words[1:]
    for name in names:
        if "/" in name:
            raise CliError(f'"{name}": there is no need to specify a resource type as a separate '
                           f'argument when passing arguments in KIND/NAME form')
    if names and len(kind_list) > 1:
        raise CliError("you must specify only one resource type when naming objects, "
                       "or name them as KIND/NAME")
    if names:
        return [], [Target(kind_list[0], n) for n in names]
    return kind_list, []


def resource_name(kind: Kind) -> str:
    """`pod`, `deployment.apps`: the type part of kubectl's `-o name`."""
    group = kind.api_version.rpartition("/")[0]
    return f"{kind.singular}.{group}" if group else kind.singular


def object_name(obj: Message) -> str:
    """`pod/web`, `deployment.apps/api`."""
    return f"{resource_name(kinds.of(obj))}/{obj.metadata.name}"
