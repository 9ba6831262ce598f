"""The HorizontalPodAutoscaler controller: Kubernetes' replica calculation and normalization as pure
functions (replicas.py, normalize.py), and the controller that reads metrics and scales (controller.py)."""
