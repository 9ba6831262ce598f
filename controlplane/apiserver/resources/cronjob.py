"""CronJobs (batch/v1): Kubernetes' defaults (concurrencyPolicy Allow, not suspended, keep 3 successful
and 1 failed Job) and validation of the schedule, the time zone and the Job template."""
from __future__ import annotations

from controlplane.apiserver import defaults
from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import cronjobs
from proto import types_pb2

DEFAULT_SUCCESSFUL_HISTORY = 3
DEFAULT_FAILED_HISTORY = 1


class CronJobStrategy(Strategy):
    sample = {"metadata": {"name": "sample"},
              "spec": {"schedule": "*/1 * * * *",
                       "jobTemplate": {"spec": {"template": {"spec": {
                           "restartPolicy": "OnFailure",
                           "containers": [{"name": "app", "image": "busybox:latest"}]}}}}}}

    def default(self, cj: types_pb2.CronJob) -> None:
        spec = cj.spec
        if not spec.HasField("concurrency_policy"):
            spec.concurrency_policy = "Allow"
        if not spec.HasField("suspend"):
            spec.suspend = False
        if not spec.HasField("successful_jobs_history_limit"):
            spec.successful_jobs_history_limit = DEFAULT_SUCCESSFUL_HISTORY
        if not spec.HasField("failed_jobs_history_limit"):
            spec.failed_jobs_history_limit = DEFAULT_FAILED_HISTORY
        # The template's Job spec keeps what the author wrote (the Job's create defaults it); its pods'
        # spec is defaulted as every pod template is.
        defaults.pod_spec(spec.job_template.spec.template.spec)

    def validate(self, cj: types_pb2.CronJob) -> list[str]:
        return cronjobs.validate_cron_job(cj)


STRATEGY = CronJobStrategy()
