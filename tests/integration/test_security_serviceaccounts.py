"""ServiceAccounts as Kubernetes has them: a `default` account and the cluster CA in every namespace (the
controller manager's), pods running as `default` with a kube-api-access volume (admission), and the agent
writing the pod-bound token that lets software in the pod call the API as its account."""
from __future__ import annotations

import os

import pytest

from api import errors
from controlplane.apiserver.auth import tokenvolume
from nodeagent import containers
from nodeagent.runtime.fake import FakeRuntime
from tests.fixtures.apiserver import token_client
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_runtime_agent import agent_config, running_agent
from tests.fixtures.objects import from_yaml, pod, view_binding
from tests.fixtures.wait import eventually

CONTROLLERS = ["serviceaccount", "root-ca-cert-publisher"]


async def _exists(client, kind: str, name: str, namespace: str) -> bool:
    try:
        await client.get(kind, name, namespace)
        return True
    except errors.NotFound:
        return False


async def _has_default_account(client, namespace: str) -> bool:
    return await _exists(client, "ServiceAccount", "default", namespace) and \
        await _exists(client, "ConfigMap", "kube-root-ca.crt", namespace)


async def test_every_namespace_old_and_new_gets_a_default_account_and_the_cluster_ca(client, pki):
    await client.create(from_yaml("{apiVersion: v1, kind: Namespace, metadata: {name: team}}"))
    async with running_manager(client, CONTROLLERS):
        for ns in ("default", "kube-system", "team"):
            await eventually(lambda: _has_default_account(client, ns), 10, what=f"{ns}'s default account")
        ca = (await client.get("ConfigMap", "kube-root-ca.crt", "team")).data["ca.crt"]
        assert ca == pki.ca_file.read_text()
        await client.create(from_yaml("{apiVersion: v1, kind: Namespace, metadata: {name: later}}"))
        await eventually(lambda: _has_default_account(client, "later"), 10, what="the new namespace's account")
        await client.delete("ServiceAccount", "default", "team")
        await eventually(lambda: _exists(client, "ServiceAccount", "default", "team"), 10,
                         what="the deleted default account to come back")


async def _with_default_account(client, namespace: str = "default", automount: bool | None = None) -> None:
    extra = "" if automount is None else f", automountServiceAccountToken: {str(automount).lower()}"
    await client.create(from_yaml(f"{{apiVersion: v1, kind: ServiceAccount, "
                                  f"metadata: {{name: default, namespace: {namespace}}}{extra}}}"))

    # Admission looks for `default` in the API server's watch cache (a moment behind etcd): wait until a
    # dry-run pod asking for the token gets it.
    async def seen() -> bool:
        probe = pod("probe", namespace=namespace)
        probe.spec.automount_service_account_token = True
        return bool((await client.create(probe, dry_run=True)).spec.volumes)
    await eventually(seen, 10, what="the account in the API server's cache")


async def test_a_pod_runs_as_default_with_the_api_access_volume_in_every_container(client):
    await _with_default_account(client)
    created = await client.create(from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers: [{name: init, image: busybox}]
  containers:
  - {name: app, image: busybox}
  - name: own
    image: busybox
    volumeMounts: [{name: mine, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}]
  volumes: [{name: mine, emptyDir: {}}]
"""))
    assert created.spec.service_account_name == "default"
    [volume] = [v for v in created.spec.volumes if v.name.startswith("kube-api-access-")]
    assert len(volume.name) == len("kube-api-access-") + 5
    sources = volume.projected.sources
    assert (sources[0].service_account_token.path, sources[0].service_account_token.expiration_seconds) == \
        ("token", 3607)
    assert (sources[1].config_map.name, sources[1].config_map.items[0].path) == ("kube-root-ca.crt", "ca.crt")
    assert sources[2].downward_api.items[0].field_ref.field_path == "metadata.namespace"
    mounts = {c.name: [(m.name, m.mount_path, m.read_only) for m in c.volume_mounts]
              for c in [*created.spec.init_containers, *created.spec.containers]}
    token_mount = (volume.name, tokenvolume.MOUNT_PATH, True)
    assert mounts["init"] == [token_mount] and mounts["app"] == [token_mount]
    assert mounts["own"] == [("mine", tokenvolume.MOUNT_PATH, False)]  # its own mount there wins


@pytest.mark.parametrize("pod_says, account_says", [(False, None), (None, False), (False, True)])
async def test_automount_false_on_the_pod_or_its_account_mounts_nothing(client, pod_says, account_says):
    await _with_default_account(client, automount=account_says)
    p = pod("quiet")
    if pod_says is not None:
        p.spec.automount_service_account_token = pod_says
    created = await client.create(p)
    assert not [v for v in created.spec.volumes if v.name.startswith("kube-api-access-")]
    assert not created.spec.containers[0].volume_mounts


async def test_a_pod_naming_a_missing_account_is_refused_in_kubernetes_words(client):
    p = pod("lost")
    p.spec.service_account_name = "ghost"
    with pytest.raises(errors.Forbidden, match=r'pods "lost" is forbidden: error looking up service account '
                                               r'default/ghost: serviceaccount "ghost" not found'):
        await client.create(p)


async def test_a_token_volume_expiring_in_under_ten_minutes_is_invalid(client):
    p = pod("short")
    p.spec.volumes.add(name="t").projected.sources.add().service_account_token.expiration_seconds = 60
    p.spec.volumes[0].projected.sources[0].service_account_token.path = "token"
    with pytest.raises(errors.Invalid, match=r"serviceAccountToken.expirationSeconds: Invalid value: 60: "
                                             r"may not specify a duration less than 10 minutes"):
        await client.create(p)


async def test_the_agent_writes_a_pod_bound_token_that_lists_pods_only_after_a_role_binding(
        apiserver_running, client, tmp_path):
    await _with_default_account(client)
    async with running_manager(client, ["root-ca-cert-publisher"]), \
            running_agent(client, agent_config(client.server, tmp_path), FakeRuntime()) as agent:
        created = await client.create(pod("reader", node="node-a"))
        volume = next(v.name for v in created.spec.volumes if v.name.startswith("kube-api-access-"))
        directory = containers.empty_dir_path(agent.cfg.state_dir, created.metadata.uid, volume)

        def written():
            files = {f: os.path.join(directory, f) for f in ("token", "ca.crt", "namespace")}
            return all(os.path.exists(p) for p in files.values()) and \
                {f: open(p).read() for f, p in files.items()}
        files = await eventually(written, 15, what="the kube-api-access files")
        assert files["namespace"] == "default" and "BEGIN CERTIFICATE" in files["ca.crt"]
        async with token_client(apiserver_running.token_address, files["token"]) as in_pod:
            with pytest.raises(errors.Forbidden, match='User "system:serviceaccount:default:default" cannot list'):
                await in_pod.list("Pod", "default")
            await client.create(view_binding("default-view", "default"))

            async def lists():
                try:
                    return [p.metadata.name for p in (await in_pod.list("Pod", "default")).items]
                except errors.Forbidden:
                    return None
            assert "reader" in await eventually(lists, 10, what="the binding to take effect")
            # The token is bound to its pod: once the pod is gone, so is the token.
            await client.delete("Pod", "reader", grace_period=0)

            async def refused():
                try:
                    await in_pod.list("Pod", "default")
                    return False
                except errors.Unauthenticated:
                    return True
            await eventually(refused, 10, what="the pod-bound token to stop working")


async def test_a_node_may_not_request_tokens_for_pods_of_other_nodes(apiserver_running, client, pki):
    await _with_default_account(client)
    mine = await client.create(pod("mine", node="n1"))
    theirs = await client.create(pod("theirs", node="n2"))
    async with pki.node_client(client.servers, "n1") as n1:
        await eventually(lambda: _token_ok(n1, mine), 10, what="the node's pod in the authorizer's cache")
        with pytest.raises(errors.Forbidden):
            await n1.create_token("default", bound_pod=theirs)
        with pytest.raises(errors.Forbidden):
            await n1.create_token("default")  # a node asks only for tokens bound to its pods


async def _token_ok(client, bound) -> bool:
    try:
        return bool((await client.create_token("default", bound_pod=bound)).token)
    except errors.Forbidden:
        return False


async def test_a_token_is_bound_at_once_to_a_pod_just_created_or_recreated(apiserver_running, client, pki):
    # The API server looks the pod up in its watch cache first; one the cache may not have caught up with
    # (just created, deleted and created again, bound to the asking node) is judged on what etcd holds.
    await _with_default_account(client)
    fresh = await client.create(pod("fresh"))
    assert (await client.create_token("default", bound_pod=fresh)).token
    await client.bind("default", "fresh", "n1")
    async with pki.node_client(client.servers, "n1") as n1:  # the node authorizer reads its cache: wait for it
        await eventually(lambda: _token_ok(n1, fresh), 10, what="a token for the pod just bound to n1")
    await client.delete("Pod", "fresh", grace_period=0)
    again = await client.create(pod("fresh"))
    assert (await client.create_token("default", bound_pod=again)).token
    with pytest.raises(errors.Conflict):
        await client.create_token("default", bound_pod=fresh)  # the uid of the pod that is gone
