"""The storage controllers: the PersistentVolume binder (Kubernetes' persistentvolume-binder), claim and volume
in-use protection, and the ephemeral volume controller making the claims of pods' ephemeral volumes."""
