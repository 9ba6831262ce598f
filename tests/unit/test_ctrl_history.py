"""ControllerRevision history decisions: the next number, which revision a template is (kept, rolled back
and re-numbered, or new), what is pruned, and the data round trip of a template."""
from __future__ import annotations

from controlplane.controllers.core import history
from proto import types_pb2


def _template(image: str) -> types_pb2.PodTemplateSpec:
    t = types_pb2.PodTemplateSpec()
    t.metadata.labels["app"] = "web"
    t.spec.containers.add(name="c", image=image)
    return t


def _rev(name: str, number: int, image: str = "") -> types_pb2.ControllerRevision:
    owner = types_pb2.StatefulSet(metadata=types_pb2.ObjectMeta(name="web", namespace="default", uid="u"))
    return history.new_revision(owner, name, history.data_of(_template(image or name)), number, {})


def test_first_revision_is_one_and_next_is_one_more_than_the_highest():
    assert history.next_revision([]) == 1
    assert history.next_revision([_rev("a", 3), _rev("b", 7), _rev("c", 5)]) == 8


def test_a_new_template_gets_a_new_revision_numbered_next():
    choice = history.choose([_rev("a", 1), _rev("b", 2)], history.data_of(_template("new")))
    assert choice.existing is None and choice.number == 3


def test_the_newest_revision_equal_to_the_template_is_kept_as_is():
    b = _rev("b", 2)
    choice = history.choose([_rev("a", 1), b], history.data_of(_template("b")))
    assert choice.existing is b and choice.number == 2 and not choice.renumber


def test_rolling_back_to_an_older_template_renumbers_its_revision_to_the_newest():
    a = _rev("a", 1)
    choice = history.choose([a, _rev("b", 2)], history.data_of(_template("a")))
    assert choice.existing is a and choice.number == 3 and choice.renumber


def test_prune_deletes_the_oldest_unused_revisions_beyond_the_limit():
    revisions = [_rev(n, i) for i, n in enumerate("abcde", start=1)]
    assert history.to_prune(revisions, live={"e"}, limit=2) == ["a", "b"]


def test_prune_never_deletes_a_revision_in_use():
    revisions = [_rev(n, i) for i, n in enumerate("abcde", start=1)]
    assert history.to_prune(revisions, live={"a", "e"}, limit=1) == ["b", "c"]
    assert history.to_prune(revisions, live={"a", "b", "c", "d", "e"}, limit=0) == []


def test_prune_keeps_everything_within_the_limit():
    assert history.to_prune([_rev("a", 1), _rev("b", 2)], live=set(), limit=10) == []


def test_revision_data_is_a_replace_patch_of_the_template_and_reads_back():
    t = _template("nginx:1.25")
    data = history.data_of(t)
    assert data["spec"]["template"]["$patch"] == "replace"
    assert history.template_of(_rev_with(data)) == t


def _rev_with(data) -> types_pb2.ControllerRevision:
    owner = types_pb2.DaemonSet(metadata=types_pb2.ObjectMeta(name="ds", namespace="default", uid="u"))
    return history.new_revision(owner, "ds-1", data, 1, {"app": "web"})


def test_a_revision_is_owned_by_its_controller_and_labelled_as_its_pods():
    cr = _rev_with(history.data_of(_template("x")))
    ref = cr.metadata.owner_references[0]
    assert (ref.kind, ref.name, ref.controller) == ("DaemonSet", "ds", True)
    assert dict(cr.metadata.labels) == {"app": "web"}


def test_a_daemonsets_revisions_in_use_count_toward_the_limit():
    revisions = [_rev(n, i) for i, n in enumerate("abcd", start=1)]
    assert history.to_prune(revisions, live={"a"}, limit=2, live_counts=True) == ["b", "c"]
    assert history.to_prune(revisions, live={"a"}, limit=2) == ["b"]
