"""The lab's containers in the shared dockerd: those the agents made for the lab's nodes.

Found by the agents' node label, so a lost state file still finds them.
"""
from __future__ import annotations

from deploy.lab import plan as P
from deploy.lab.shell import LabError, run
from nodeagent.runtime.base import LABEL_CONTAINER_NAME, LABEL_NODE as NODE_LABEL, LABEL_POD_NAME, \
    LABEL_POD_NAMESPACE, SANDBOX_NAME


def of_nodes(node: str | None = None, running_only: bool = False) -> list[str]:
    """IDs of the containers of one lab node, or of every lab node."""
    try:
        out = run(["docker", "ps", *([] if running_only else ["-a"]), "--filter", f"label={NODE_LABEL}",
                   "--format", "{{.ID}} {{.Label \"" + NODE_LABEL + "\"}}"])
    except LabError:
        return []  # no dockerd: nothing of ours can be running in it
    ids = []
    for line in out.splitlines():
        cid, _, label = line.partition(" ")
        if (label == node) if node else P.is_lab_node(label):
            ids.append(cid)
    return ids


def kill(ids: list[str]) -> None:
    if ids:
        run(["docker", "kill", *ids], check=False)


def remove(ids: list[str]) -> None:
    if ids:
        run(["docker", "rm", "-f", "-v", *ids], check=False, timeout=120)


def of_pod(name: str, namespace: str = "default") -> str | None:
    """The ID of a running app container of a pod (not its pause container), if any."""
    out = run(["docker", "ps", "--filter", f"label={LABEL_POD_NAME}={name}",
               "--filter", f"label={LABEL_POD_NAMESPACE}={namespace}",
               "--format", "{{.ID}} {{.Label \"" + LABEL_CONTAINER_NAME + "\"}}"], check=False)
    for line in out.splitlines():
        cid, _, container = line.partition(" ")
        if container != SANDBOX_NAME:
            return cid
    return None


def exec_in_pod(name: str, argv: list[str], namespace: str = "default", timeout: float = 30) -> tuple[int, str]:
    """Run a command in a pod's app container (so in the pod's network namespace): (exit code, output)."""
    cid = of_pod(name, namespace)
    if cid is None:
        return 127, f"pod {namespace}/{name} has no running container"
    try:
        out = run(["docker", "exec", cid, *argv], timeout=timeout)
        return 0, out
    except LabError as e:
        return 1, str(e)
