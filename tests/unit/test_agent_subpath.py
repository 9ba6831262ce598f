"""subPath resolution on the host: made inside the volume, symlinks followed only while they stay inside."""
from __future__ import annotations

import os

import pytest

from nodeagent import subpath
from nodeagent.runtime.base import ContainerSpec, Mount
from nodeagent.runtime.docker import host_config_args, may_be_oom_unsettled


def test_missing_subpath_is_made_inside_the_volume_with_the_mode(tmp_path):
    volume = tmp_path / "vol"
    volume.mkdir()
    found = subpath.resolve(str(volume), "a/b", 0o777)
    assert found == str(volume / "a" / "b")
    assert os.stat(found).st_mode & 0o777 == 0o777


def test_symlink_planted_towards_the_host_is_refused_and_nothing_outside_changes(tmp_path):
    volume, outside = tmp_path / "vol", tmp_path / "etc"
    volume.mkdir()
    outside.mkdir(mode=0o700)
    (volume / "escape").symlink_to(outside)
    with pytest.raises(subpath.SubPathError, match="leads out of its volume"):
        subpath.resolve(str(volume), "escape/sub", 0o777)
    assert not (outside / "sub").exists()
    assert os.stat(outside).st_mode & 0o777 == 0o700


def test_relative_symlink_climbing_out_is_refused(tmp_path):
    volume = tmp_path / "vol"
    volume.mkdir()
    (volume / "up").symlink_to("../..")
    with pytest.raises(subpath.SubPathError):
        subpath.resolve(str(volume), "up", 0o755)


def test_symlink_staying_inside_the_volume_is_followed(tmp_path):
    # A configMap volume's keys are links through "..data" into a timestamped directory.
    volume = tmp_path / "vol"
    (volume / "..2026_01").mkdir(parents=True)
    (volume / "..2026_01" / "app.conf").write_text("x")
    (volume / "..data").symlink_to("..2026_01")
    (volume / "app.conf").symlink_to("..data/app.conf")
    assert subpath.resolve(str(volume), "app.conf", 0o755) == str(volume / "..2026_01" / "app.conf")


def test_the_opened_subpath_stays_what_was_checked_when_a_component_is_swapped_for_a_symlink(tmp_path):
    volume, outside = tmp_path / "vol", tmp_path / "host"
    (volume / "a" / "b").mkdir(parents=True)
    outside.mkdir()
    fd = subpath.open_subpath(str(volume), "a/b", 0o755)
    try:
        (volume / "a").rename(volume / "a-old")  # what a container could do between a check and a mount
        (volume / "a").symlink_to(outside)
        assert os.readlink(f"/proc/self/fd/{fd}") == str(volume / "a-old" / "b")
    finally:
        os.close(fd)


@pytest.mark.parametrize("bad", ["/etc", "../x", "a/../../b"])
def test_absolute_and_parent_subpaths_are_refused(tmp_path, bad):
    with pytest.raises(subpath.SubPathError):
        subpath.resolve(str(tmp_path), bad, 0o755)


def test_mounts_reach_docker_structured_so_a_colon_cannot_split_them():
    spec = ContainerSpec(name="c", image="busybox", labels={},
                         mounts=[Mount("/var/lib/x:y", "/data:rw", read_only=True)])
    (mount,) = host_config_args(spec)["mounts"]
    assert (mount["Source"], mount["Target"], mount["Type"], mount["ReadOnly"]) == \
        ("/var/lib/x:y", "/data:rw", "bind", True)


@pytest.mark.parametrize("state, memory, unsettled", [
    ({"Status": "exited", "ExitCode": 137, "OOMKilled": False}, 16 << 20, True),
    ({"Status": "exited", "ExitCode": 137, "OOMKilled": True}, 16 << 20, False),  # already flagged
    ({"Status": "exited", "ExitCode": 137, "OOMKilled": False}, 0, False),  # no limit: no OOM kill of its own
    ({"Status": "exited", "ExitCode": 1, "OOMKilled": False}, 16 << 20, False),  # not SIGKILL
    ({"Status": "running", "ExitCode": 0, "OOMKilled": False}, 16 << 20, False),
])
def test_only_a_sigkilled_exit_under_a_memory_limit_waits_for_the_oom_event(state, memory, unsettled):
    assert may_be_oom_unsettled({"State": state, "HostConfig": {"Memory": memory}}) is unsettled
