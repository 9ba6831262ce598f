"""The well-known labels, annotations and finalizer of Jobs (batch/v1) that the API server, the Job
controller and `skiff describe` share, with Kubernetes' names."""
from __future__ import annotations

CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_JOB_NAME_LABEL = "job-name"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"  # an annotation and a label of indexed pods
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"
TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"  # holds a pod until its Job has counted it
