"""Docker's DOCKER-USER chain: which accept rules for the cluster CIDR are still missing."""
from __future__ import annotations

from nodeagent.proxy import host

LISTING = """table ip filter {
	chain DOCKER-USER {
		ip saddr 10.244.0.0/16 accept comment "skiff: pod traffic"
		counter packets 0 bytes 0 return
	}
}"""


def test_only_missing_rules_are_added():
    assert host.missing_rules(LISTING, "10.244.0.0/16") == ["ip daddr 10.244.0.0/16 accept"]
    assert host.missing_rules(LISTING, "10.100.0.0/16") == host.docker_user_rules("10.100.0.0/16")
