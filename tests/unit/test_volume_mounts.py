"""Which mounts belong to a pod's directory (its secret tmpfs volumes), read from /proc/self/mountinfo."""
from nodeagent import volumes
from nodeagent.atomicwriter import FileProjection

MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
90 22 0:50 / /var/lib/skiff/pods/u1/volumes/creds rw,relatime - tmpfs tmpfs rw,mode=755
91 22 0:51 / /var/lib/skiff/pods/u1/volumes/with\\040space rw,relatime - tmpfs tmpfs rw
92 22 0:52 / /var/lib/skiff/pods/u10/volumes/creds rw,relatime - tmpfs tmpfs rw
"""


def test_only_mounts_under_the_pods_directory_deepest_first():
    assert volumes.mounts_under("/var/lib/skiff/pods/u1", MOUNTINFO) == [
        "/var/lib/skiff/pods/u1/volumes/with space", "/var/lib/skiff/pods/u1/volumes/creds"]


def test_the_digest_changes_with_content_mode_or_path():
    base = {"a": FileProjection(b"1", 0o644)}
    assert volumes.digest(base) == volumes.digest({"a": FileProjection(b"1", 0o644)})
    assert volumes.digest(base) != volumes.digest({"a": FileProjection(b"2", 0o644)})
    assert volumes.digest(base) != volumes.digest({"a": FileProjection(b"1", 0o600)})
    assert volumes.digest(base) != volumes.digest({"b": FileProjection(b"1", 0o644)})
