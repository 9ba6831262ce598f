"""Naming objects on the command line: KIND NAME..., KIND/NAME..., po,svc and every alias."""
from __future__ import annotations

import pytest

from cli import resources
from cli.errors import CliError


def test_kind_then_names():
    kinds, targets = resources.parse(["po", "a", "b"])
    assert kinds == [] and [(t.kind.name, t.name) for t in targets] == [("Pod", "a"), ("Pod", "b")]


def test_kind_slash_name_across_kinds():
    _, targets = resources.parse(["po/web", "deploy/api", "svc/web"])
    assert [(t.kind.name, t.name) for t in targets] == [("Pod", "web"), ("Deployment", "api"), ("Service", "web")]


def test_comma_separated_kinds_list():
    kinds, targets = resources.parse(["po,rs,ep,no,ns,ev"])
    assert [k.name for k in kinds] == ["Pod", "ReplicaSet", "Endpoints", "Node", "Namespace", "Event"]
    assert targets == []


def test_unknown_kind_is_refused_in_kubectls_words():
    with pytest.raises(CliError, match=r'^the server doesn\'t have a resource type "widgets"\n.*served over the REST API only, use kubectl'):
        resources.parse(["widgets"])


@pytest.mark.parametrize("words", [["po,svc", "web"], ["po/web", "web"], ["po", "svc/web"]])
def test_ambiguous_forms_are_refused(words):
    with pytest.raises(CliError):
        resources.parse(words)


def test_printed_names_carry_the_api_group():
    _, (pod, deploy) = resources.parse(["po/a", "deploy/b"])
    assert resources.resource_name(pod.kind) == "pod"
    assert resources.resource_name(deploy.kind) == "deployment.apps"
