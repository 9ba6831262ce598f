"""The lab's kubeconfig: the REST listener's certificate (made once by `up`), written to ~/.kube/config
so stock kubectl works at once; `down` restores what was there. `deploy.lab kubeconfig` prints it.
"""
from __future__ import annotations

from pathlib import Path

from deploy import kubeconfig
from deploy.lab import plan as P
from deploy.lab.shell import LabError

KUBECONFIG = Path("~/.kube/config").expanduser()
MARK = "# written by deploy/lab; `deploy/lab down` restores the one that was here\n"
BACKUP = KUBECONFIG.with_name("config.before-lab")
# Until the API server authenticates, any bearer token passes; kubectl asks for a password without one.
TOKEN = "skiff-lab"


def ensure_certificate(lab: P.Lab) -> None:
    """The REST listener's certificate and key, made once for the root address and kept."""
    if P.REST_CERT.exists() and P.REST_KEY.exists():
        return
    from controlplane.apiserver.rest import tls
    cert, key = tls.self_signed([lab.root_ip])
    P.REST_CERT.parent.mkdir(parents=True, exist_ok=True)
    P.REST_KEY.touch(mode=0o600)
    P.REST_KEY.write_bytes(key)
    P.REST_CERT.write_bytes(cert)


def render(lab: P.Lab) -> str:
    if not P.REST_CERT.exists():
        raise LabError(f"no REST certificate at {P.REST_CERT}; run `deploy.lab up` first")
    return kubeconfig.render(f"https://{lab.rest_address}", P.REST_CERT.read_bytes(), token=TOKEN)


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
