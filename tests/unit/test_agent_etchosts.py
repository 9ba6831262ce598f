"""The pod's /etc/hosts as the kubelet writes it: its own name and IP, the subdomain FQDN, hostAliases."""
from __future__ import annotations

from nodeagent import etchosts
from tests.fixtures.objects import from_yaml


def pod(extra: str = ""):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: web-0, namespace: shop}}
spec:
  {extra}
  containers: [{{name: app, image: busybox}}]
""")


def test_pod_hosts_has_localhost_and_the_pods_own_name_and_ip():
    assert etchosts.pod_hosts(pod(), ["10.244.1.5"], "cluster.local") == (
        "# Kubernetes-managed hosts file.\n"
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "fe00::0\tip6-mcastprefix\n"
        "fe00::1\tip6-allnodes\n"
        "fe00::2\tip6-allrouters\n"
        "10.244.1.5\tweb-0\n")


def test_subdomain_gives_the_fqdn_and_host_aliases_follow_one_line_per_ip():
    text = etchosts.pod_hosts(pod("""subdomain: db
  hostname: primary
  hostAliases:
  - {ip: 127.0.0.1, hostnames: [foo.local, bar.local]}
  - {ip: 10.1.2.3, hostnames: [foo.remote]}"""), ["10.244.1.5"], "cluster.local")
    assert text.endswith("10.244.1.5\tprimary.db.shop.svc.cluster.local\tprimary\n"
                         "\n# Entries added by HostAliases.\n"
                         "127.0.0.1\tfoo.local\tbar.local\n"
                         "10.1.2.3\tfoo.remote\n")


def test_host_network_pods_get_the_nodes_file_and_their_aliases(tmp_path):
    text = etchosts.host_network_hosts(pod("hostAliases: [{ip: 1.2.3.4, hostnames: [x]}]"), "127.0.0.1 localhost\n")
    assert text == ("# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n"
                    "\n# Entries added by HostAliases.\n1.2.3.4\tx\n")
    path = etchosts.write(str(tmp_path / "pod"), text)
    assert open(path).read() == text and etchosts.mount(path).target == "/etc/hosts"
