"""Kubernetes' AtomicWriter: a volume's files replaced all at once, so a reader sees the old set or the new one.

Files live in a timestamped directory; `..data` links to it and each visible name links through `..data`.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

DATA_DIR = "..data"
_NEW_DATA_DIR = "..data_tmp"


@dataclass(frozen=True)
class FileProjection:
    data: bytes
    mode: int = 0o644


class PayloadError(ValueError):
    """A path in a payload that would leave the volume or hide its bookkeeping; the message names it."""


def validate_path(path: str) -> None:
    """Kubernetes' rules for a file path in a projected volume: relative, no `..` element, not `..`-led."""
    if not path:
        raise PayloadError("invalid path: must not be empty")
    if os.path.isabs(path):
        raise PayloadError(f"invalid path {path!r}: must be relative")
    if len(path) > 4096:
        raise PayloadError(f"invalid path {path!r}: must be less than or equal to 4096 characters")
    if ".." in path.split("/"):
        raise PayloadError(f"invalid path {path!r}: must not contain '..'")
    if path.startswith(".."):
        raise PayloadError(f"invalid path {path!r}: must not start with '..'")


def top_level_names(payload: dict[str, FileProjection]) -> set[str]:
    """The names a user sees in the volume's directory: the first element of every path."""
    return {path.split("/", 1)[0] for path in payload}


class AtomicWriter:
    """Writes payloads into one target directory (a volume); the directory must exist."""

    def __init__(self, target_dir: str):
        self.target_dir = target_dir

    def write(self, payload: dict[str, FileProjection], set_perms: Callable[[str], None] | None = None) -> bool:
        """Make the volume hold exactly `payload`; returns False when it already did (nothing written).
        `set_perms(target_dir)` runs once the new files are written, before they become visible (the
        kubelet's hook for fsGroup ownership)."""
        for path in payload:
            validate_path(path)
        old_dir = self._current_data_dir()
        if old_dir is not None and self._holds(old_dir, payload) and self._links_match(payload):
            return False
        new_dir = self._write_data_dir(payload)
        if set_perms is not None:
            set_perms(self.target_dir)
        # The swap: a new symlink renamed over `..data` (rename is atomic), then the visible links.
        tmp_link = os.path.join(self.target_dir, _NEW_DATA_DIR)
        if os.path.lexists(tmp_link):
            os.remove(tmp_link)
        os.symlink(os.path.basename(new_dir), tmp_link)
        os.rename(tmp_link, os.path.join(self.target_dir, DATA_DIR))
        self._update_links(payload)
        if old_dir is not None:
            shutil.rmtree(old_dir, ignore_errors=True)
        self._remove_stale_data_dirs(keep=os.path.basename(new_dir))
        return True

    # ------------------------------------------------------------ steps

    def _current_data_dir(self) -> str | None:
        link = os.path.join(self.target_dir, DATA_DIR)
        try:
            name = os.readlink(link)
        except OSError:
            return None
        path = os.path.join(self.target_dir, name)
        return path if os.path.isdir(path) else None

    def _holds(self, data_dir: str, payload: dict[str, FileProjection]) -> bool:
        """Whether the directory has exactly the payload's files, contents and modes."""
        found: set[str] = set()
        for root, _dirs, files in os.walk(data_dir):
            for name in files:
                found.add(os.path.relpath(os.path.join(root, name), data_dir))
        if found != set(payload):
            return False
        for path, projection in payload.items():
            full = os.path.join(data_dir, path)
            try:
                if os.stat(full).st_mode & 0o7777 != projection.mode:
                    return False
                with open(full, "rb") as f:
                    if f.read() != projection.data:
                        return False
            except OSError:
                return False
        return True

    def _links_match(self, payload: dict[str, FileProjection]) -> bool:
        return self._visible_links() == top_level_names(payload)

    def _write_data_dir(self, payload: dict[str, FileProjection]) -> str:
        stamp = time.strftime("%Y_%m_%d_%H_%M_%S", time.gmtime())
        new_dir = tempfile.mkdtemp(prefix=f"..{stamp}.", dir=self.target_dir)
        os.chmod(new_dir, 0o755)
        for path, projection in payload.items():
            full = os.path.join(new_dir, path)
            parent = os.path.dirname(full)
            if parent != new_dir:
                os.makedirs(parent, mode=0o755, exist_ok=True)
            with open(full, "wb") as f:
                f.write(projection.data)
            os.chmod(full, projection.mode)
        return new_dir

    def _visible_links(self) -> set[str]:
        """The user-visible entries: every entry but the `..`-prefixed bookkeeping ones."""
        try:
            return {name for name in os.listdir(self.target_dir) if not name.startswith("..")}
        except FileNotFoundError:
            return set()

    def _update_links(self, payload: dict[str, FileProjection]) -> None:
        wanted = top_level_names(payload)
        for name in wanted:
            link = os.path.join(self.target_dir, name)
            if not os.path.islink(link):
                if os.path.lexists(link):
                    _remove(link)
                os.symlink(os.path.join(DATA_DIR, name), link)
        for name in self._visible_links() - wanted:
            _remove(os.path.join(self.target_dir, name))

    def _remove_stale_data_dirs(self, keep: str) -> None:
        """Leftovers of a write cut short (a crash between steps), never the live one."""
        for name in os.listdir(self.target_dir):
            if name.startswith("..") and name not in (keep, DATA_DIR, _NEW_DATA_DIR):
                _remove(os.path.join(self.target_dir, name))


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.remove(path)
