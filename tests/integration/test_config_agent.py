"""ConfigMaps and Secrets into pods through the real API server and the agent (fake runtime): env from
keys, envFrom with a prefix, a missing key as CreateContainerConfigError until it appears, volumes
updated in place by an atomic swap, and imagePullSecrets reaching the pull."""
from __future__ import annotations

import base64
import os


from nodeagent.runtime import base
from nodeagent.runtime.fake import FakeRuntime
from tests.fixtures.fake_runtime_agent import agent_config, running_agent
from tests.fixtures.objects import from_yaml
from tests.fixtures.wait import eventually


CONFIG_MAP = """
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: default}
data: {LOG_LEVEL: debug, mode: fast}
"""
SECRET = """
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: default}
stringData: {password: s3cret}
"""


def _pod(name: str, container: str, volumes: str = "[]", extra: str = ""):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  nodeName: node-a
  {extra}
  containers:
  - {container}
  volumes: {volumes}
""")


async def _app_spec(runtime: FakeRuntime, client, name: str):
    pod = await client.get("Pod", name)
    found = await runtime.list({base.LABEL_POD_UID: pod.metadata.uid, base.LABEL_CONTAINER_NAME: "app"})
    return runtime.spec_of(found[0].id) if found else None


async def _waiting(client, name: str):
    statuses = (await client.get("Pod", name)).status.container_statuses
    return statuses[0].state.waiting if statuses and statuses[0].state.HasField("waiting") else None


async def test_env_from_keys_and_env_from_with_a_prefix(client, tmp_path):
    await client.create(from_yaml(CONFIG_MAP))
    await client.create(from_yaml(SECRET))
    runtime = FakeRuntime()
    async with running_agent(client, agent_config(client.server, tmp_path), runtime):
        await client.create(_pod("env", "{name: app, image: busybox:latest, "
                                        "envFrom: [{configMapRef: {name: app-config}, prefix: CFG_}], "
                                        "env: [{name: PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}},"
                                        " {name: LEVEL, valueFrom: {configMapKeyRef: {name: app-config, key: LOG_LEVEL}}}]}"))
        spec = await eventually(lambda: _app_spec(runtime, client, "env"), 10, what="the container created")
        assert spec.env == {"CFG_LOG_LEVEL": "debug", "CFG_mode": "fast", "PASSWORD": "s3cret", "LEVEL": "debug"}


async def test_a_missing_key_waits_as_create_container_config_error_then_runs_once_it_appears(client, tmp_path):
    await client.create(from_yaml(CONFIG_MAP))
    runtime = FakeRuntime()
    async with running_agent(client, agent_config(client.server, tmp_path), runtime):
        await client.create(_pod("late", "{name: app, image: busybox:latest, env: [{name: COLOR, valueFrom: "
                                         "{configMapKeyRef: {name: app-config, key: color}}}]}"))
        waiting = await eventually(lambda: _waiting(client, "late"), 10, what="CreateContainerConfigError")
        assert (waiting.reason, waiting.message) == ("CreateContainerConfigError",
                                                     "couldn't find key color in ConfigMap default/app-config")
        cm = await client.get("ConfigMap", "app-config")
        cm.data["color"] = "blue"
        await client.update(cm)

        async def running():
            return (await client.get("Pod", "late")).status.phase == "Running"
        await eventually(running, 10, what="the pod running once the key exists")
        assert (await _app_spec(runtime, client, "late")).env["COLOR"] == "blue"


async def test_a_missing_config_map_volume_holds_the_pod_until_created(client, tmp_path):
    runtime = FakeRuntime()
    async with running_agent(client, agent_config(client.server, tmp_path), runtime):
        await client.create(_pod("vol", "{name: app, image: busybox:latest, "
                                        "volumeMounts: [{name: cfg, mountPath: /etc/app}]}",
                                 "[{name: cfg, configMap: {name: app-config, items: [{key: mode, path: conf/mode}]}}]"))
        waiting = await eventually(lambda: _waiting(client, "vol"), 10, what="ContainerCreating")
        assert waiting.reason == "ContainerCreating"
        await client.create(from_yaml(CONFIG_MAP))
        spec = await eventually(lambda: _app_spec(runtime, client, "vol"), 10, what="the container created")
        [mount] = [m for m in spec.mounts if m.target == "/etc/app"]
        assert (mount.target, mount.read_only) == ("/etc/app", True)
        with open(os.path.join(mount.source, "conf", "mode")) as f:
            assert f.read() == "fast"
        data_dir = os.readlink(os.path.join(mount.source, "..data"))

        cm = await client.get("ConfigMap", "app-config")
        cm.data["mode"] = "slow"
        await client.update(cm)

        def updated():
            with open(os.path.join(mount.source, "conf", "mode")) as f:
                return f.read() == "slow"
        await eventually(updated, 10, what="the volume updated")
        assert os.readlink(os.path.join(mount.source, "..data")) != data_dir
        # the writer removes the old timestamped directory after the swap, not in the same step
        await eventually(lambda: not os.path.exists(os.path.join(mount.source, data_dir)), 10,
                         what="the previous data directory removed")


async def test_a_secret_volume_holds_decoded_values_with_the_default_mode(client, tmp_path):
    await client.create(from_yaml(SECRET))
    runtime = FakeRuntime()
    async with running_agent(client, agent_config(client.server, tmp_path), runtime):
        await client.create(_pod("sec", "{name: app, image: busybox:latest, "
                                        "volumeMounts: [{name: s, mountPath: /etc/secret}]}",
                                 "[{name: s, secret: {secretName: db, defaultMode: 0400}}]"))
        spec = await eventually(lambda: _app_spec(runtime, client, "sec"), 10, what="the container created")
        [mount] = [m for m in spec.mounts if m.target == "/etc/secret"]
        path = os.path.join(mount.source, "password")
        with open(path) as f:
            assert f.read() == "s3cret"
        assert os.stat(path).st_mode & 0o777 == 0o400


async def test_image_pull_secrets_reach_the_pull(client, tmp_path):
    config = base64.b64encode(b'{"auths":{"registry.example.com":{"username":"me","password":"pw"}}}').decode()
    await client.create(from_yaml(f"""
apiVersion: v1
kind: Secret
metadata: {{name: regcred, namespace: default}}
type: kubernetes.io/dockerconfigjson
data: {{.dockerconfigjson: {config}}}
"""))
    runtime = FakeRuntime()
    image = "registry.example.com/team/app:1"
    async with running_agent(client, agent_config(client.server, tmp_path), runtime):
        await client.create(_pod("pull", f"{{name: app, image: '{image}', imagePullPolicy: Always}}",
                                 extra="imagePullSecrets: [{name: regcred}]"))
        await eventually(lambda: image in runtime.pull_auth, 10, what="the pull")
        assert runtime.pull_auth[image] == {"username": "me", "password": "pw", "serveraddress": "registry.example.com"}
