"""Stock kubectl drives the lab through the kubeconfig `deploy.lab up` writes: nodes, a deployment rolled
out on real Docker pods, logs -f, exec, and an interactive `exec -it` in tmux."""
from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request

import pytest

from tests.fixtures.etcd import free_port
from tests.fixtures.lab import lab, lab_marks, running_lab
from tests.fixtures.wait import eventually_sync

pytestmark = lab_marks(
    pytest.mark.skipif(shutil.which("kubectl") is None or shutil.which("tmux") is None,
                       reason="needs kubectl and tmux"))

WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: talk}
spec:
  replicas: 1
  selector: {matchLabels: {app: talk}}
  template:
    metadata: {labels: {app: talk}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox:latest
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done"]
"""


@pytest.fixture(scope="module")
def two_hosts(home):
    with running_lab(home, "--nodes", "2", "--ready-timeout", "90") as up:
        yield up


def kubectl(home: str, *argv: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", *argv], input=stdin, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, HOME=home))


def test_up_writes_a_kubeconfig_that_kubectl_uses(two_hosts, home):
    config = os.path.join(home, ".kube", "config")
    assert open(config).read().startswith("# written by deploy/lab")
    printed = lab("kubeconfig", home=home).stdout
    assert printed in open(config).read()
    nodes = kubectl(home, "get", "nodes", "-o", "wide")
    assert nodes.returncode == 0, nodes.stderr
    rows = [line.split() for line in nodes.stdout.splitlines()[1:]]
    assert sorted((r[0], r[1]) for r in rows) == [("skiff-host-1", "Ready"), ("skiff-host-2", "Ready")]
    assert {r[5] for r in rows} == {"10.250.0.11", "10.250.0.12"}  # INTERNAL-IP


def test_rollout_logs_and_exec_on_real_pods(two_hosts, home):
    applied = kubectl(home, "apply", "-f", "-", stdin=WEB)
    assert applied.returncode == 0, applied.stderr
    rolled = kubectl(home, "rollout", "status", "deploy/talk", "--timeout=90s", timeout=100)
    assert rolled.returncode == 0, rolled.stderr
    pod = kubectl(home, "get", "pods", "-l", "app=talk", "-o", "jsonpath={.items[0].metadata.name}").stdout
    logs = subprocess.Popen(["kubectl", "logs", "-f", pod], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, HOME=home))
    try:
        seen = [logs.stdout.readline() for _ in range(3)]
        assert all(line.startswith("tick ") for line in seen), seen
    finally:
        logs.kill()
        logs.wait()
    hostname = kubectl(home, "exec", pod, "--", "cat", "/etc/hostname")
    assert (hostname.returncode, hostname.stdout.strip()) == (0, pod), hostname.stderr
    failing = kubectl(home, "exec", pod, "--", "sh", "-c", "exit 3")
    assert failing.returncode == 3
    piped = kubectl(home, "exec", "-i", pod, "--", "cat", stdin="through stdin\n")
    assert piped.stdout == "through stdin\n", piped.stderr
    assert kubectl(home, "delete", "deploy", "talk").returncode == 0


def test_exec_it_is_interactive_in_tmux(two_hosts, home):
    applied = kubectl(home, "run", "shell", "--image=busybox:latest", "--image-pull-policy=IfNotPresent",
                      "--", "sleep", "3600")
    assert applied.returncode == 0, applied.stderr
    assert kubectl(home, "wait", "--for=condition=Ready", "pod/shell", "--timeout=90s", timeout=100).returncode == 0
    session = f"skiff-e2e-{os.getpid()}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "30",
                    f"env HOME={home} kubectl exec -it shell -- sh"], check=True)
    try:
        def pane() -> str:
            return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                                  text=True).stdout
        eventually_sync(lambda: "#" in pane() or "/ #" in pane(), 30, "the shell prompt")
        subprocess.run(["tmux", "send-keys", "-t", session, "echo sum=$((20+22))", "Enter"], check=True)
        eventually_sync(lambda: "sum=42" in pane(), 20, "the command's output")
        subprocess.run(["tmux", "send-keys", "-t", session, "exit", "Enter"], check=True)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        kubectl(home, "delete", "pod", "shell", "--grace-period=0")



def test_port_forward_fetches_from_the_pod(two_hosts, home):
    web = kubectl(home, "run", "pf-web", "--image=busybox:latest", "--image-pull-policy=IfNotPresent", "--",
                  "sh", "-c", "mkdir -p /www && echo hello-through-port-forward > /www/index.html && "
                              "exec httpd -f -p 8080 -h /www")
    assert web.returncode == 0, web.stderr
    assert kubectl(home, "wait", "--for=condition=Ready", "pod/pf-web", "--timeout=90s", timeout=100).returncode == 0
    local = free_port()
    forward = subprocess.Popen(["kubectl", "port-forward", "pod/pf-web", f"{local}:8080"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=dict(os.environ, HOME=home))
    try:
        assert forward.stdout.readline().startswith(f"Forwarding from 127.0.0.1:{local}")

        def fetched():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{local}/", timeout=5) as r:
                    return r.read().decode()
            except OSError:
                return None
        assert eventually_sync(fetched, 30, "a fetch through the forwarded port").strip() == \
            "hello-through-port-forward"
    finally:
        forward.kill()
        forward.wait()
        kubectl(home, "delete", "pod", "pf-web", "--grace-period=0")


def test_cp_both_ways_through_exec(two_hosts, home, tmp_path):
    made = kubectl(home, "run", "files", "--image=busybox:latest", "--image-pull-policy=IfNotPresent", "--",
                   "sleep", "3600")
    assert made.returncode == 0, made.stderr
    assert kubectl(home, "wait", "--for=condition=Ready", "pod/files", "--timeout=90s", timeout=100).returncode == 0
    try:
        source = tmp_path / "up.txt"
        source.write_text("carried by kubectl cp\n")
        up = kubectl(home, "cp", str(source), "files:/tmp/up.txt")
        assert up.returncode == 0, up.stderr
        assert kubectl(home, "exec", "files", "--", "cat", "/tmp/up.txt").stdout == "carried by kubectl cp\n"
        back = tmp_path / "back.txt"
        down = kubectl(home, "cp", "files:/tmp/up.txt", str(back))
        assert down.returncode == 0, down.stderr
        assert back.read_text() == "carried by kubectl cp\n"
    finally:
        kubectl(home, "delete", "pod", "files", "--grace-period=0")


def test_run_i_attaches_to_the_main_process(two_hosts, home):
    r = kubectl(home, "run", "asker", "--image=busybox:latest", "--image-pull-policy=IfNotPresent", "-i", "--rm",
                "--restart=Never", "--", "sh", "-c", "read answer; echo got $answer",
                stdin="forty-two\n", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "got forty-two" in r.stdout
