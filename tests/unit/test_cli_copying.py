"""`skiff cp`'s specs and tar plans, without a container: what runs in the pod, and what lands here."""
from __future__ import annotations

import io
import tarfile

import pytest

from cli import copying
from cli.errors import CliError


def test_pod_specs_and_local_paths_are_told_apart():
    assert copying.parse_spec("web:/tmp/x") == copying.Spec("/tmp/x", "web")
    assert copying.parse_spec("team/web:/tmp/x") == copying.Spec("/tmp/x", "web", "team")
    assert copying.parse_spec("./a:b") == copying.Spec("./a:b")
    assert copying.parse_spec("/abs/path") == copying.Spec("/abs/path")


def test_upload_renames_the_top_entry_to_the_destination_name(tmp_path):
    (tmp_path / "app.conf").write_text("x=1\n")
    command, data = copying.upload_plan(str(tmp_path / "app.conf"), "/etc/app/custom.conf")
    assert command == ["tar", "-xmf", "-", "-C", "/etc/app"]
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        assert archive.getnames() == ["custom.conf"]


def test_download_unpacks_a_directory_under_the_local_name(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, text in (("data/a.txt", b"A"), ("data/sub/b.txt", b"B")):
            info = tarfile.TarInfo(name)
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text))
    assert copying.download_command("/srv/data") == ["tar", "cf", "-", "-C", "/srv", "data"]
    copying.unpack(buffer.getvalue(), "/srv/data", str(tmp_path / "copy"))
    assert (tmp_path / "copy" / "a.txt").read_text() == "A"
    assert (tmp_path / "copy" / "sub" / "b.txt").read_text() == "B"


def test_missing_local_source_or_directory_is_a_one_line_error(tmp_path):
    with pytest.raises(CliError, match="doesn't exist in local filesystem"):
        copying.upload_plan(str(tmp_path / "nope"), "/tmp/x")
    with pytest.raises(CliError, match="does not exist"):
        copying.unpack(b"", "/x", str(tmp_path / "missing" / "x"))


def test_entries_escaping_the_destination_are_refused(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("x/../../evil")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"!"))
    with pytest.raises(CliError, match="outside"):
        copying.unpack(buffer.getvalue(), "/srv/x", str(tmp_path / "copy"))
