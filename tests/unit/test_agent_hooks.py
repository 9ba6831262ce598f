"""Lifecycle hooks as the kubelet runs them (nodeagent/hooks.py): exec, httpGet and sleep handlers, and the
kubelet's words when one fails; over the fake runtime, without Docker or a network."""
from __future__ import annotations

import asyncio

from nodeagent import hooks
from nodeagent.probes.dialer import Dialer
from nodeagent.probes.prober import Prober
from nodeagent.runtime.base import ContainerSpec, ExecResult
from nodeagent.runtime.fake import FakeRuntime
from tests.fixtures.objects import from_yaml

POD = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, uid: u-1}
spec:
  containers:
  - name: app
    image: busybox
    lifecycle:
      postStart: {exec: {command: [sh, -c, "exit 3"]}}
      preStop: {sleep: {seconds: 1}}
""")
APP = POD.spec.containers[0]


async def started(runtime: FakeRuntime) -> str:
    await runtime.ensure_image("busybox:latest", "IfNotPresent")
    cid = await runtime.create(ContainerSpec("c", "busybox:latest", {}))
    await runtime.start(cid)
    return cid


def test_a_failing_exec_hook_is_reported_in_the_kubelets_words():
    async def scenario():
        runtime = FakeRuntime()
        runtime.exec_handler = lambda info, command: ExecResult(3, b"no luck\n")
        prober = Prober(runtime, Dialer(simulated=True), asyncio.Semaphore(1))
        return await hooks.run(APP.lifecycle.post_start, POD, APP, await started(runtime), "", prober, 5)
    assert asyncio.run(scenario()) == (
        'Exec lifecycle hook ([sh -c exit 3]) for Container "app" in Pod "web_shop(u-1)" failed - error: command '
        "'sh -c exit 3' exited with 3: no luck\n, message: \"no luck\n\"")


def test_successful_hooks_and_a_sleep_within_the_time_left_say_nothing():
    async def scenario():
        runtime = FakeRuntime()
        runtime.exec_handler = lambda info, command: ExecResult(0, b"")
        prober = Prober(runtime, Dialer(simulated=True), asyncio.Semaphore(1))
        cid = await started(runtime)
        loop = asyncio.get_running_loop()
        began = loop.time()
        slept = await hooks.run(APP.lifecycle.pre_stop, POD, APP, cid, "", prober, 0.05)  # cut to the time left
        return (await hooks.run(APP.lifecycle.post_start, POD, APP, cid, "", prober, 5), slept,
                loop.time() - began < 0.9)
    assert asyncio.run(scenario()) == (None, None, True)
