"""Paths the API takes as they are (a Windows node's too) and a Linux node judges: a relative mountPath is
taken from the root, as the kubelet does; a relative hostPath cannot be made and the container is refused."""
from __future__ import annotations

import pytest

from nodeagent import containers
from tests.fixtures.objects import from_yaml


def pod(host_path: str, mount_path: str):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: default, uid: u}}
spec:
  volumes: [{{name: logs, hostPath: {{path: "{host_path}"}}}}, {{name: scratch, emptyDir: {{}}}}]
  containers:
  - name: app
    image: busybox
    volumeMounts: [{{name: logs, mountPath: /logs}}, {{name: scratch, mountPath: "{mount_path}"}}]
""")


def test_a_relative_mount_path_is_mounted_from_the_root(tmp_path):
    p = pod("/var/log", "scratch/dir")
    mounts, _ = containers.mounts(p, p.spec.containers[0], str(tmp_path))
    assert [m.target for m in mounts] == ["/logs", "/scratch/dir"]


@pytest.mark.parametrize("host_path", ["var/log", "C:\\\\etc\\\\foo"])
def test_a_relative_host_path_is_refused_by_the_linux_node(tmp_path, host_path):
    p = pod(host_path, "/scratch")
    with pytest.raises(containers.SpecError, match="is not an absolute path on this Linux node"):
        containers.mounts(p, p.spec.containers[0], str(tmp_path))
