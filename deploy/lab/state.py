"""The lab's state file: its settings and everything `up` made, rewritten after each step.

Atomic writes (temp file + rename), so a crash leaves the previous version, never half a file.
"""
from __future__ import annotations

import dataclasses
import json
import os

from deploy import components
from deploy.lab import plan as P

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
