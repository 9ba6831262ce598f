"""The lab's state file: its settings and everything `up` made, rewritten after each step.

Atomic writes (temp file + rename), so a crash leaves the previous version, never half a file.
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import time
from pathlib import Path

from deploy import components
from deploy.lab import plan as P
from deploy.lab.shell import LabError

STATE_FILE = P.STATE_DIR / "state.json"


@dataclasses.dataclass
class State:
    settings: P.Settings
    pids: dict[str, int] = dataclasses.field(default_factory=dict)
    root_routes: list[str] = dataclasses.field(default_factory=list)
    cli_config: str = ""
    partitioned: list[str] = dataclasses.field(default_factory=list)
    stopped: list[str] = dataclasses.field(default_factory=list)


def load() -> State | None:
    try:
        data = json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return None
    raw = dict(data.get("settings", {}))
    raw["lifecycle"] = components.NodeLifecycle(**raw.get("lifecycle", {}))
    known = {f.name for f in dataclasses.fields(P.Settings)}
    settings = P.Settings(**{k: v for k, v in raw.items() if k in known})
    return State(settings, **{k: data[k] for k in ("pids", "root_routes", "cli_config", "partitioned",
                                                    "stopped") if k in data})


def save(state: State) -> None:
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    tmp = STATE_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(state), indent=2) + "\n")
    os.replace(tmp, STATE_FILE)


LOCK_FILE = Path("/run/skiff-lab.lock")


@contextlib.contextmanager
def locked(path: Path = LOCK_FILE, timeout: float = 600, what: str = "another lab command"):
    """Hold an exclusive lock on `path`: two `up`s (or an `up` and a `down`) never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LabError(f"{what} still holds {path} after {timeout:g}s") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
