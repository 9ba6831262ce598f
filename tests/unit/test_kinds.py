"""The kinds table: kubectl-style names, and the generic envelope."""
from __future__ import annotations

import pytest

from api import kinds
from proto import types_pb2


@pytest.mark.parametrize("alias,name", [
    ("po", "Pod"), ("pods", "Pod"), ("Pod", "Pod"), ("rs", "ReplicaSet"), ("deploy", "Deployment"),
    ("deployments.apps", "Deployment"), ("svc", "Service"), ("ep", "Endpoints"), ("no", "Node"),
    ("ns", "Namespace"), ("ev", "Event"), ("leases", "Lease"), ("ds", "DaemonSet"), ("daemonsets.apps", "DaemonSet"),
    ("jobs", "Job"), ("job.batch", "Job"),
])
def test_aliases_resolve(alias, name):
    assert kinds.lookup(alias).name == name


def test_unknown_kind_lists_known_ones():
    with pytest.raises(kinds.UnknownKindError, match="known kinds: Namespace, Node, Pod"):
        kinds.lookup("widgets")


def test_wrap_and_unwrap_round_trip():
    pod = kinds.BY_NAME["Pod"].new(metadata=types_pb2.ObjectMeta(name="p"))
    envelope = kinds.wrap(pod)
    assert kinds.kind_of_envelope(envelope).name == "Pod"
    assert kinds.unwrap(envelope) == pod
    assert pod.api_version == "v1" and pod.kind == "Pod"
