"""Pod networking on one node: IP allocation, the skiff0 bridge, pod veths and host-gw routes.

Every call is synchronous pyroute2 code; the agent runs them with `asyncio.to_thread`.
"""
