"""The resource quota controller: each ResourceQuota's status.hard and status.used, recounted when the quota
or an object it counts changes, as Kubernetes' pkg/controller/resourcequota."""
