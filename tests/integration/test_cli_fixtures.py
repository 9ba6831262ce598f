"""Fixtures for the CLI's integration tests: run `skiff` in-process (or as a process) against a real server."""
from __future__ import annotations

import asyncio
import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.main import main

SKIFF = str(Path(sys.executable).parent / "skiff")


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli_config(apiserver_running, tmp_path, monkeypatch):
    """The config file the lab would write, pointing at the test's API server."""
    path = tmp_path / "skiff-config"
    path.write_text(f"server: {apiserver_running.address}\n")
    monkeypatch.setenv("SKIFF_CONFIG", str(path))
    return path


@pytest.fixture
def skiff(cli_config, monkeypatch):
    """`await skiff("get", "po")` runs the real CLI in a thread (it has its own event loop)."""
    async def run(*argv: str, stdin: str | None = None) -> Result:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        out, err = io.StringIO(), io.StringIO()
        code = await asyncio.to_thread(main, list(argv), out, err)
        return Result(code, out.getvalue(), err.getvalue())
    return run


def write(directory: Path, name: str, text: str) -> str:
    path = directory / name
    path.write_text(text)
    return str(path)


async def start_process(*argv: str, env: dict | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        SKIFF, *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})})


async def stop_process(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
        await proc.wait()
