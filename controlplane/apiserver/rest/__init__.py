"""The Kubernetes REST API (HTTPS, JSON) in front of the same registry as the gRPC API, so stock kubectl,
client libraries and dashboards work against skiff. `server.py` is the entry; one module per concern.
"""
