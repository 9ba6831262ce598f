"""The Deployment controller's revisions, template hashes and Progressing/Available conditions,
as plain functions."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from api import deployments, meta
from controlplane.controllers.deployment import progress, revisions
from controlplane.controllers.core.ownership import owner_reference
from tests.fixtures.objects import deployment

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def test_template_hash_is_stable_and_changes_with_template_or_collisions():
    d = deployment("web", 3)
    h = revisions.template_hash(d.spec.template)
    assert h == revisions.template_hash(deployment("web", 3).spec.template)
    assert h != revisions.template_hash(deployment("web", 3, image="busybox:1.37").spec.template)
    assert h != revisions.template_hash(d.spec.template, collision_count=1)
    assert set(h) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_new_replica_set_is_selected_and_labelled_by_hash():
    d = deployment("web", 3)
    d.metadata.uid = "u1"
    rs = revisions.new_replica_set(d, 1, 4, owner_reference(d))
    h = rs.metadata.labels["pod-template-hash"]
    assert rs.metadata.name == f"web-{h}" and rs.spec.selector.match_labels == {"app": "web", "pod-template-hash": h}
    assert rs.metadata.annotations[deployments.REVISION] == "4"
    assert deployments.same_template(rs.spec.template, d.spec.template)
    assert revisions.find_new(d, [rs]) is rs


def _rs(revision, replicas=0, image="busybox:1.36"):
    d = deployment("web", 1, image=image)
    rs = revisions.new_replica_set(d, replicas, revision, owner_reference(d))
    rs.metadata.name = f"web-{revision}"
    return rs


def test_history_keeps_the_newest_empty_replica_sets():
    olds = [_rs(3), _rs(1), _rs(2), _rs(4, replicas=1)]
    assert [rs.metadata.name for rs in revisions.history_to_delete(olds, 1)] == ["web-1", "web-2"]
    assert revisions.history_to_delete(olds, 5) == []


def _status(updated, total, available, generation=1):
    d = deployment("web", 3)
    d.metadata.generation = generation
    d.spec.progress_deadline_seconds = 600  # the server's default
    s = progress.counts(d, [], None)
    s.observed_generation, s.updated_replicas, s.replicas, s.available_replicas = 1, updated, total, available
    return d, s


def test_complete_rollout_is_new_replica_set_available():
    d, s = _status(3, 3, 3)
    progress.rollout_conditions(d, s, "web-abc", 0, NOW)
    c = meta.get_condition(s.conditions, "Progressing")
    assert (c.status, c.reason) == ("True", "NewReplicaSetAvailable")
    assert meta.get_condition(s.conditions, "Available").status == "True"


def test_no_progress_past_the_deadline_is_progress_deadline_exceeded():
    d, s = _status(1, 3, 0)
    d.spec.progress_deadline_seconds = 10
    progress.rollout_conditions(d, s, "web-abc", 0, NOW)
    assert meta.get_condition(s.conditions, "Progressing").reason == "ReplicaSetUpdated"
    d.status.CopyFrom(s)
    progress.rollout_conditions(d, s, "web-abc", 0, NOW + timedelta(seconds=5))
    assert meta.get_condition(s.conditions, "Progressing").status == "True"
    assert progress.seconds_to_deadline(d, s, NOW + timedelta(seconds=5)) == 5
    progress.rollout_conditions(d, s, "web-abc", 0, NOW + timedelta(seconds=11))
    c = meta.get_condition(s.conditions, "Progressing")
    assert (c.status, c.reason) == ("False", "ProgressDeadlineExceeded")
    assert meta.get_condition(s.conditions, "Available").status == "False"


def test_progress_moves_the_deadline():
    d, s = _status(1, 3, 0)
    d.spec.progress_deadline_seconds = 10
    progress.rollout_conditions(d, s, "web-abc", 0, NOW)
    d.status.CopyFrom(s)
    s.available_replicas = 1
    progress.rollout_conditions(d, s, "web-abc", 0, NOW + timedelta(seconds=8))
    assert progress.seconds_to_deadline(d, s, NOW + timedelta(seconds=8)) == 10
