"""securityContext to Docker options: a pure mapping, with the kubelet's runAsNonRoot rules and words."""
from __future__ import annotations

import pytest

from nodeagent import containers, security
from nodeagent.runtime.base import ContainerSpec
from nodeagent.runtime.docker import SeccompProfileError, host_config_args, load_seccomp_profile
from tests.fixtures.objects import from_yaml


def pod(pod_sc: str = "{}", container_sc: str = "{}", share: bool = False):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: shop, uid: u-1}}
spec:
  shareProcessNamespace: {str(share).lower()}
  securityContext: {pod_sc}
  containers:
  - {{name: app, image: busybox, securityContext: {container_sc}}}
""")


def mapped(pod_sc="{}", container_sc="{}", image_user=""):
    p = pod(pod_sc, container_sc)
    return security.docker_security(p, p.spec.containers[0], image_user)


def test_nothing_set_maps_to_nothing_but_kubernetes_unconfined_seccomp_default():
    assert mapped() == security.DockerSecurity(security_opt=("seccomp=unconfined",))


def test_run_as_user_and_group_become_the_docker_user_with_the_container_winning():
    assert mapped("{runAsUser: 1000, runAsGroup: 3000}").user == "1000:3000"
    assert mapped("{runAsUser: 1000}", "{runAsUser: 2000}").user == "2000"
    assert mapped("{runAsGroup: 3000}", image_user="nobody").user == "nobody:3000"


def test_supplemental_groups_and_fs_group_are_added_groups():
    assert mapped("{supplementalGroups: [4000, 5000], fsGroup: 2000}").group_add == ("4000", "5000", "2000")


def test_container_only_settings_map_to_their_docker_options():
    sec = mapped(container_sc="{readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, "
                              "capabilities: {add: [NET_ADMIN], drop: [ALL]}, seccompProfile: {type: Unconfined}}")
    assert sec.read_only_rootfs and not sec.privileged
    assert (sec.cap_add, sec.cap_drop) == (("CAP_NET_ADMIN",), ("ALL",))
    assert sec.security_opt == ("no-new-privileges", "seccomp=unconfined")
    assert mapped(container_sc="{privileged: true}").privileged


@pytest.mark.parametrize("pod_sc, container_sc, options, localhost", [
    # No profile anywhere: Unconfined, Kubernetes' default (a kubelet without --seccomp-default).
    ("{}", "{}", ("seccomp=unconfined",), ""),
    ("{seccompProfile: {type: Unconfined}}", "{}", ("seccomp=unconfined",), ""),
    # RuntimeDefault: Docker's own default profile, which Docker applies when told nothing.
    ("{seccompProfile: {type: RuntimeDefault}}", "{}", (), ""),
    # The container's profile wins over the pod's, either way.
    ("{seccompProfile: {type: Unconfined}}", "{seccompProfile: {type: RuntimeDefault}}", (), ""),
    ("{seccompProfile: {type: RuntimeDefault}}", "{seccompProfile: {type: Unconfined}}", ("seccomp=unconfined",), ""),
    # Localhost: the file under the node's seccomp root, loaded by the runtime.
    ("{seccompProfile: {type: Localhost, localhostProfile: profiles/audit.json}}", "{}", (),
     "/var/lib/skiff/agent/n1/seccomp/profiles/audit.json"),
    ("{}", "{seccompProfile: {type: Localhost, localhostProfile: deny.json}}", (),
     "/var/lib/skiff/agent/n1/seccomp/deny.json"),
])
def test_seccomp_profile_maps_as_kubernetes_does(pod_sc, container_sc, options, localhost):
    p = pod(pod_sc, container_sc)
    sec = security.docker_security(p, p.spec.containers[0], "", "/var/lib/skiff/agent/n1/seccomp")
    assert (sec.security_opt, sec.seccomp_localhost) == (options, localhost)


@pytest.mark.parametrize("pod_sc, container_sc, options", [
    # Unset and RuntimeDefault: Docker's own profile, which Docker applies when told nothing.
    ("{}", "{}", ()),
    ("{appArmorProfile: {type: RuntimeDefault}}", "{}", ()),
    ("{appArmorProfile: {type: Unconfined}}", "{}", ("apparmor=unconfined",)),
    # Localhost: a profile loaded on the node, by name; the container's wins over the pod's.
    ("{appArmorProfile: {type: Unconfined}}", "{appArmorProfile: {type: Localhost, localhostProfile: deny-write}}",
     ("apparmor=deny-write",)),
    ("{appArmorProfile: {type: Localhost, localhostProfile: deny-write}}", "{appArmorProfile: {type: RuntimeDefault}}",
     ()),
])
def test_app_armor_profile_maps_as_the_kubelet_does(pod_sc, container_sc, options):
    sec = mapped(pod_sc, container_sc)
    assert tuple(o for o in sec.security_opt if o.startswith("apparmor=")) == options


@pytest.mark.parametrize("image_user, message", [
    ("", 'container has runAsNonRoot and image will run as root (pod: "web_shop(u-1)", container: app)'),
    ("root", 'container has runAsNonRoot and image will run as root (pod: "web_shop(u-1)", container: app)'),
    ("0:0", 'container has runAsNonRoot and image will run as root (pod: "web_shop(u-1)", container: app)'),
    ("nobody", "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is "
               'non-root (pod: "web_shop(u-1)", container: app)'),
])
def test_run_as_non_root_refuses_a_root_image_user_in_the_kubelets_words(image_user, message):
    with pytest.raises(security.NonRootError) as caught:
        mapped("{runAsNonRoot: true}", image_user=image_user)
    assert str(caught.value) == message


def test_run_as_non_root_passes_a_numeric_user_and_refuses_an_explicit_root():
    assert mapped("{runAsNonRoot: true}", image_user="1000").user == ""
    assert mapped("{runAsNonRoot: true, runAsUser: 1000}").user == "1000"
    with pytest.raises(security.NonRootError, match="runAsUser breaks non-root policy"):
        mapped("{runAsNonRoot: true}", "{runAsUser: 0}")


def test_sysctls_go_to_the_sandbox_and_the_options_reach_docker():
    p = pod("{sysctls: [{name: net.ipv4.ip_local_port_range, value: '1024 65000'}]}",
            "{readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}", share=True)
    sandbox = containers.sandbox_spec(p, "n1", 0)
    assert host_config_args(sandbox)["sysctls"] == {"net.ipv4.ip_local_port_range": "1024 65000"}
    app = containers.app_spec(p, p.spec.containers[0], "n1", 0, "sb", {}, [], [], [],
                              security.docker_security(p, p.spec.containers[0]))
    args = host_config_args(app)
    assert (args["read_only"], args["cap_drop"], args["pid_mode"]) == (True, ["ALL"], "container:sb")
    assert "sysctls" not in args and "privileged" not in host_config_args(ContainerSpec("c", "i", {}))


def test_a_localhost_profile_reaches_docker_as_its_compacted_json(tmp_path):
    profile = tmp_path / "audit.json"
    profile.write_text('{\n  "defaultAction": "SCMP_ACT_LOG"\n}\n')
    assert load_seccomp_profile(str(profile)) == 'seccomp={"defaultAction":"SCMP_ACT_LOG"}'
    with pytest.raises(SeccompProfileError, match=f'cannot load seccomp profile "{tmp_path}/nope.json": No such file'):
        load_seccomp_profile(str(tmp_path / "nope.json"))
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(SeccompProfileError, match="not JSON"):
        load_seccomp_profile(str(tmp_path / "bad.json"))


@pytest.mark.parametrize("pod_sc, container_sc, needed", [
    ("{}", "{}", False),
    ("{runAsNonRoot: true}", "{}", True),  # only the image can say who it runs as
    ("{runAsGroup: 3000}", "{}", True),  # the group goes with the image's user
    ("{runAsNonRoot: true, runAsUser: 1000}", "{}", False),  # the user is given: no image inspection
    ("{runAsNonRoot: true}", "{runAsUser: 1000, runAsGroup: 3000}", False),
])
def test_the_image_user_is_asked_for_only_when_the_mapping_depends_on_it(pod_sc, container_sc, needed):
    p = pod(pod_sc, container_sc)
    assert security.needs_image_user(p, p.spec.containers[0]) is needed
