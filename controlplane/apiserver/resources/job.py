"""Jobs (batch/v1): Kubernetes' defaults (one pod to one completion, backoffLimit 6), and the selector
and pod labels the server generates from the Job's uid unless `manualSelector` is set."""
from __future__ import annotations

from api import jobs as api_jobs
from controlplane.apiserver import defaults
from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import jobs
from proto import types_pb2

DEFAULT_BACKOFF_LIMIT = 6
MAX_INT32 = 2**31 - 1


class JobStrategy(Strategy):
    # manualSelector: a sample is judged also without the create that would generate the selector
    sample = {"metadata": {"name": "sample"},
              "spec": {"manualSelector": True, "selector": {"matchLabels": {"app": "sample"}},
                       "template": {"metadata": {"labels": {"app": "sample"}},
                                    "spec": {"restartPolicy": "Never",
                                             "containers": [{"name": "app", "image": "busybox:latest"}]}}}}

    def prepare_for_create(self, job: types_pb2.Job) -> None:
        if not (job.spec.HasField("manual_selector") and job.spec.manual_selector):
            generate_selector(job)
        # Kubernetes' defaulting shares one label map between the Job and its template when the Job has
        # none, so the labels generated above show on the Job too.
        if not job.metadata.labels:
            job.metadata.labels.update(job.spec.template.metadata.labels)

    def default(self, job: types_pb2.Job) -> None:
        spec = job.spec
        if not spec.HasField("completions") and not spec.HasField("parallelism"):
            spec.completions = 1
        if not spec.HasField("parallelism"):
            spec.parallelism = 1
        if not spec.HasField("backoff_limit"):
            # with a limit per index, the Job as a whole has none unless asked
            spec.backoff_limit = MAX_INT32 if spec.HasField("backoff_limit_per_index") else DEFAULT_BACKOFF_LIMIT
        if not spec.HasField("completion_mode"):
            spec.completion_mode = "NonIndexed"
        if not spec.HasField("suspend"):
            spec.suspend = False
        if not spec.HasField("pod_replacement_policy"):
            spec.pod_replacement_policy = "Failed" if spec.HasField("pod_failure_policy") else "TerminatingOrFailed"
        for rule in spec.pod_failure_policy.rules:
            for pattern in rule.on_pod_conditions:
                if not pattern.status:
                    pattern.status = "True"
        if not job.metadata.labels:
            job.metadata.labels.update(spec.template.metadata.labels)
        defaults.pod_spec(spec.template.spec)

    def validate(self, job: types_pb2.Job) -> list[str]:
        return jobs.validate_job(job)

    def validate_update(self, new: types_pb2.Job, old: types_pb2.Job) -> list[str]:
        return jobs.validate_job_update(new, old)


def generate_selector(job: types_pb2.Job) -> None:
    """Label the template with the Job's name and uid and select by the uid (Kubernetes' generateSelector);
    labels the author set are kept, so a wrong one is refused by validation rather than overwritten."""
    labels = job.spec.template.metadata.labels
    uid, name = job.metadata.uid, job.metadata.name
    for key, value in ((api_jobs.LEGACY_JOB_NAME_LABEL, name), (api_jobs.JOB_NAME_LABEL, name),
                       (api_jobs.LEGACY_CONTROLLER_UID_LABEL, uid), (api_jobs.CONTROLLER_UID_LABEL, uid)):
        labels.setdefault(key, value)
    job.spec.selector.SetInParent()
    job.spec.selector.match_labels.setdefault(api_jobs.CONTROLLER_UID_LABEL, uid)


STRATEGY = JobStrategy()
