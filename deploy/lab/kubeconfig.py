"""The lab's kubeconfig for stock kubectl: the cluster CA and the admin's certificate, written to
~/.kube/config so kubectl works at once; `down` restores what was there. `deploy.lab kubeconfig` prints it.
"""
from __future__ import annotations

from pathlib import Path

from api import kubeconfig, pki
from deploy.lab import plan as P
from deploy.lab.shell import LabError

KUBECONFIG = Path("~/.kube/config").expanduser()
MARK = "# written by deploy/lab; `deploy/lab down` restores the one that was here\n"
BACKUP = KUBECONFIG.with_name("config.before-lab")


def render(lab: P.Lab) -> str:
    ca = pki.cert_file(P.PKI_DIR, "ca")
    if not ca.exists():
        raise LabError(f"no cluster CA at {ca}; run `deploy.lab up` first")
    return kubeconfig.render(lab.rest_address, ca.read_bytes(), pki.cert_file(P.PKI_DIR, "admin").read_bytes(),
                             pki.key_file(P.PKI_DIR, "admin").read_bytes(), namespace="default")


def write(lab: P.Lab) -> str:
    """Write ~/.kube/config, moving a kubeconfig the lab did not write aside first."""
    text = MARK + render(lab)
    note = ""
    if KUBECONFIG.exists() and not KUBECONFIG.read_text().startswith(MARK):
        KUBECONFIG.replace(BACKUP)
        note = f" (yours moved to {BACKUP})"
    KUBECONFIG.parent.mkdir(parents=True, exist_ok=True)
    KUBECONFIG.touch(mode=0o600)
    KUBECONFIG.write_text(text)
    return f"{KUBECONFIG}: https://{lab.rest_address}{note}"


def restore() -> str:
    if not KUBECONFIG.exists() or not KUBECONFIG.read_text().startswith(MARK):
        return "not written by the lab: left alone"
    KUBECONFIG.unlink()
    if BACKUP.exists():
        BACKUP.replace(KUBECONFIG)
        return f"{KUBECONFIG} restored"
    return f"{KUBECONFIG} removed"
