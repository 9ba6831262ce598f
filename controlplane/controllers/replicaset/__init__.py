"""The ReplicaSet controller: keeps `replicas` pods matching the selector, made from the template; core/v1
ReplicationControllers run through the same code (controller.ReplicationManager)."""
