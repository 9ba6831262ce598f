"""ServiceAccount admission's decisions (the kube-api-access volume) and the agent's token refresh timing."""
from __future__ import annotations

from controlplane.apiserver.auth import tokenvolume
from nodeagent import tokens
from proto import types_pb2


def _pod(*containers: str, automount: bool | None = None) -> types_pb2.Pod:
    pod = types_pb2.Pod()
    for name in containers:
        pod.spec.containers.add(name=name, image="busybox")
    if automount is not None:
        pod.spec.automount_service_account_token = automount
    return pod


def _account(automount: bool | None = None) -> types_pb2.ServiceAccount:
    sa = types_pb2.ServiceAccount()
    if automount is not None:
        sa.automount_service_account_token = automount
    return sa


def test_the_pod_says_last_on_automounting_then_its_account_then_yes():
    assert tokenvolume.should_automount(_account(), _pod("a"))
    assert not tokenvolume.should_automount(_account(False), _pod("a"))
    assert tokenvolume.should_automount(_account(False), _pod("a", automount=True))
    assert not tokenvolume.should_automount(_account(True), _pod("a", automount=False))


def test_mounting_twice_keeps_one_volume_and_one_mount_per_container():
    pod = _pod("a", "b")
    tokenvolume.mount_token(pod)
    tokenvolume.mount_token(pod)
    assert len(pod.spec.volumes) == 1 and pod.spec.volumes[0].name.startswith("kube-api-access-")
    assert [len(c.volume_mounts) for c in pod.spec.containers] == [1, 1]


def test_no_volume_when_every_container_brings_its_own_mount_there():
    pod = _pod("a")
    pod.spec.containers[0].volume_mounts.add(name="x", mount_path=tokenvolume.MOUNT_PATH)
    tokenvolume.mount_token(pod)
    assert not pod.spec.volumes


def test_a_token_is_renewed_at_four_fifths_of_its_life_or_after_a_day():
    assert tokens.refresh_at(tokens.Held("t", fetched=1000.0, expires=1000.0 + 3600)) == 1000.0 + 2880
    year = 365 * 24 * 3600
    assert tokens.refresh_at(tokens.Held("t", fetched=0.0, expires=year)) == tokens.MAX_AGE_S
