"""The well-known labels, annotations and finalizer of Jobs (batch/v1) that the API server, the Job
controller and `skiff describe` share, with Kubernetes' names, and the text form of index sets ("1,3-5")."""
from __future__ import annotations

CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_JOB_NAME_LABEL = "job-name"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"  # an annotation and a label of indexed pods
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"
TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"  # holds a pod until its Job has counted it
INDEX_FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count"  # failures of the pod's index before it
INDEX_IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count"


def parse_indexes(text: str) -> set[int]:
    """"1,3-5,7" -> {1, 3, 4, 5, 7}."""
    out: set[int] = set()
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        out.update(range(int(first), int(last or first) + 1))
    return out


def format_indexes(indexes: set[int]) -> str:
    """{1, 3, 4, 5, 7} -> "1,3-5,7"; two in a row stay "3,4", as Kubernetes writes them."""
    parts: list[str] = []
    ordered = sorted(indexes)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        first, last = ordered[i], ordered[j]
        parts.append(str(first) if first == last else f"{first},{last}" if last == first + 1 else f"{first}-{last}")
        i = j + 1
    return ",".join(parts)
