"""Debugging a running pod in the lab with an ephemeral container: stock `kubectl debug` and `skiff debug`; the
debugger shares the pod's network and, with --target, the target's processes; its status shows in the pod.

Needs root, dockerd, kubectl and the lab; traffic stays inside lab namespaces (the pod's own localhost).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.fixtures.lab import lab_marks, running_lab
from tests.fixtures.wait import eventually_sync

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = lab_marks(pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl"))

WEB = """apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "mkdir -p /w && echo served-by-app > /w/index.html && exec httpd -f -p 8080 -h /w"]
"""


@pytest.fixture(scope="module")
def one_host(home):
    with running_lab(home, "--nodes", "1", "--ready-timeout", "90") as up:
        yield up


def run(home: str, *argv: str, stdin: str | None = None, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), input=stdin, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=dict(os.environ, HOME=home))


def kubectl(home: str, *argv: str, **kw) -> subprocess.CompletedProcess:
    return run(home, "kubectl", *argv, **kw)


def skiff(home: str, *argv: str, **kw) -> subprocess.CompletedProcess:
    return run(home, sys.executable, "-m", "cli.main", *argv, **kw)


def ephemeral_status(home: str, name: str) -> dict:
    pod = yaml.safe_load(kubectl(home, "get", "pod", "web", "-o", "yaml").stdout)
    return next((s for s in pod["status"].get("ephemeralContainerStatuses", []) if s["name"] == name), {})


def test_kubectl_debug_shares_the_pods_network_and_the_targets_processes(one_host, home):
    made = kubectl(home, "apply", "-f", "-", stdin=WEB)
    assert made.returncode == 0, made.stderr
    ready = kubectl(home, "wait", "--for=condition=Ready", "pod/web", "--timeout=90s", timeout=100)
    assert ready.returncode == 0, ready.stderr

    script = "ps; wget -qO- http://127.0.0.1:8080/; sleep 3600"
    debug = kubectl(home, "debug", "web", "--image=busybox:latest", "--image-pull-policy=IfNotPresent",
                    "--target=app", "-c", "dbg", "--", "sh", "-c", script)
    assert debug.returncode == 0, debug.stderr

    def logs() -> str:
        out = kubectl(home, "logs", "web", "-c", "dbg").stdout
        return out if "served-by-app" in out else ""
    seen = eventually_sync(logs, 90, what="the debugger's ps and wget in its logs")
    assert "httpd -f -p 8080" in seen  # the target's processes: one PID namespace
    running = eventually_sync(lambda: ephemeral_status(home, "dbg").get("state", {}).get("running"), 30,
                              what="the debugger running in ephemeralContainerStatuses")
    assert running["startedAt"]
    pod = yaml.safe_load(kubectl(home, "get", "pod", "web", "-o", "yaml").stdout)
    [spec] = pod["spec"]["ephemeralContainers"]
    assert (spec["name"], spec["targetContainerName"]) == ("dbg", "app")
    shown = kubectl(home, "exec", "web", "-c", "dbg", "--", "hostname")
    assert (shown.returncode, shown.stdout.strip()) == (0, "web"), shown.stderr

    # Interactive: `-i` waits for it to run and attaches; what is typed runs in the pod.
    attached = kubectl(home, "debug", "-i", "web", "--image=busybox:latest", "--image-pull-policy=IfNotPresent",
                       "-c", "shell", "--", "sh", stdin="wget -qO- http://127.0.0.1:8080/\nexit 0\n", timeout=120)
    assert attached.returncode == 0, attached.stderr
    assert "served-by-app" in attached.stdout
    done = eventually_sync(lambda: ephemeral_status(home, "shell").get("state", {}).get("terminated"), 30,
                           what="the interactive debugger terminated, never restarted")
    assert done["exitCode"] == 0


def test_skiff_debug_attaches_to_a_debugger_in_the_targets_processes(one_host, home):
    if kubectl(home, "get", "pod", "web").returncode != 0:  # run alone: the pod of the test above
        assert kubectl(home, "apply", "-f", "-", stdin=WEB).returncode == 0
    ready = kubectl(home, "wait", "--for=condition=Ready", "pod/web", "--timeout=90s", timeout=100)
    assert ready.returncode == 0, ready.stderr
    typed = "ps\nwget -qO- http://127.0.0.1:8080/\nnslookup kubernetes.default.svc.cluster.local\nexit 0\n"
    attached = skiff(home, "debug", "-i", "web", "--image=busybox:latest", "--image-pull-policy=IfNotPresent",
                     "--target=app", "--", "sh", stdin=typed, timeout=120)
    assert attached.returncode == 0, attached.stderr
    assert attached.stdout.startswith("Defaulting debug container name to debugger-")
    assert "httpd -f -p 8080" in attached.stdout and "served-by-app" in attached.stdout
    assert "10.96.0.1" in attached.stdout  # the kubernetes Service's ClusterIP, from the pod's cluster DNS

    def described() -> str:
        out = skiff(home, "describe", "pod", "web").stdout
        section = out.split("Ephemeral Containers:", 1)[-1]
        return section if "debugger-" in section and "Terminated" in section else ""
    eventually_sync(described, 30, what="describe showing the ended debugger under Ephemeral Containers")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_kubectl_debug_it_is_an_interactive_shell_in_tmux(one_host, home):
    if kubectl(home, "get", "pod", "web").returncode != 0:  # run alone: the pod of the tests above
        assert kubectl(home, "apply", "-f", "-", stdin=WEB).returncode == 0
    assert kubectl(home, "wait", "--for=condition=Ready", "pod/web", "--timeout=90s", timeout=100).returncode == 0
    session = f"skiff-e2e-debug-{os.getpid()}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "30",
                    f"env HOME={home} kubectl debug -it web --image=busybox:latest --image-pull-policy=IfNotPresent "
                    f"--target=app; sleep 30"], check=True)
    try:
        def pane() -> str:
            return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                                  text=True).stdout
        eventually_sync(lambda: "try pressing enter" in pane(), 60, "kubectl attached to the debugger")
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)  # as kubectl's hint says
        try:
            eventually_sync(lambda: "/ #" in pane(), 30, "the debugger's shell prompt")
        except AssertionError:
            raise AssertionError(f"no prompt; the terminal shows:\n{pane()}") from None
        assert "Defaulting debug container name to debugger-" in pane()
        subprocess.run(["tmux", "send-keys", "-t", session, "echo sum=$((20+22)); ps | grep -c httpd", "Enter"],
                       check=True)
        eventually_sync(lambda: "sum=42" in pane(), 20, "the command's output")
        subprocess.run(["tmux", "send-keys", "-t", session, "exit", "Enter"], check=True)
        eventually_sync(lambda: "Session ended" in pane(), 20, "kubectl's word that the session ended")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
