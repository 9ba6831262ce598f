"""The load-balancer IP allocator: external addresses for LoadBalancer Services (MetalLB-style)."""
