"""Which volume a claim binds to (api.storage.find_matching_volume, Kubernetes' FindMatchingVolume), the
default class, node affinity of volumes and kubectl's access-mode column."""
from __future__ import annotations

import pytest

from api import storage
from tests.fixtures.storage import claim, storage_class, volume


def _available(*volumes):
    for pv in volumes:
        pv.status.phase = storage.AVAILABLE
    return list(volumes)


def _pinned(name, node):
    pv = volume(name, nodeAffinity={"required": {"nodeSelectorTerms": [{"matchExpressions": [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}})
    pv.status.phase = storage.AVAILABLE
    return pv


@pytest.mark.parametrize("claim_args, expected", [
    ({"size": "3Gi"}, "small"),  # the smallest that holds it
    ({"size": "10Gi"}, "big"),
    ({"size": "30Gi"}, None),  # none is large enough
    ({"size": "1Gi", "modes": ("ReadWriteMany",)}, "shared"),  # only one has every mode asked for
    ({"size": "1Gi", "selector": {"matchLabels": {"tier": "fast"}}}, "big"),
    ({"size": "1Gi", "selector": {"matchLabels": {"tier": "none"}}}, None),
    ({"size": "1Gi", "storageClassName": "gold"}, None),  # no volume of that class
    ({"size": "1Gi", "volumeMode": "Block"}, None),
])
def test_claim_matches_the_smallest_available_volume_that_satisfies_it(claim_args, expected):
    volumes = _available(volume("big", "20Gi", labels={"tier": "fast"}), volume("small", "5Gi"),
                         volume("shared", "8Gi", modes=("ReadWriteOnce", "ReadWriteMany")))
    size = claim_args.pop("size")
    modes = claim_args.pop("modes", ("ReadWriteOnce",))
    found = storage.find_matching_volume(claim("c", size, modes, **{"storageClassName": "", **claim_args}), volumes)
    assert (found.metadata.name if found else None) == expected


def test_bound_pending_or_deleted_volumes_are_never_matched_but_a_pre_bound_one_is():
    taken, pending, deleted, reserved = volume("taken"), volume("pending"), volume("deleted"), volume("reserved")
    taken.status.phase = storage.BOUND
    taken.spec.claim_ref.name, taken.spec.claim_ref.namespace = "other", "default"
    deleted.status.phase = storage.AVAILABLE
    deleted.metadata.deletion_timestamp = "2026-01-01T00:00:00Z"
    reserved.spec.claim_ref.name, reserved.spec.claim_ref.namespace = "c", "default"  # no uid: pre-bound
    c = claim("c", storageClassName="")
    assert storage.find_matching_volume(c, [taken, pending, deleted]) is None
    assert storage.find_matching_volume(c, [taken, pending, deleted, reserved]) is reserved


def test_a_node_restricts_volumes_by_their_node_affinity():
    volumes = [_pinned("on-a", "a"), _pinned("on-b", "b")]
    c = claim("c", storageClassName="")
    on_b = storage.find_matching_volume(
        c, volumes, lambda pv: storage.fits_node(pv, {"kubernetes.io/hostname": "b"}, "b"))
    assert on_b.metadata.name == "on-b"
    assert storage.find_matching_volume(c, volumes, lambda pv: storage.fits_node(pv, {}, "c")) is None
    assert storage.fits_node(volume("anywhere"), {}, "c")


def test_the_default_class_is_the_newest_marked_one_and_the_first_by_name_among_equals():
    old = storage_class("old", default=True)
    old.metadata.creation_timestamp = "2026-01-01T00:00:00Z"
    b, a = storage_class("b", default=True), storage_class("a", default=True)
    b.metadata.creation_timestamp = a.metadata.creation_timestamp = "2026-02-01T00:00:00Z"
    plain = storage_class("plain")
    assert storage.default_class([old, b, a, plain]) == "a"
    assert storage.default_class([plain]) is None


def test_access_modes_print_as_kubectl_abbreviates_them_in_its_order():
    assert storage.access_modes_text(["ReadWriteMany", "ReadWriteOnce", "ReadOnlyMany"]) == "RWO,ROX,RWX"
    assert storage.access_modes_text(["ReadWriteOncePod"]) == "RWOP"
