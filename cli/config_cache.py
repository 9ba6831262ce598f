"""The CLI's kubeconfig, parsed once per change of the file: its YAML parser costs a tenth of a short
command's start-up, so the parsed form is kept as JSON in ~/.skiff/cache, as kubectl keeps discovery.

The cache is keyed by the file's identity (device, inode, size, modification time in ns), the same test
git uses for its index; it is private (0700 directory, 0600 files) because a kubeconfig may hold keys.
Any trouble with the cache falls back to reading the file, so the cache can only make a command faster.
"""
from __future__ import annotations

import json
import os
import time

from api import kubeconfig


CACHE_DIR_ENV = "SKIFF_CACHE_DIR"  # as kubectl's KUBECACHEDIR
# A file changed twice within the clock's tick keeps its size and modification time: git's "racy" case.
# Only a file older than this is cached, so such a second change can never hide behind an entry.
RACY_NS = 2_000_000_000


def cache_dir(environ: dict) -> str | None:
    """$SKIFF_CACHE_DIR/kubeconfig, else ~/.skiff/cache/kubeconfig; None (no cache) without either."""
    if environ.get(CACHE_DIR_ENV):
        return os.path.join(environ[CACHE_DIR_ENV], "kubeconfig")
    home = environ.get("HOME")
    return os.path.join(home, ".skiff", "cache", "kubeconfig") if home else None


def read(path: str | os.PathLike, directory: str | os.PathLike | None) -> dict:
    """The kubeconfig at `path` as kubeconfig.read returns it; from the cache when the file is unchanged."""
    if directory is None:
        return kubeconfig.read(path)
    try:
        st = os.stat(path)
    except OSError:
        return kubeconfig.read(path)  # it reports the missing or unreadable file
    identity = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]
    entry = os.path.join(directory, f"{st.st_dev}-{st.st_ino}.json")  # one entry per file, wherever it is linked from
    try:
        with open(entry) as f:
            cached = json.load(f)
        if cached.get("identity") == identity and isinstance(cached.get("data"), dict):
            return cached["data"]
    except (OSError, ValueError):
        pass
    data = kubeconfig.read(path)
    if time.time_ns() - st.st_mtime_ns > RACY_NS:
        _store(directory, entry, {"identity": identity, "data": data})
    return data


def private_file(directory: str | os.PathLike | None, path: str | os.PathLike, suffix: str,
                 content: bytes) -> str | None:
    """A 0600 file in the cache holding `content`, derived from the kubeconfig at `path` (a client
    certificate and key where a library takes only a file name); None when there is no cache to use."""
    if not directory:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    entry = os.path.join(directory, f"{st.st_dev}-{st.st_ino}.{suffix}")
    try:
        with open(entry, "rb") as f:
            if f.read() == content:
                return entry
    except OSError:
        pass
    return entry if _write_private(directory, entry, content) else None


def _store(directory: str | os.PathLike, entry: str, value: dict) -> None:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return  # YAML can hold what JSON cannot (dates, say): such a file is simply read each time
    _write_private(directory, entry, text.encode())


def _write_private(directory: str | os.PathLike, entry: str, content: bytes) -> bool:
    """Write `entry` (0600, in a 0700 directory) whole or not at all; False when it could not be written."""
    temporary = f"{entry}.{os.getpid()}.tmp"
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(temporary, entry)  # readers see the old entry or the new one, never half of one
        return True
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass  # never written: no directory, or no room
        return False
