"""Kubernetes' AtomicWriter: the `..data` swap, visible links, modes, and paths that may not be written."""
import os

import pytest

from nodeagent.atomicwriter import DATA_DIR, AtomicWriter, FileProjection, PayloadError


def _read(target, path):
    with open(os.path.join(target, path), "rb") as f:
        return f.read()


def test_files_appear_through_links_into_the_data_dir(tmp_path):
    writer = AtomicWriter(str(tmp_path))
    assert writer.write({"a": FileProjection(b"1"), "dir/b": FileProjection(b"2", 0o600)})
    assert _read(tmp_path, "a") == b"1" and _read(tmp_path, "dir/b") == b"2"
    assert os.readlink(tmp_path / "a") == os.path.join(DATA_DIR, "a")
    data_dir = os.readlink(tmp_path / DATA_DIR)
    assert data_dir.startswith("..") and (tmp_path / data_dir).is_dir()
    assert os.stat(tmp_path / "dir" / "b").st_mode & 0o777 == 0o600
    assert os.stat(tmp_path / "a").st_mode & 0o777 == 0o644


def test_an_unchanged_payload_writes_nothing(tmp_path):
    writer = AtomicWriter(str(tmp_path))
    writer.write({"a": FileProjection(b"1")})
    before = os.readlink(tmp_path / DATA_DIR)
    assert not writer.write({"a": FileProjection(b"1")})
    assert os.readlink(tmp_path / DATA_DIR) == before


def test_a_new_payload_swaps_the_data_dir_and_removes_the_old_one(tmp_path):
    writer = AtomicWriter(str(tmp_path))
    writer.write({"a": FileProjection(b"1"), "gone": FileProjection(b"x")})
    old = os.readlink(tmp_path / DATA_DIR)
    assert writer.write({"a": FileProjection(b"2"), "new": FileProjection(b"y")})
    assert os.readlink(tmp_path / DATA_DIR) != old
    assert not (tmp_path / old).exists()
    assert _read(tmp_path, "a") == b"2" and _read(tmp_path, "new") == b"y"
    assert not os.path.lexists(tmp_path / "gone")
    assert sorted(n for n in os.listdir(tmp_path) if not n.startswith("..")) == ["a", "new"]
    assert [n for n in os.listdir(tmp_path) if n.startswith("..")].__len__() == 2  # ..data and its dir


def test_a_mode_change_alone_is_written(tmp_path):
    writer = AtomicWriter(str(tmp_path))
    writer.write({"a": FileProjection(b"1", 0o644)})
    assert writer.write({"a": FileProjection(b"1", 0o400)})
    assert os.stat(tmp_path / "a").st_mode & 0o777 == 0o400


def test_leftovers_of_an_interrupted_write_are_cleaned_up(tmp_path):
    writer = AtomicWriter(str(tmp_path))
    writer.write({"a": FileProjection(b"1")})
    (tmp_path / "..2020_01_01_00_00_00.abandoned").mkdir()
    writer.write({"a": FileProjection(b"2")})
    assert not (tmp_path / "..2020_01_01_00_00_00.abandoned").exists()


@pytest.mark.parametrize("path", ["/etc/passwd", "../up", "a/../../b", "..hidden", ""])
def test_paths_leaving_the_volume_or_hiding_bookkeeping_are_refused(tmp_path, path):
    with pytest.raises(PayloadError):
        AtomicWriter(str(tmp_path)).write({path: FileProjection(b"x")})
    assert os.listdir(tmp_path) == []
