"""The PersistentVolume binder (Kubernetes' persistentvolume-binder controller)."""
