"""Node IPAM: each Node gets its own podCIDR from the cluster CIDR, never the same twice."""
