"""Cluster DNS on every node: Service names answered from the agent's own informer cache, and the
resolv.conf each pod gets. Pure parts (records, answers, resolv.conf) are separate from the server.
"""
