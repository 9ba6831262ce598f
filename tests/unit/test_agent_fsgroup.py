"""fsGroup on a volume as the kubelet applies it: the mode decision (a table) and the ownership of a config
volume's files, directories and links as the agent writes it."""
from __future__ import annotations

import asyncio
import os
import stat

import pytest

from nodeagent import downward, fsgroup, volumes
from tests.fixtures.objects import from_yaml


@pytest.mark.parametrize("mode, is_dir, read_only, expected", [
    (0o644, False, True, 0o644),     # a configMap's default: already group-readable
    (0o400, False, True, 0o440),     # a secret key for its owner only: the group may read it too
    (0o600, False, False, 0o660),    # a file in a writable volume: the group may write
    (0o755, True, True, 0o2755),     # a config volume's directory: setgid, enterable
    (0o777, True, False, 0o2777),    # an emptyDir: setgid, so new files take the group
    (0o700, True, False, 0o2770),
    (0o4755, False, True, 0o4755),   # bits it had are kept
])
def test_fs_group_adds_group_bits_by_access_and_setgid_on_directories(mode, is_dir, read_only, expected):
    assert fsgroup.mode_for(mode, is_dir, read_only) == expected


def test_a_config_volume_is_owned_by_the_fs_group_with_group_readable_files(tmp_path):
    group = os.getgid()  # a group this process may give away, root or not
    pod = from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: shop, uid: u-1}}
spec:
  securityContext: {{fsGroup: {group}}}
  volumes:
  - name: info
    downwardAPI:
      defaultMode: 0400
      items: [{{path: labels, fieldRef: {{fieldPath: metadata.labels}}}}, {{path: sub/name, fieldRef: {{fieldPath: metadata.name}}}}]
  containers: [{{name: app, image: busybox}}]
""")
    plumbing = volumes.PodVolumes(str(tmp_path), tmpfs=False)
    changed = asyncio.run(plumbing.set_up(pod, lambda kind, name: None, downward.PodFacts(), {}))
    assert changed == ["info"]
    root = plumbing.path("u-1", "info")
    data = os.path.join(root, "..data")
    seen = {}
    for path in (root, data, os.path.join(data, "sub"), os.path.join(data, "labels"), os.path.join(data, "sub/name")):
        info = os.stat(path)
        seen[os.path.relpath(path, root)] = (stat.S_IMODE(info.st_mode), info.st_gid)
    assert seen == {".": (0o2755, group), "..data": (0o2755, group), "..data/sub": (0o2755, group),
                    "..data/labels": (0o440, group), "..data/sub/name": (0o440, group)}
    assert os.lstat(data).st_gid == group  # the link itself, not only what it leads to


def test_without_fs_group_a_config_volume_keeps_its_modes(tmp_path):
    pod = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, uid: u-1}
spec:
  volumes: [{name: info, downwardAPI: {defaultMode: 0400, items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}}]
  containers: [{name: app, image: busybox}]
""")
    plumbing = volumes.PodVolumes(str(tmp_path), tmpfs=False)
    asyncio.run(plumbing.set_up(pod, lambda kind, name: None, downward.PodFacts(), {}))
    root = plumbing.path("u-1", "info")
    assert stat.S_IMODE(os.stat(os.path.join(root, "name")).st_mode) == 0o400
    assert stat.S_IMODE(os.stat(root).st_mode) & stat.S_ISGID == 0
