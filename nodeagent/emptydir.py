"""emptyDir sizeLimit, as the kubelet's eviction manager applies it: a pod whose emptyDir holds more than
its limit is evicted. `over_limit` decides from measured usage (pure); `usage_bytes` measures a directory."""
from __future__ import annotations

import os

from api import quantity
from proto import types_pb2

CHECK_EVERY_S = 10.0  # how often a pod with limits is measured (the kubelet's housekeeping is about as often)


def limited(pod: types_pb2.Pod) -> dict[str, int]:
    """The pod's emptyDir volumes with a sizeLimit: name -> bytes."""
    return {v.name: quantity.to_bytes(v.empty_dir.size_limit) for v in pod.spec.volumes
            if v.HasField("empty_dir") and v.empty_dir.size_limit}


def over_limit(pod: types_pb2.Pod, usage: dict[str, int]) -> str | None:
    """The eviction message for the first volume over its limit (the kubelet's words), or None."""
    for v in pod.spec.volumes:
        if v.HasField("empty_dir") and v.empty_dir.size_limit and \
                usage.get(v.name, 0) > quantity.to_bytes(v.empty_dir.size_limit):
            return f'Usage of EmptyDir volume "{v.name}" exceeds the limit "{v.empty_dir.size_limit}". '
    return None


def usage_bytes(path: str) -> int:
    """Bytes of disk (or memory, on a tmpfs) the files under `path` take, as `du` counts them."""
    total = 0
    for root, dirs, files in os.walk(path, onerror=lambda e: None):
        for name in files + dirs:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                continue
    return total
