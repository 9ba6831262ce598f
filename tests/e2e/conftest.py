"""Shared e2e fixtures: root, a real dockerd and network namespaces standing in for hosts.

Everything a test makes (containers by their node label, namespaces by name) is removed at teardown, also on failure.
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import subprocess
import uuid
from dataclasses import dataclass

import pytest

# Every namespace that routes gets these, so no pod or service packet can leave it (more-specific routes win).
GUARDED_CIDRS = ("10.244.0.0/16", "10.96.0.0/16")


def _docker_problem() -> str:
    try:
        import docker
        client = docker.from_env(timeout=10)
        try:
            client.ping()
        finally:
            client.close()
        return ""
    except Exception as e:  # any failure means: no usable docker here
        return f"docker does not answer ({e}); run `make setup` to start dockerd"


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def e2e_host():
    """Skips with the reason when this machine cannot run e2e tests."""
    if os.geteuid() != 0:
        pytest.skip("e2e tests need root (network namespaces, docker)")
    problem = _docker_problem()
    if problem:
        pytest.skip(problem)


@pytest.fixture(scope="session")
def local_images(e2e_host):
    from nodeagent.runtime.images import ensure_local_images
    ensure_local_images()


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True)


@pytest.fixture
def netns(e2e_host):
    """Factory: `netns()` makes a namespace `skiff-test-<random>` with lo up and the guard routes."""
    made: list[str] = []

    def make() -> str:
        name = f"skiff-test-{uuid.uuid4().hex[:8]}"
        _run("ip", "netns", "add", name)
        made.append(name)
        _run("ip", "-n", name, "link", "set", "lo", "up")
        for cidr in GUARDED_CIDRS:
            _run("ip", "-n", name, "route", "add", "unreachable", cidr)
        return name

    yield make
    for name in made:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


@pytest.fixture
def node_label(e2e_host):
    """{io.skiff.node: <unique>} for the test's containers; all of them are removed at teardown."""
    from nodeagent.runtime.base import LABEL_NODE
    value = f"e2e-{uuid.uuid4().hex[:8]}"
    yield {LABEL_NODE: value}
    import docker
    client = docker.from_env()
    try:
        for container in client.containers.list(all=True, filters={"label": f"{LABEL_NODE}={value}"}):
            container.remove(force=True)
    finally:
        client.close()


@pytest.fixture
async def docker_runtime(e2e_host, local_images):
    from nodeagent.runtime.docker import DockerRuntime
    runtime = DockerRuntime(max_workers=4)
    yield runtime
    await runtime.close()


@dataclass
class Pod:
    uid: str
    sandbox: str
    pid: int
    ip: ipaddress.IPv4Interface
    veth: str
    apps: list[str]


@pytest.fixture
def make_pod(docker_runtime, node_label):
    """Factory: a sandbox wired to a host namespace's bridge, plus app containers joined to it."""
    from nodeagent.network import pod as podnet
    from nodeagent.runtime.base import LABEL_CONTAINER_NAME, LABEL_POD_UID, SANDBOX_NAME, ContainerSpec
    from nodeagent.runtime.images import PAUSE_IMAGE

    async def make(host_ns: str, ip: str, apps: list[list[str]]) -> Pod:
        uid = uuid.uuid4().hex
        address = ipaddress.IPv4Interface(ip)
        gateway = address.network.network_address + 1
        labels = {**node_label, LABEL_POD_UID: uid}
        sandbox = await docker_runtime.create(ContainerSpec(
            name=f"skiff-e2e-{uid[:12]}-pod", image=PAUSE_IMAGE, labels={**labels, LABEL_CONTAINER_NAME: SANDBOX_NAME},
            network_mode="none", ipc_mode="shareable", hostname=f"pod-{uid[:6]}"))
        await docker_runtime.start(sandbox)
        pid = (await docker_runtime.inspect(sandbox)).pid
        veth = await asyncio.to_thread(podnet.attach, pid, uid, address, gateway, "skiff0", host_ns)
        app_ids = []
        for i, command in enumerate(apps):
            app = await docker_runtime.create(ContainerSpec(
                name=f"skiff-e2e-{uid[:12]}-app{i}", image="busybox:latest",
                labels={**labels, LABEL_CONTAINER_NAME: f"app{i}"}, command=command,
                network_mode=f"container:{sandbox}", ipc_mode=f"container:{sandbox}"))
            await docker_runtime.start(app)
            app_ids.append(app)
        return Pod(uid, sandbox, pid, address, veth, app_ids)

    return make


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return str(tmp_path_factory.mktemp("home"))
