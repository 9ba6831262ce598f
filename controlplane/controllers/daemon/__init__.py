"""The DaemonSet controller: one pod per eligible node, bound through the scheduler by required node
affinity on the node's name, updated in place by RollingUpdate (or left for OnDelete)."""
