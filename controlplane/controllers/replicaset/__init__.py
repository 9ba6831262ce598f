"""The ReplicaSet controller: keeps `replicas` pods matching the selector, made from the template."""
