"""The pod's /etc/hosts, written by the agent as the kubelet writes it: localhost, the pod's own name and
IP (with its subdomain's FQDN), then the spec's hostAliases. Pure text here; the worker mounts the file."""
from __future__ import annotations

import os

from nodeagent.runtime.base import Mount
from proto import types_pb2

POD_PATH = "/etc/hosts"
FILE_NAME = "etc-hosts"
HEADER = "# Kubernetes-managed hosts file.\n"
HOST_NETWORK_HEADER = "# Kubernetes-managed hosts file (host network).\n"
LOCALHOST = ("127.0.0.1\tlocalhost\n"
             "::1\tlocalhost ip6-localhost ip6-loopback\n"
             "fe00::0\tip6-localnet\n"
             "fe00::0\tip6-mcastprefix\n"
             "fe00::1\tip6-allnodes\n"
             "fe00::2\tip6-allrouters\n")


def aliases(pod: types_pb2.Pod) -> str:
    if not pod.spec.host_aliases:
        return ""
    lines = [f"{a.ip}\t{chr(9).join(a.hostnames)}\n" for a in pod.spec.host_aliases]
    return "\n# Entries added by HostAliases.\n" + "".join(lines)


def pod_hosts(pod: types_pb2.Pod, pod_ips: list[str], cluster_domain: str) -> str:
    """The kubelet's managedHostsFileContent."""
    name = (pod.spec.hostname or pod.metadata.name)[:63]
    text = HEADER + LOCALHOST
    if pod.spec.subdomain:
        domain = f"{pod.spec.subdomain}.{pod.metadata.namespace}.svc.{cluster_domain}"
        text += "".join(f"{ip}\t{name}.{domain}\t{name}\n" for ip in pod_ips)
    else:
        text += "".join(f"{ip}\t{name}\n" for ip in pod_ips)
    return text + aliases(pod)


def host_network_hosts(pod: types_pb2.Pod, node_hosts: str) -> str:
    """A hostNetwork pod sees the node's own file, with its hostAliases after it."""
    return HOST_NETWORK_HEADER + node_hosts + aliases(pod)


def write(pod_dir: str, text: str) -> str:
    """Write the file atomically into the pod's directory; returns its path."""
    path = os.path.join(pod_dir, FILE_NAME)
    os.makedirs(pod_dir, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


def mount(path: str) -> Mount:
    return Mount(path, POD_PATH, read_only=False)  # writable, as the kubelet mounts it
