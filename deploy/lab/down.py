"""`lab down`: remove every process, container, namespace, link, route and table of the lab.

Works from the state file and, for anything it does not list, from the lab's name prefixes and labels.
"""
from __future__ import annotations

import shutil

from deploy.lab import containers, net, procs, state as S
from deploy.lab import kubeconfig as lab_kubeconfig
from deploy.lab import plan as P
from deploy.lab.up import CLI_CONFIG, CLI_CONFIG_MARK
from nodeagent import volumes


def down() -> int:
    net.require_root()
    st = S.load()
    # Processes first: a live agent would recreate the containers removed next.
    pids = set(st.pids.values()) if st else set()
    pids = {p for p in pids if procs.component_of(p)}
    for found in procs.running().values():
        pids.update(found)
    lab_netns = [n for n in net.namespaces() if P.is_lab_netns(n)]
    for ns in lab_netns:
        pids.update(procs.pids_in_netns(ns))
    procs.kill(sorted(pids))
    _report("processes", f"{len(pids)} stopped")

    ids = containers.of_nodes()
    containers.remove(ids)
    _report("containers", f"{len(ids)} removed")

    for ns in lab_netns:
        net.delete_netns(ns)
    _report("namespaces", ", ".join(lab_netns) or "none")

    removed = net.delete_root_leftovers()
    _report("root namespace", ", ".join(removed) or "nothing left")

    _report("kubeconfig", lab_kubeconfig.restore())
    if CLI_CONFIG.exists() and CLI_CONFIG.read_text().startswith(CLI_CONFIG_MARK):
        CLI_CONFIG.unlink()
        backup = CLI_CONFIG.with_name("config.before-lab")
        if backup.exists():
            backup.replace(CLI_CONFIG)
        _report("cli config", f"{CLI_CONFIG} restored" if CLI_CONFIG.exists() else f"{CLI_CONFIG} removed")
    # Agents killed mid-run leave their pods' tmpfs volumes (secrets, service account tokens) mounted
    # under the state directory, which no rmtree can remove.
    volumes.unmount_under(str(P.STATE_DIR))
    shutil.rmtree(P.STATE_DIR, ignore_errors=True)
    _report("state", f"{P.STATE_DIR} removed; logs kept in {P.LOG_DIR}")
    left = leftovers()
    if left:
        print(f"down: still there: {'; '.join(left)}", flush=True)
        return 1
    return 0


def leftovers() -> list[str]:
    """Whatever of the lab is still on the machine, found by names, labels and markers; [] when clean."""
    found = [f"process {name} {pids}" for name, pids in procs.running().items()]
    found += [f"container {cid}" for cid in containers.of_nodes()]
    found += [f"namespace {ns}" for ns in net.namespaces() if P.is_lab_netns(ns)]
    found += [f"link {link}" for link in net.links() if link == P.ROOT_LINK or link.startswith(P.PORT_PREFIX)]
    found += [f"route {dst}" for dst in net.lab_routes_in_root()]
    if net.nft_table_exists():
        found.append("nftables table " + " ".join(P.NFT_TABLE))
    if P.STATE_DIR.exists():
        found.append(f"directory {P.STATE_DIR}")
    return found


def _report(what: str, detail: str) -> None:
    print(f"down: {what:<15} {detail}", flush=True)
