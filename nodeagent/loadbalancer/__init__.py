"""Announcing LoadBalancer Services' addresses from one healthy node, as MetalLB's layer 2 speaker."""
