"""skiff-scheduler: binds pending pods to nodes through a plugin pipeline, and says why.

Read in this order: framework, podinfo/nodeinfo, plugins/, placement (pure), cache, queue, scheduler (I/O)."""
