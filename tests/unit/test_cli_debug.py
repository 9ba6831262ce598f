"""`skiff debug`'s decisions (the debugging container's name and form, as kubectl debug makes them) and the
Ephemeral Containers section of `skiff describe pod`, in kubectl's place and layout."""
from __future__ import annotations

import argparse
from itertools import chain

from api import names
from cli.commands.debug import container_name, ephemeral_container
from cli.describe_pods import pod_body
from tests.fixtures.objects import pod_with_containers


def options(**given) -> argparse.Namespace:
    base = dict(image="busybox", stdin=False, tty=False, image_pull_policy="", env=[], target="",
                arguments_only=False)
    return argparse.Namespace(**{**base, **given})


def test_the_generated_name_avoids_every_container_of_the_pod():
    pod = pod_with_containers(inits=("setup",))
    pod.spec.ephemeral_containers.add(name="debugger-bbbbb", image="busybox")
    suffixes = chain(["bbbbb"], ["x7k2p"])
    assert container_name(pod, "", lambda: next(suffixes)) == "debugger-x7k2p"
    assert container_name(pod, "mine", lambda: "never") == "mine"
    generated = container_name(pod, "", lambda: names.generated_name(""))
    assert len(generated) == len("debugger-xxxxx") and set(generated[9:]) <= set(names.GENERATED_ALPHABET)


def test_the_container_is_kubectls_with_only_what_was_asked():
    assert ephemeral_container("d", options(), []) == {
        "name": "d", "image": "busybox", "stdin": False, "tty": False, "terminationMessagePolicy": "File"}
    made = ephemeral_container("d", options(stdin=True, tty=True, target="app", env=["A=b"],
                                            image_pull_policy="IfNotPresent"), ["sh"])
    assert (made["targetContainerName"], made["command"], made["env"], made["imagePullPolicy"]) == (
        "app", ["sh"], [{"name": "A", "value": "b"}], "IfNotPresent")
    assert ephemeral_container("d", options(arguments_only=True), ["-c", "ls"])["args"] == ["-c", "ls"]


def test_describe_shows_ephemeral_containers_after_the_pods_own():
    pod = pod_with_containers()
    pod.spec.ephemeral_containers.add(name="debugger-x7k2p", image="busybox", command=["sh"])
    status = pod.status.ephemeral_container_statuses.add(name="debugger-x7k2p")
    status.state.running.started_at = "2026-01-02T00:00:00Z"
    lines = pod_body(pod)
    at = lines.index("Ephemeral Containers:")
    assert lines.index("Containers:") < at
    assert lines[at + 1:at + 6] == ["  debugger-x7k2p:", "    Image:          busybox", "    Command:        sh",
                                    "    State:          Running", "      Started:      2026-01-02T00:00:00Z"]
