"""The StatefulSet controller (apps/v1): pods with stable names, hostnames and claims, created in order
and updated in reverse order (controller.py), with its decisions as pure functions (plan.py)."""
