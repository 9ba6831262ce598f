"""The RBAC index is rebuilt when a Role, ClusterRole or binding changes, not whenever etcd's progress marks
move the caches' revision (that rebuilt it several times a second under any load)."""
from __future__ import annotations

from types import SimpleNamespace

from api import kinds
from controlplane.apiserver.auth.authorizer import RBAC_KINDS, Authorizer
from controlplane.apiserver.watchcache import WatchCache


def _authorizer():
    caches = {kinds.BY_NAME[k]: WatchCache(None, kinds.BY_NAME[k], b"/registry/", decode=None)
              for k in (*RBAC_KINDS, "Pod")}
    return Authorizer(SimpleNamespace(caches=caches)), [caches[kinds.BY_NAME[k]] for k in RBAC_KINDS]


def test_progress_alone_keeps_the_index():
    authorizer, caches = _authorizer()
    first = authorizer.index()
    for cache in caches:
        cache.revision += 100  # what a progress mark from etcd does
    assert authorizer.index() is first


def test_a_changed_rbac_object_rebuilds_the_index():
    authorizer, caches = _authorizer()
    first = authorizer.index()
    caches[0].generation += 1  # what an applied change does
    assert authorizer.index() is not first
