"""The lab: a multi-host skiff cluster on one machine, hosts simulated as network namespaces.

Run as `python -m deploy.lab up|down|status|logs|exec|demo|stop-host|start-host|partition|heal`.
"""
