"""The node's half of skiff's local-path provisioner: a clone's volume (spec.dataSource naming a claim) gets a copy
of the source volume's directory here, then is marked cloned; a deleted volume's directory is removed here."""
from __future__ import annotations

import asyncio
import logging
import os
import shutil

from api import errors, meta, retry, storage
from api.informer import Informer

log = logging.getLogger(__name__)


def ours_to_clean(pv, node_name: str, node_labels) -> bool:
    """A deleted volume of the local-path provisioner, pinned to this node, still held for its clean-up."""
    return (bool(pv.metadata.deletion_timestamp) and storage.LOCAL_PATH_CLEANUP in pv.metadata.finalizers
            and pv.metadata.annotations.get(storage.PROVISIONED_BY) == storage.LOCAL_PATH_PROVISIONER
            and pv.spec.HasField("node_affinity") and storage.fits_node(pv, node_labels, node_name))


def directory_of(pv) -> str:
    """The directory to remove: only one the provisioner could have named (`.../<volume name>_<ns>_<claim>`),
    so a hand-made volume carrying the annotation cannot point the node at another directory."""
    path = pv.spec.host_path.path
    if not path.startswith("/") or ".." in path.split("/") or \
            not os.path.basename(path.rstrip("/")).startswith(pv.metadata.name + "_"):
        return ""
    return path


def ours_to_clone(pv, node_name: str, node_labels) -> bool:
    """A clone's volume of the local-path provisioner, pinned to this node, whose copy is not made yet."""
    return (not pv.metadata.deletion_timestamp and storage.CLONE_SOURCE in pv.metadata.annotations
            and storage.CLONED not in pv.metadata.annotations
            and pv.metadata.annotations.get(storage.PROVISIONED_BY) == storage.LOCAL_PATH_PROVISIONER
            and pv.spec.HasField("node_affinity") and storage.fits_node(pv, node_labels, node_name))


def clone_source_of(pv) -> str:
    """The source directory to copy: only another provisioned volume's directory under the same base, so an
    annotation cannot make the node copy any directory it likes into a volume."""
    source, target = pv.metadata.annotations.get(storage.CLONE_SOURCE, ""), directory_of(pv)
    base = os.path.dirname(target.rstrip("/"))
    if not target or not source.startswith("/") or ".." in source.split("/") or \
            os.path.dirname(source.rstrip("/")) != base or not os.path.basename(source).startswith("pvc-"):
        return ""
    return source


def copy_directory(source: str, target: str) -> None:
    """The clone's content: the source's tree, symlinks copied as links (never followed); an empty directory
    when the source was never mounted (so never made)."""
    if os.path.islink(source):
        raise OSError(f"{source} is a symlink: not copied")
    if os.path.isdir(source):
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    else:
        os.makedirs(target, exist_ok=True)


def remove_directory(path: str) -> None:
    """Remove the volume's directory; a symlink planted in its place is removed, never followed."""
    if os.path.islink(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)  # rmtree does not follow symlinks inside the tree


class LocalPathCleaner:
    def __init__(self, client, node_name: str, node_labels):
        self.client = client
        self.node_name = node_name
        self.node_labels = node_labels  # () -> this node's labels
        self.volumes = Informer(client, "PersistentVolume")
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self.volumes.add_handlers(self._seen, lambda old, new: self._seen(new))

    def _seen(self, pv) -> None:
        if ours_to_clean(pv, self.node_name, self.node_labels()):
            self._queue.put_nowait(pv.metadata.name)
        elif ours_to_clone(pv, self.node_name, self.node_labels()):
            self._queue.put_nowait(pv.metadata.name)

    def start(self) -> None:
        self.volumes.start()
        self._task = asyncio.create_task(self._run(), name=f"{self.node_name}-local-path")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.volumes.stop()

    async def _run(self) -> None:
        while True:
            name = await self._queue.get()
            try:
                await self._clone(name)
                await self._clean(name)
            except (errors.ApiError, OSError) as e:
                log.warning("local-path: volume %s: %s; retrying", name, e)
                await asyncio.sleep(1.0)
                self._queue.put_nowait(name)

    async def _clone(self, name: str) -> None:
        pv = self.volumes.get(name)
        if pv is None or not ours_to_clone(pv, self.node_name, self.node_labels()):
            return
        source, target = clone_source_of(pv), directory_of(pv)
        if not source:
            log.warning("local-path: volume %s names a clone source %r outside its provisioner's directory: "
                        "left empty", name, pv.metadata.annotations[storage.CLONE_SOURCE])
        else:
            await asyncio.to_thread(copy_directory, source, target)
            log.info("local-path: copied %s into %s for volume %s", source, target, name)

        async def mark():
            current = await self.client.get("PersistentVolume", name, "")
            if storage.CLONED in current.metadata.annotations:
                return
            updated = meta.copy(current)
            updated.metadata.annotations[storage.CLONED] = "yes" if source else "failed"
            await self.client.update(updated)
        try:
            await retry.on_conflict(mark)
        except errors.NotFound:
            pass

    async def _clean(self, name: str) -> None:
        pv = self.volumes.get(name)
        if pv is None or not ours_to_clean(pv, self.node_name, self.node_labels()):
            return
        path = directory_of(pv)
        if path:
            await asyncio.to_thread(remove_directory, path)
            log.info("local-path: removed %s of volume %s", path, name)

        async def release():
            current = await self.client.get("PersistentVolume", name, "")
            if storage.LOCAL_PATH_CLEANUP not in current.metadata.finalizers:
                return
            updated = meta.copy(current)
            updated.metadata.ClearField("finalizers")
            updated.metadata.finalizers.extend(f for f in current.metadata.finalizers
                                               if f != storage.LOCAL_PATH_CLEANUP)
            await self.client.update(updated)
        try:
            await retry.on_conflict(release)
        except errors.NotFound:
            pass
