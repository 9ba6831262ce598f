"""The revision bookkeeping shared by the Deployment controller and `skiff rollout`, as plain functions."""
from __future__ import annotations

from api import deployments
from tests.fixtures.objects import deployment, replica_set


def _rs(revision: int | str, image: str = "busybox:1.36"):
    """A ReplicaSet as the Deployment controller leaves it: revision annotated, template hash-labelled."""
    rs = replica_set(f"web-{revision}", 0)
    rs.metadata.annotations[deployments.REVISION] = str(revision)
    rs.spec.template.CopyFrom(deployment("web", 1, image=image).spec.template)
    rs.spec.template.metadata.labels[deployments.HASH_LABEL] = f"hash{revision}"
    return rs


def test_revision_is_the_annotation_or_zero():
    assert deployments.revision_of(_rs(7)) == 7
    assert deployments.revision_of(_rs("seven")) == 0
    assert deployments.revision_of(replica_set("plain", 1)) == 0


def test_same_template_ignores_the_hash_label_only():
    d = deployment("web", 1)
    assert deployments.same_template(_rs(1).spec.template, d.spec.template)
    assert not deployments.same_template(_rs(1, image="busybox:1.37").spec.template, d.spec.template)


def test_rollback_target_is_previous_revision_or_the_one_asked_for():
    rss = [_rs(1, image="a:1"), _rs(2, image="a:2"), _rs(3, image="a:3")]
    assert deployments.template_of_revision(rss, 0).spec.containers[0].image == "a:2"
    assert deployments.template_of_revision(rss, 1).spec.containers[0].image == "a:1"
    assert "pod-template-hash" not in deployments.template_of_revision(rss, 1).metadata.labels
    assert deployments.template_of_revision(rss, 9) is None


def test_rollback_needs_an_older_revision_and_ignores_list_order():
    rss = [_rs(3, image="a:3"), _rs(1, image="a:1"), _rs(2, image="a:2")]
    assert deployments.template_of_revision(rss, 0).spec.containers[0].image == "a:2"
    assert deployments.template_of_revision(rss[:1], 0) is None
