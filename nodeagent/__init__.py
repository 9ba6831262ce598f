"""The node agent: makes the pods bound to this node real (containers, network, status)."""
