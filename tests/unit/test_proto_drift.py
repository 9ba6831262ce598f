"""The committed generated modules match the .proto files (run `make proto` when this fails)."""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_generated_modules_match_the_proto_files(tmp_path):
    (tmp_path / "proto").mkdir()
    for source in (ROOT / "proto").glob("*.proto"):
        shutil.copy(source, tmp_path / "proto" / source.name)
    protos = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "proto").glob("*.proto"))
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I.", "--python_out=.", "--pyi_out=.",
                    "--grpc_python_out=.", *protos], cwd=tmp_path, check=True)
    generated = sorted(p.name for p in (tmp_path / "proto").glob("*_pb2*.py*"))
    committed = sorted(p.name for p in (ROOT / "proto").glob("*_pb2*.py*"))
    assert generated == committed
    stale = [name for name in generated
             if (tmp_path / "proto" / name).read_text() != (ROOT / "proto" / name).read_text()]
    assert not stale, f"generated modules differ from the .proto files: {stale}; run `make proto`"
