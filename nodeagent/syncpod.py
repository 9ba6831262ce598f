"""Carrying out a pod's actions (the kubelet's syncPod and killPod): sandbox, images, containers, status,
and termination down to the confirmation of the deletion. One PodSyncer per node, used by its pod workers.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from dataclasses import dataclass, field, replace

from api import errors, meta, sidecars, storage
from api.client import Client
from api.events import EventRecorder
from api.informer import Informer
from api.retry import Backoff
from api.tasks import cancel_and_wait
from nodeagent import (
    actions, claims, containers, downward, emptydir, envvars, ephemeral, etchosts, fsgroup, hooks, pullsecrets,
    security, servicelinks, status, subpath, volumes,
)
from nodeagent.configwatch import ConfigObjects
from nodeagent.dns.clusterdns import ClusterDns
from nodeagent.podnetwork import PodNetwork
from nodeagent.probes.manager import ProbeManager
from nodeagent.runtime import base
from nodeagent.runtime.base import ContainerInfo, Runtime
from nodeagent.tokens import PodTokens
from proto import types_pb2

log = logging.getLogger(__name__)

DEFAULT_GRACE_S = 30
# The kubelet's limits on a termination message: the file's first 4 KiB; from logs, 80 lines and 2 KiB.
DEADLINE_REASON = "DeadlineExceeded"
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
MAX_MESSAGE_BYTES = 4096
# The kubelet waits for a postStart hook without a bound; one that never returns would hold the pod's other
# containers forever, so the agent gives up after this long and counts it failed.
POST_START_TIMEOUT_S = 300.0
MAX_LOG_LINES = 80
MAX_LOG_BYTES = 2048


@dataclass
class PodEnv:
    """What every pod of one node shares: API client, runtime, network, probes, config objects, backoffs."""

    client: Client
    runtime: Runtime
    recorder: EventRecorder
    node_name: str
    node_ip: str
    state_dir: str
    runtime_scheme: str  # "docker": container IDs in the status read docker://ID
    restart_backoff: Backoff  # per (pod uid, container): crash loops and failed starts
    pull_backoff: Backoff  # per (pod uid, container): failed image pulls
    network: PodNetwork
    probes: ProbeManager  # liveness, readiness and startup probes
    config: ConfigObjects  # the ConfigMaps and Secrets pods name, watched one by one
    volumes: volumes.PodVolumes  # configMap, secret, downwardAPI and projected volumes
    tokens: PodTokens  # ServiceAccount tokens of projected volumes, requested per pod
    network_ready: asyncio.Event = field(default_factory=asyncio.Event)  # the network has started
    services: Informer | None = None  # the Services, where pods really run: enableServiceLinks
    dns: ClusterDns | None = None  # cluster DNS, where pods really run: their resolv.conf
    allocatable: dict[str, str] = field(default_factory=dict)  # the node's: limits a container leaves unset


@dataclass
class PodState:
    """What a pod worker remembers between syncs (all of it can be rebuilt after an agent restart)."""

    pod_ip: str = ""
    wired_sandbox: str = ""  # the sandbox whose network is known to be set up
    last_status: types_pb2.PodStatus | None = None
    pull_failures: dict[str, str] = field(default_factory=dict)  # container -> the daemon's last message
    pull_failed_at: dict[str, float] = field(default_factory=dict)
    # Containers the agent stopped so that they run again: restarted whatever their exit code (not kept
    # over an agent restart; docker's stopped containers rarely exit 0 anyway).
    killed: set[str] = field(default_factory=set)
    # Containers that could not be created or started: when, and what the status said (the retry waits
    # out the restart backoff, as a crash does).
    start_failures: dict[str, tuple[float, status.Waiting]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)  # exited container id -> its termination message
    next_usage_check: float = 0.0  # monotonic time to measure the pod's size-limited emptyDirs again
    volume_digests: dict[str, str] = field(default_factory=dict)  # config volume -> digest of what is written
    claim_dirs: dict[str, claims.ClaimDir] = field(default_factory=dict)  # persistentVolumeClaim volume -> its dir
    # A container waits for a ConfigMap or Secret (or a key of one): its change needs a full sync.
    config_blocked: bool = False


class PodSyncer:
    def __init__(self, env: PodEnv):
        self.env = env

    async def observe(self, uid: str) -> list[ContainerInfo]:
        return await self.env.runtime.list({base.LABEL_POD_UID: uid, base.LABEL_NODE: self.env.node_name})

    # ------------------------------------------------------------ a live pod

    async def sync(self, pod: types_pb2.Pod, state: PodState) -> float | None:
        """Move the pod one level-triggered step towards its spec; returns when to look again (seconds)."""
        env = self.env
        uid = pod.metadata.uid
        if not env.network_ready.is_set() and not pod.spec.host_network:
            await env.network_ready.wait()
        observed = await self.observe(uid)
        if await self._kill_unhealthy(pod, state, observed):
            observed = await self.observe(uid)  # the killed containers are restarted below, by the policy
        state.killed &= {info.id for info in observed}
        base_status = state.last_status or pod.status
        terminal = base_status.phase in status.TERMINAL
        deadline_in = _deadline_in(pod, base_status, time.time())
        if not terminal and deadline_in is not None and deadline_in <= 0:
            await self._fail(pod, state, observed, DEADLINE_REASON, DEADLINE_MESSAGE)
            return 0  # failed: come back at once to free the sandbox
        if not terminal and not observed and (refused := containers.os_refusal(pod)) is not None:
            await self._fail(pod, state, observed, *refused)  # never started: the kubelet's admission refuses it
            return None
        if not terminal and (eviction := await self._empty_dir_eviction(pod, state)) is not None:
            await self._fail(pod, state, observed, "Evicted", eviction)
            return 0
        plan = actions.compute(pod, observed, env.restart_backoff, time.time(), terminal, frozenset(state.killed),
                               env.probes.started(pod, observed))
        if not plan.create_sandbox and not plan.start:
            return await self._carry_out(pod, state, plan, observed, terminal, deadline_in, None)
        with env.recorder.held():  # the starts and the status first: the pod waits for them, not for its events
            return await self._start_pod(pod, state, plan, observed, terminal, deadline_in)

    async def _start_pod(self, pod, state: PodState, plan: actions.PodActions, observed: list[ContainerInfo],
                         terminal: bool, deadline_in: float | None) -> float | None:
        """Carry out a plan that starts the sandbox or containers."""
        env = self.env
        starting: asyncio.Task | None = None  # a new pod's sandbox, starting while its containers are created
        if plan.create_sandbox:
            try:
                sandbox = await self._create_sandbox(pod, state, observed, plan.sandbox_attempt)
            except containers.SpecError as e:  # the pod's spec cannot make a sandbox: say why, retry later
                return await self._sandbox_failed(pod, state, observed, str(e))
            if observed:  # a sandbox that died: its containers were stopped; plan them from what is there then
                await self._start_sandbox(pod, state, sandbox)
                return 0
            # A new pod: Docker creates a container joining a sandbox that does not run yet, so the containers
            # are prepared and created while the sandbox starts and is wired (the pod's address is reserved
            # first: their env and /etc/hosts carry it); the first container's start waits for the sandbox.
            await self._reserve_ip(pod, state)
            starting = asyncio.create_task(self._start_sandbox(pod, state, sandbox))
            observed = [replace(sandbox, state="running")]  # planned as running: nothing starts before it runs
            plan = actions.compute(pod, observed, env.restart_backoff, time.time(), terminal,
                                   frozenset(state.killed), env.probes.started(pod, observed))
        try:
            return await self._carry_out(pod, state, plan, observed, terminal, deadline_in, starting)
        finally:
            await cancel_and_wait(starting)  # only still running when the sync failed before the starts

    async def _carry_out(self, pod, state: PodState, plan: actions.PodActions, observed: list[ContainerInfo],
                         terminal: bool, deadline_in: float | None, starting: asyncio.Task | None) -> float | None:
        """Carry out the sync's plan; `starting`: the sandbox's start, when the plan was made while it starts."""
        env = self.env
        uid = pod.metadata.uid
        if deadline_in is not None and not terminal:
            plan.wake(deadline_in)
        if not terminal and emptydir.limited(pod):
            plan.wake(emptydir.CHECK_EVERY_S)
        sandbox = _running_sandbox(observed)
        if terminal and sandbox is not None:  # a finished pod needs no network: free it, as the kubelet does
            await self._release_sandbox(pod, sandbox, observed)
            sandbox = None
        if sandbox is not None and starting is None and state.wired_sandbox != sandbox.id:
            await self._wire(pod, state, sandbox)  # adopting a sandbox after an agent restart: idempotent
        waiting = dict(plan.waiting)
        lookup = await self._objects(pod)
        state.config_blocked = False
        if not terminal and not await self._set_up_volumes(pod, state, lookup):
            for start in plan.start:  # a volume is missing: no container starts until the watch kicks
                waiting[start.container.name] = status.Waiting("ContainerCreating")
            state.config_blocked = bool(plan.start)
            plan.start = []
        if not terminal and (due := env.tokens.refresh_in(pod)) is not None:
            plan.wake(due)  # a token to renew, or one that could not be had yet
        for leftover in plan.remove:
            await env.runtime.remove(leftover)
        specs = _specs(pod)
        for kill in plan.kill:
            await self._kill(pod, kill.container, specs.get(kill.name), time.monotonic() + _grace(pod), kill.message)
            if kill.restart:
                state.killed.add(kill.container.id)  # should its replacement fail to start, it is still restarted
        if sandbox is not None:
            for start, problem in await self._start_all(pod, state, plan.start, sandbox, lookup, starting):
                waiting[start.container.name] = problem
                if problem.reason == "CreateContainerConfigError" and start.container.name not in state.start_failures:
                    state.config_blocked = True  # a missing ConfigMap, Secret or key: their watch kicks the pod
                else:
                    plan.wake(self._retry_in(pod, state, start.container.name) or 1.0)
        if starting is not None:
            await starting  # no container waited for it (none could be made): the pod still gets its network
        for old in containers.superseded(observed):
            await env.runtime.remove(old.id)
        observed = await self.observe(uid)
        written = await self.write_status(pod, state, observed, waiting)
        if written.phase in status.TERMINAL and sandbox is not None:
            plan.wake(0)  # just finished: come back at once to free the sandbox
        elif deadline_in is None and (deadline_in := _deadline_in(pod, written, time.time())) is not None:
            plan.wake(max(deadline_in, 0))  # the first status gave the pod its startTime: its deadline counts from now
        return plan.wake_in

    def _retry_in(self, pod, state: PodState, name: str) -> float:
        """Seconds until a container that failed to pull, be created or start may be tried again."""
        key, now = (pod.metadata.uid, name), time.time()
        pull = self.env.pull_backoff.remaining(key, state.pull_failed_at.get(name, 0), now)
        failed = state.start_failures.get(name)
        start = self.env.restart_backoff.remaining(key, failed[0], now) if failed else 0.0
        return max(pull, start)

    def _start_failed(self, pod, state: PodState, name: str, problem: status.Waiting) -> status.Waiting:
        now = time.time()
        self.env.restart_backoff.next((pod.metadata.uid, name), now)
        state.start_failures[name] = (now, problem)
        return problem

    async def _kill_unhealthy(self, pod, state: PodState, observed: list[ContainerInfo]) -> bool:
        """Stop the containers that failed their liveness or startup probe (as the kubelet: preStop, grace)."""
        kills = self.env.probes.kills(pod, observed)
        specs = _specs(pod)
        for kill in kills:
            grace = kill.grace_s if kill.grace_s is not None else _grace(pod)
            await self._kill(pod, kill.container, specs.get(kill.name), time.monotonic() + grace, kill.message)
            if kill.restart:  # a liveness kill is a failure, even if the container exits 0 (OnFailure)
                state.killed.add(kill.container.id)
        return bool(kills)

    async def _create_sandbox(self, pod, state: PodState, observed, attempt: int) -> ContainerInfo:
        """Stop what ran in a dead sandbox and create the new one (not started: `_start_sandbox`)."""
        env = self.env
        if attempt > 0 or observed:
            env.recorder.normal(pod, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.")
        for info in observed:  # containers of a dead sandbox lose their network: start over
            if info.state == "running":
                await env.runtime.stop(info.id, 0)
                state.killed.add(info.id)
        refusal = containers.runtime_refusal(await self._runtime_handler(pod))
        if refusal:
            raise containers.SpecError(refusal)
        spec = containers.sandbox_spec(pod, env.node_name, attempt, self._cluster_domain())
        await env.runtime.ensure_image(containers.PAUSE_IMAGE, "IfNotPresent")
        sandbox_id = await env.runtime.create(spec)
        state.wired_sandbox = ""
        return ContainerInfo(id=sandbox_id, name=spec.name, labels=spec.labels, image=spec.image, image_id="",
                             state="created")

    async def _sandbox_failed(self, pod, state: PodState, observed, message: str) -> float:
        """As the kubelet when RunPodSandbox fails: a FailedCreatePodSandBox event, the containers waiting in
        ContainerCreating, and another attempt after the sandbox backoff."""
        key = (pod.metadata.uid, base.SANDBOX_NAME)
        now = time.time()
        self.env.restart_backoff.next(key, now)
        self.env.recorder.warning(pod, "FailedCreatePodSandBox", f"Failed to create pod sandbox: {message}")
        await self.write_status(pod, state, observed, {c.name: status.Waiting("ContainerCreating")
                                                       for c in (*pod.spec.init_containers, *pod.spec.containers)})
        return max(self.env.restart_backoff.remaining(key, now, now), 1.0)

    async def _runtime_handler(self, pod) -> str:
        """The handler of the pod's RuntimeClass ("" when it names none)."""
        if not pod.spec.HasField("runtime_class_name"):
            return ""
        name = pod.spec.runtime_class_name
        try:
            return (await self.env.client.get("RuntimeClass", name, "", resource_version="0")).handler
        except errors.NotFound:
            raise containers.SpecError(f'runtimeclass.node.k8s.io "{name}" not found') from None

    def _cluster_domain(self) -> str:
        return self.env.dns.cluster_domain if self.env.dns is not None else "cluster.local"

    async def _start_sandbox(self, pod, state: PodState, sandbox: ContainerInfo) -> None:
        """Start the sandbox and wire its network: then (as after the CRI's RunPodSandbox) containers may start."""
        await self.env.runtime.start(sandbox.id)
        if not pod.spec.host_network:
            sandbox = await self.env.runtime.inspect(sandbox.id)  # its pid: the network namespace to wire
        await self._wire(pod, state, sandbox)

    async def _reserve_ip(self, pod, state: PodState) -> None:
        state.pod_ip = self.env.node_ip if pod.spec.host_network else await self.env.network.allocate(pod.metadata.uid)

    async def _release_sandbox(self, pod, sandbox: ContainerInfo, observed: list[ContainerInfo]) -> None:
        # Sidecars still running beside the finished app containers stop before the sandbox goes.
        await self._stop_in_order(pod, observed, time.monotonic() + _grace(pod))
        await self.env.runtime.stop(sandbox.id, 0)
        if not pod.spec.host_network:
            await self.env.network.teardown(pod.metadata.uid)

    async def _wire(self, pod, state: PodState, sandbox: ContainerInfo) -> None:
        if pod.spec.host_network:
            state.pod_ip = self.env.node_ip
        else:
            state.pod_ip = await self.env.network.setup(pod.metadata.uid, sandbox.pid)
        state.wired_sandbox = sandbox.id

    async def _pull(self, pod, state: PodState, c: types_pb2.Container, lookup,
                    present: set[str]) -> status.Waiting | None:
        """Make sure the container's image is on the node. `present`: the images found or pulled in this sync,
        not looked up again (unless pulled each time)."""
        env = self.env
        key = (pod.metadata.uid, c.name)
        now = time.time()
        if env.pull_backoff.remaining(key, state.pull_failed_at.get(c.name, 0), now) > 0:
            return status.Waiting("ImagePullBackOff",
                                  f'Back-off pulling image "{c.image}": {state.pull_failures.get(c.name, "")}')
        policy = c.image_pull_policy or "IfNotPresent"
        if policy == "Always":
            env.recorder.normal(pod, "Pulling", f'Pulling image "{c.image}"')
        began = time.monotonic()
        try:
            secrets = [lookup("Secret", ref.name) for ref in pod.spec.image_pull_secrets]
            auth = pullsecrets.credentials_for(c.image, [s for s in secrets if s is not None])
            if policy == "Always" or c.image not in present:
                await env.runtime.ensure_image(c.image, policy, auth)
                present.add(c.image)
        except base.ImageNeverPullError as e:
            env.recorder.warning(pod, "ErrImageNeverPull", str(e))
            return status.Waiting("ErrImageNeverPull", str(e))
        except base.ImagePullError as e:
            env.pull_backoff.next(key, now)
            state.pull_failed_at[c.name] = now
            state.pull_failures[c.name] = str(e)
            env.recorder.warning(pod, "Failed", f'Failed to pull image "{c.image}": {e}')
            return status.Waiting("ErrImagePull", str(e))
        env.pull_backoff.reset(key)
        state.pull_failures.pop(c.name, None)
        if policy == "Always":
            env.recorder.normal(pod, "Pulled", f'Successfully pulled image "{c.image}" in '
                                               f'{time.monotonic() - began:.3f}s')
        else:
            env.recorder.normal(pod, "Pulled", f'Container image "{c.image}" already present on machine')
        return None

    def _facts(self, state: PodState) -> downward.PodFacts:
        return downward.PodFacts(state.pod_ip, self.env.node_ip, self.env.allocatable)

    async def _objects(self, pod) -> envvars.Lookup:
        """The pod's ConfigMaps and Secrets, once their watches have listed."""
        await self.env.config.ready(pod)
        return self.env.config.lookup_for(pod)

    async def refresh_volumes(self, pod, state: PodState) -> None:
        """Only rewrite the pod's config volumes (a ConfigMap or Secret changed); env is never updated."""
        if (state.last_status or pod.status).phase not in status.TERMINAL:
            await self._set_up_volumes(pod, state, await self._objects(pod))

    async def _set_up_volumes(self, pod, state: PodState, lookup) -> bool:
        """Write the pod's config volumes (again, when what they project changed); False if one failed."""
        await self.env.tokens.prepare(pod)
        try:
            # A pod's volumes never change and a bound claim keeps its volume: looked up once, not at each sync.
            if not state.claim_dirs and storage.claim_names(pod):
                state.claim_dirs = await claims.resolve(self.env.client, pod)
            await self.env.volumes.set_up(pod, lookup, self._facts(state), state.volume_digests,
                                          self.env.tokens.lookup_for(pod))
        except volumes.VolumeError as e:
            self.env.recorder.warning(pod, "FailedMount", str(e))
            return False
        return True

    async def _start_all(self, pod, state: PodState, starts: list[actions.Start], sandbox: ContainerInfo,
                         lookup, starting: asyncio.Task | None = None) -> list[tuple[actions.Start, status.Waiting]]:
        """Start the planned containers in plan order; returns the ones that did not start, and why.
        `starting`: the sandbox's start and wiring, still under way: the first container's start waits for it.

        A pipeline: the containers are prepared and created with Docker one after the other, each while the
        ones before it start (creating is not starting), and each starts once the one before it has started.
        So an app container is prepared and created while the sidecar before it starts (the long step), and
        starts as soon as the sidecar's start returns. An init container that fails stops what is planned
        behind it (a sidecar the apps wait for): nothing more is prepared, and what was created is removed,
        so only started containers remain."""
        if not starts:
            return []
        problems: list[tuple[actions.Start, status.Waiting]] = []
        pod_files = await self._pod_files(pod, state)
        present: set[str] = set()
        blocked = False  # an init container did not start: what is planned behind it waits for it

        async def start_in_turn(start: actions.Start, created: str | status.Waiting, before: asyncio.Task | None):
            nonlocal blocked
            if before is not None:
                await before
            if blocked:
                if isinstance(created, str):
                    await self.env.runtime.remove(created)  # created behind an init container that did not start
                return
            problem = created if isinstance(created, status.Waiting) else await self._run(pod, state, start, created)
            if problem is not None:
                problems.append((start, problem))
                blocked = blocked or start.init

        try:
            async with asyncio.TaskGroup() as steps:
                previous = starting  # the start of the container planned before this one (first: the sandbox)
                for start in starts:
                    if blocked:
                        break
                    prepared = await self._prepare(pod, state, start, sandbox, lookup, pod_files, present)
                    if isinstance(prepared, status.Waiting):
                        problems.append((start, prepared))
                        if start.init:
                            break
                        continue
                    created = await self._create(pod, state, start, prepared)
                    previous = steps.create_task(start_in_turn(start, created, previous))
        except ExceptionGroup as failed:  # the first failure, as one step after the other would raise it
            raise failed.exceptions[0] from None
        return problems

    async def _prepare(self, pod, state: PodState, start: actions.Start, sandbox: ContainerInfo, lookup,
                       pod_files: list[base.Mount], present: set[str]) -> base.ContainerSpec | status.Waiting:
        """Everything before Docker creates the container: image, env, security, mounts; or why it cannot.
        `pod_files`: the pod's resolv.conf and /etc/hosts; `present`: the images this sync has made sure of."""
        env = self.env
        c = start.container
        failed = state.start_failures.get(c.name)
        if failed is not None and env.restart_backoff.remaining((pod.metadata.uid, c.name), failed[0], time.time()) > 0:
            return failed[1]  # still backing off from the last failure: same reason, no new attempt or event
        problem = await self._pull(pod, state, c, lookup, present)
        if problem is not None:
            return problem
        try:
            services = servicelinks.service_env(pod, env.services.list()) if env.services is not None else None
            env_vars = envvars.resolve(c, pod, self._facts(state), lookup, services)
            command, args = envvars.command_line(c, env_vars)
            mount_list, dirs = containers.mounts(pod, c, env.state_dir, state.claim_dirs, env_vars)
        except (envvars.EnvError, containers.SpecError) as e:
            env.recorder.warning(pod, "Failed", f"Error: {e}")
            return status.Waiting("CreateContainerConfigError", str(e))
        try:
            image_user = await env.runtime.image_user(c.image) if security.needs_image_user(pod, c) else ""
            sec = security.docker_security(pod, c, image_user, containers.seccomp_root(env.state_dir))
        except security.NonRootError as e:
            env.recorder.warning(pod, "Failed", f"Error: {e}")
            return self._start_failed(pod, state, c.name, status.Waiting("CreateContainerConfigError", str(e)))
        fs_group = pod.spec.security_context.fs_group if pod.spec.security_context.HasField("fs_group") else None
        log_path = containers.termination_log(env.state_dir, pod.metadata.uid, c.name, start.attempt)
        try:
            mount_list = await asyncio.to_thread(_prepare_mounts, mount_list, dirs,
                                                 containers.pod_dir(env.state_dir, pod.metadata.uid), fs_group,
                                                 env.volumes.tmpfs, log_path)
        except (subpath.SubPathError, OSError) as e:
            env.recorder.warning(pod, "Failed", f"Error: {e}")
            return self._start_failed(pod, state, c.name, status.Waiting("CreateContainerConfigError", str(e)))
        mount_list = [*containers.with_pod_files(mount_list, pod_files),
                      base.Mount(log_path, c.termination_message_path or containers.DEFAULT_TERMINATION_MESSAGE_PATH)]
        spec = containers.app_spec(pod, c, env.node_name, start.attempt, sandbox.id, env_vars, command, args,
                                   mount_list, sec)
        return ephemeral.joined(spec, start.target)

    async def _create(self, pod, state: PodState, start: actions.Start,
                      spec: base.ContainerSpec) -> str | status.Waiting:
        env = self.env
        c = start.container
        try:
            container_id = await env.runtime.create(spec)
        except base.RuntimeError_ as e:
            env.recorder.warning(pod, "Failed", f"Error: {e}")
            return self._start_failed(pod, state, c.name, status.Waiting("CreateContainerError", str(e)))
        env.recorder.normal(pod, "Created", f"Created container {c.name}")
        if start.restart:
            env.restart_backoff.next((pod.metadata.uid, c.name), time.time())
        return container_id

    async def _run(self, pod, state: PodState, start: actions.Start, container_id: str) -> status.Waiting | None:
        env = self.env
        c = start.container
        try:
            await env.runtime.start(container_id)
        except base.RuntimeError_ as e:
            env.recorder.warning(pod, "Failed", f"Error: {e}")
            return self._start_failed(pod, state, c.name, status.Waiting("RunContainerError", str(e)))
        env.recorder.normal(pod, "Started", f"Started container {c.name}")
        if c.lifecycle.HasField("post_start"):
            # As the kubelet: the hook runs before the next container starts; if it fails, the container is
            # killed and restarted as a crash would be.
            failed = await hooks.run(c.lifecycle.post_start, pod, c, container_id, state.pod_ip,
                                     env.probes.prober, POST_START_TIMEOUT_S)
            if failed is not None:
                env.recorder.warning(pod, "FailedPostStartHook", failed)
                with contextlib.suppress(base.ContainerNotFound):
                    await env.runtime.stop(container_id, _grace(pod))
                return self._start_failed(pod, state, c.name, status.Waiting("PostStartHookError", failed))
        state.start_failures.pop(c.name, None)
        return None

    async def _termination_messages(self, pod, state: PodState, observed: list[ContainerInfo]) -> dict[str, str]:
        """Each exited container's message, read once: its terminationMessagePath file, or with
        FallbackToLogsOnError and a failure, the tail of its logs (the kubelet's limits)."""
        specs = _specs(pod)
        for info in observed:
            name = info.labels.get(base.LABEL_CONTAINER_NAME, "")
            if info.state != "exited" or info.id in state.messages or name not in specs:
                continue
            path = containers.termination_log(self.env.state_dir, pod.metadata.uid, name, containers.attempt_of(info))
            message = await asyncio.to_thread(_read_text, path, MAX_MESSAGE_BYTES)
            if not message and info.exit_code != 0 and \
                    specs[name].termination_message_policy == "FallbackToLogsOnError":
                message = await self._log_tail(info.id)
            state.messages[info.id] = message
        live = {info.id for info in observed}
        for gone in [cid for cid in state.messages if cid not in live]:
            del state.messages[gone]
        return state.messages

    async def _log_tail(self, container_id: str) -> str:
        try:
            chunks = [c async for c in self.env.runtime.logs(container_id, tail=MAX_LOG_LINES)]
        except base.RuntimeError_:
            return ""
        return b"".join(chunks)[-MAX_LOG_BYTES:].decode("utf-8", errors="replace")

    async def _pod_files(self, pod, state: PodState) -> list[base.Mount]:
        """The pod's resolv.conf (with cluster DNS) and /etc/hosts (once it has an IP), written once for all the
        containers a sync starts."""
        pod_dir = containers.pod_dir(self.env.state_dir, pod.metadata.uid)
        resolv = await self.env.dns.pod_mounts(pod, pod_dir, []) if self.env.dns is not None else []
        return [*resolv, *await self._hosts_mount(pod, state)]

    async def _hosts_mount(self, pod, state: PodState) -> list[base.Mount]:
        """The pod's /etc/hosts, written as the kubelet does, once the pod has an IP."""
        if not state.pod_ip:
            return []
        if pod.spec.host_network:
            node_hosts = await asyncio.to_thread(_read_text, "/etc/hosts")
            text = etchosts.host_network_hosts(pod, node_hosts)
        else:
            text = etchosts.pod_hosts(pod, [state.pod_ip], self._cluster_domain())
        path = await asyncio.to_thread(etchosts.write, containers.pod_dir(self.env.state_dir, pod.metadata.uid), text)
        return [etchosts.mount(path)]

    # ------------------------------------------------------------ status

    async def _fail(self, pod, state: PodState, observed: list[ContainerInfo], reason: str, message: str) -> None:
        """Stop everything and fail the pod with this reason, as the kubelet does when activeDeadlineSeconds
        has passed (DeadlineExceeded) or an emptyDir outgrows its sizeLimit (Evicted)."""
        self.env.recorder.warning(pod, reason, message)
        await self._stop_in_order(pod, observed, time.monotonic() + _grace(pod))
        await self.write_status(pod, state, await self.observe(pod.metadata.uid), {}, failed=(reason, message))

    async def _empty_dir_eviction(self, pod, state: PodState) -> str | None:
        """Measure the pod's size-limited emptyDirs (every CHECK_EVERY_S); the eviction message if one is over."""
        limits = emptydir.limited(pod)
        if not limits or time.monotonic() < state.next_usage_check:
            return None
        state.next_usage_check = time.monotonic() + emptydir.CHECK_EVERY_S
        uid = pod.metadata.uid
        usage = {name: await asyncio.to_thread(emptydir.usage_bytes,
                                               containers.empty_dir_path(self.env.state_dir, uid, name))
                 for name in limits}
        return emptydir.over_limit(pod, usage)

    async def write_status(self, pod, state: PodState, observed, waiting: dict[str, status.Waiting],
                           failed: tuple[str, str] | None = None) -> types_pb2.PodStatus:
        """Compute the pod's status; write it only when it changed. Returns it."""
        env = self.env
        previous = state.last_status or pod.status
        probes = env.probes
        view = status.AgentView(now=meta.now(), host_ip=env.node_ip, pod_ip=state.pod_ip,
                                runtime=env.runtime_scheme, waiting=waiting,
                                readiness=probes.readiness(pod, observed), started=probes.started(pod, observed),
                                messages=await self._termination_messages(pod, state, observed), failed=failed)

        def computed(current: types_pb2.PodStatus) -> types_pb2.PodStatus:
            # From the agent's own last status, with the conditions others wrote as `current` (the API's) has them.
            base_pod = meta.copy(pod)
            base_pod.status.CopyFrom(status.with_others_conditions(previous, current))
            result = status.compute(base_pod, observed, view)
            result.ephemeral_container_statuses.extend(ephemeral.statuses(pod, observed, view))
            return result

        new = computed(pod.status)
        probes.update_pod(pod, observed, state.pod_ip, terminal=new.phase in status.TERMINAL)
        for c in new.container_statuses:
            if c.state.waiting.reason in ("CrashLoopBackOff", "ImagePullBackOff") and not _same_waiting(previous, c):
                env.recorder.warning(pod, "BackOff", c.state.waiting.message)
        if new == pod.status or new == state.last_status:
            return new
        update = meta.copy(pod)
        update.status.CopyFrom(new)
        try:
            await env.client.update_status(update)
        except errors.Conflict:
            fresh = await env.client.get("Pod", pod.metadata.name, pod.metadata.namespace)
            if fresh.metadata.uid != pod.metadata.uid:
                return new
            new = computed(fresh.status)  # someone else wrote the status: keep their conditions
            fresh.status.CopyFrom(new)
            await env.client.update_status(fresh)
        state.last_status = new
        return new

    # ------------------------------------------------------------ termination

    async def terminate(self, pod: types_pb2.Pod, state: PodState, confirm: bool) -> None:
        """Stop (preStop, SIGTERM, grace, SIGKILL) and remove everything of the pod; then, when `confirm`,
        tell the API server the pod is gone (deletion with grace 0, for this uid only)."""
        env = self.env
        uid = pod.metadata.uid
        await env.probes.remove_pod(uid)  # a pod on its way out is not probed
        observed = await self.observe(uid)
        await self._stop_in_order(pod, observed, time.monotonic() + _grace(pod))
        for info in observed:
            await env.runtime.remove(info.id)
        if not pod.spec.host_network:
            await env.network.teardown(uid)
        await env.volumes.tear_down(uid)  # a secret's tmpfs goes before the directory does
        await env.config.unregister(uid)
        env.tokens.forget(uid)
        await asyncio.to_thread(shutil.rmtree, containers.pod_dir(env.state_dir, uid), True)
        env.restart_backoff.forget_prefix(uid)
        env.pull_backoff.forget_prefix(uid)
        if confirm:
            try:
                await env.client.delete("Pod", pod.metadata.name, pod.metadata.namespace, grace_period=0,
                                        precondition_uid=uid)
            except (errors.NotFound, errors.PreconditionFailed, errors.Conflict):
                pass  # already gone, or a new pod of the same name

    async def _stop_in_order(self, pod, observed: list[ContainerInfo], deadline: float) -> None:
        """Stop the running containers within one grace period: app (and plain init) containers together,
        then the sidecars one by one in reverse order, as the kubelet does, so they serve the apps' shutdown."""
        running = {i.labels.get(base.LABEL_CONTAINER_NAME, ""): i for i in observed if i.state == "running"
                   and i.labels.get(base.LABEL_CONTAINER_NAME) != base.SANDBOX_NAME}
        specs = _specs(pod)
        last = [c.name for c in reversed(sidecars.sidecars(pod)) if c.name in running]
        await asyncio.gather(*(self._kill(pod, info, specs.get(name), deadline)
                               for name, info in running.items() if name not in last))
        for name in last:
            await self._kill(pod, running[name], specs.get(name), deadline)

    async def _kill(self, pod, info: ContainerInfo, spec: types_pb2.Container | None, deadline: float,
                    reason: str = "") -> None:
        env = self.env
        name = info.labels.get(base.LABEL_CONTAINER_NAME, "")
        env.recorder.normal(pod, "Killing", reason or f"Stopping container {name}")
        if spec is not None and spec.lifecycle.HasField("pre_stop"):
            failed = await hooks.run(spec.lifecycle.pre_stop, pod, spec, info.id, pod.status.pod_ip,
                                     env.probes.prober, deadline - time.monotonic())
            if failed is not None:
                env.recorder.warning(pod, "FailedPreStopHook", failed)
        try:
            await env.runtime.stop(info.id, max(deadline - time.monotonic(), 0))
        except base.ContainerNotFound:
            pass


def _deadline_in(pod: types_pb2.Pod, current: types_pb2.PodStatus, now: float) -> float | None:
    """Seconds left of the pod's activeDeadlineSeconds, counted from its startTime; None: no deadline yet."""
    if not pod.spec.HasField("active_deadline_seconds") or not current.start_time:
        return None
    started = meta.parse_time(current.start_time)
    return started.timestamp() + pod.spec.active_deadline_seconds - now if started else None


def _read_text(path: str, limit: int = -1) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _empty_file(path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb"):
        pass
    os.chmod(path, 0o666)  # any user the container runs as may write its message


def _specs(pod: types_pb2.Pod) -> dict[str, types_pb2.Container]:
    debuggers = map(ephemeral.as_container, pod.spec.ephemeral_containers)  # their termination messages too
    return {c.name: c for c in [*pod.spec.init_containers, *pod.spec.containers, *debuggers]}


def _grace(pod: types_pb2.Pod) -> float:
    if pod.metadata.HasField("deletion_grace_period_seconds"):
        return pod.metadata.deletion_grace_period_seconds
    if pod.spec.HasField("termination_grace_period_seconds"):
        return pod.spec.termination_grace_period_seconds
    return DEFAULT_GRACE_S


def _running_sandbox(observed: list[ContainerInfo]) -> ContainerInfo | None:
    found = containers.instances(observed, base.SANDBOX_NAME)
    return found[0] if found and found[0].state == "running" else None


def _same_waiting(previous: types_pb2.PodStatus, new: types_pb2.ContainerStatus) -> bool:
    for c in previous.container_statuses:
        if c.name == new.name:
            return c.state.waiting.reason == new.state.waiting.reason and c.restart_count == new.restart_count
    return False


def _prepare_mounts(mount_list: list[base.Mount], dirs: list, pod_dir: str,
                    fs_group: int | None = None, may_mount: bool = False, log_path: str = "") -> list[base.Mount]:
    """Make the volumes' directories and pin subPaths; the mounts with the sources found. `may_mount`: where
    pods really run (a tmpfs for medium Memory, a subPath bind-mounted through the fd that was checked).
    `log_path`: the container's termination message file, made empty (in the same trip to a thread)."""
    if log_path:
        _empty_file(log_path)
    resolved = list(mount_list)
    for item in dirs:
        if isinstance(item, containers.HostDir):
            os.makedirs(item.path, exist_ok=True)
            if item.memory and may_mount and not os.path.ismount(item.path):
                volumes.mount_tmpfs(item.path, "mode=0777" + (f",size={item.size_bytes}" if item.size_bytes else ""))
            if item.path.startswith(pod_dir + os.sep):
                os.chmod(item.path, 0o777)  # an emptyDir is world-writable, as the kubelet makes it
                if fs_group is not None:  # owned by the pod's fsGroup, which new files inherit (setgid)
                    fsgroup.own(item.path, fs_group, read_only=False)
    for item in dirs:
        if isinstance(item, containers.SubPath):
            if may_mount:
                source = subpath.bind(item.volume_path, item.sub_path, item.mode, item.target)
            else:
                source = subpath.resolve(item.volume_path, item.sub_path, item.mode)
            resolved[item.index] = replace(resolved[item.index], source=source)
    return resolved
