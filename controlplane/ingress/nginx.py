"""The nginx process the ingress controller drives: a new configuration is written beside the live one,
checked with `nginx -t`, and only then swapped in with a graceful reload (SIGHUP: old workers finish
their requests). A configuration nginx refuses never replaces the one that serves.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Mapping

from controlplane.ingress.model import Certificate
from controlplane.ingress.render import certificate_paths

log = logging.getLogger(__name__)

STOP_TIMEOUT = 10.0
START_TIMEOUT = 10.0


class ConfigRejected(RuntimeError):
    """nginx -t refused the configuration; the message is nginx's own."""


class Nginx:
    def __init__(self, work_dir: str, binary: str = "/usr/sbin/nginx"):
        self.work_dir = work_dir
        self.binary = binary
        self.conf_path = os.path.join(work_dir, "nginx.conf")
        self.proc: asyncio.subprocess.Process | None = None
        self.reloads = 0
        self._live_text = ""
        self._live_certs: dict[str, Certificate] = {}

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def apply(self, text: str, certificates: Mapping[str, Certificate]) -> bool:
        """Serve `text` with these certificates; False when nothing changed. Raises ConfigRejected."""
        certs = dict(certificates)
        if self.running and text == self._live_text and certs == self._live_certs:
            return False
        self._prepare_dirs()
        self._write_certificates(certs)
        candidate = self.conf_path + ".new"
        _write_private(candidate, text.encode())
        await self._test(candidate)
        os.replace(candidate, self.conf_path)
        if self.running:
            self.proc.send_signal(signal.SIGHUP)
            self.reloads += 1
        else:
            await self._start()
        self._remove_stale_certificates(certs)
        self._live_text, self._live_certs = text, certs
        return True

    async def stop(self) -> None:
        if not self.running:
            return
        self.proc.send_signal(signal.SIGQUIT)  # graceful: finish open requests, then exit
        try:
            await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    # ------------------------------------------------------------ steps

    def _prepare_dirs(self) -> None:
        for sub in ("certs", "tmp"):
            os.makedirs(os.path.join(self.work_dir, sub), mode=0o700, exist_ok=True)

    def _write_certificates(self, certs: Mapping[str, Certificate]) -> None:
        for cert in certs.values():
            crt_path, key_path = certificate_paths(self.work_dir, cert.name)
            _write_private(crt_path, cert.cert_pem)
            _write_private(key_path, cert.key_pem)

    def _remove_stale_certificates(self, certs: Mapping[str, Certificate]) -> None:
        keep = {path for cert in certs.values() for path in certificate_paths(self.work_dir, cert.name)}
        cert_dir = os.path.join(self.work_dir, "certs")
        for entry in os.listdir(cert_dir):
            path = os.path.join(cert_dir, entry)
            if path not in keep:
                os.unlink(path)

    async def _test(self, path: str) -> None:
        proc = await asyncio.create_subprocess_exec(self.binary, "-t", "-q", "-c", path,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        if proc.returncode != 0:
            said = (err or out).decode(errors="replace").strip()
            raise ConfigRejected(said or f"nginx -t exited with {proc.returncode} and said nothing")

    async def _start(self) -> None:
        stderr_path = os.path.join(self.work_dir, "nginx.stderr")
        with open(stderr_path, "wb") as stderr:
            self.proc = await asyncio.create_subprocess_exec(
                self.binary, "-c", self.conf_path, "-g", "daemon off;",
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=stderr)
        # nginx writes its pid file once its sockets are bound: that is "started".
        pid_file = os.path.join(self.work_dir, "nginx.pid")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while not _pid_file_names(pid_file, self.proc.pid):
            if self.proc.returncode is not None or loop.time() > deadline:
                with open(stderr_path, "rb") as f:
                    err = f.read().decode(errors="replace").strip()
                raise ConfigRejected(f"nginx did not start: {err}")
            await asyncio.sleep(0.02)
        log.info("nginx started (pid %d) with %s", self.proc.pid, self.conf_path)


def _pid_file_names(path: str, pid: int) -> bool:
    try:
        with open(path) as f:
            return f.read().strip() == str(pid)
    except OSError:
        return False


def _write_private(path: str, data: bytes) -> None:
    """Write a file only root can read (certificate keys live here), atomically."""
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
