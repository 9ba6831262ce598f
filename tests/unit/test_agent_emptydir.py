"""emptyDir sizeLimit: which volume is over its limit, in the kubelet's eviction words; usage as du counts it."""
from __future__ import annotations

from nodeagent import containers, emptydir
from tests.fixtures.objects import from_yaml

POD = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default, uid: u}
spec:
  volumes:
  - {name: cache, emptyDir: {sizeLimit: 1Mi}}
  - {name: fast, emptyDir: {medium: Memory, sizeLimit: 64Mi}}
  - {name: free, emptyDir: {}}
  containers:
  - name: app
    image: busybox
    volumeMounts: [{name: cache, mountPath: /c}, {name: fast, mountPath: /f}, {name: free, mountPath: /x}]
""")


def test_only_a_volume_over_its_limit_evicts():
    assert emptydir.limited(POD) == {"cache": 1 << 20, "fast": 64 << 20}
    assert emptydir.over_limit(POD, {"cache": 1 << 20, "free": 1 << 30}) is None
    assert emptydir.over_limit(POD, {"cache": (1 << 20) + 4096}) == \
        'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". '


def test_usage_counts_the_blocks_of_every_file(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_bytes(b"x" * 100_000)
    assert 100_000 <= emptydir.usage_bytes(str(tmp_path)) < 200_000


def test_memory_medium_becomes_a_sized_tmpfs_request(tmp_path):
    _, dirs = containers.mounts(POD, POD.spec.containers[0], str(tmp_path))
    by_path = {d.path.rsplit("/", 1)[-1]: (d.memory, d.size_bytes) for d in dirs}
    assert by_path == {"cache": (False, 1 << 20), "fast": (True, 64 << 20), "free": (False, None)}
