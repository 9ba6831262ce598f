"""What Impersonate-* headers ask the caller to be allowed, and whom the request is then served as."""
from __future__ import annotations

import pytest

from api import errors
from controlplane.apiserver.auth.attributes import Attributes
from controlplane.apiserver.auth.impersonation import plan


def test_no_impersonation_headers_means_no_plan():
    assert plan([("Authorization", "Bearer x"), ("Accept", "application/json")]) is None


def test_a_user_with_groups_needs_each_and_gets_them_plus_system_authenticated():
    p = plan([("Impersonate-User", "jane"), ("Impersonate-Group", "devs"), ("Impersonate-Group", "ops")])
    assert p.checks == (Attributes("impersonate", "", "users", name="jane"),
                        Attributes("impersonate", "", "groups", name="devs"),
                        Attributes("impersonate", "", "groups", name="ops"))
    assert (p.user.name, p.user.groups) == ("jane", ("devs", "ops", "system:authenticated"))


def test_a_service_account_is_checked_in_its_namespace_and_gets_its_fixed_groups():
    p = plan([("impersonate-user", "system:serviceaccount:dev:robot")])
    assert p.checks == (Attributes("impersonate", "", "serviceaccounts", namespace="dev", name="robot"),)
    assert p.user.groups == ("system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated")


def test_groups_given_for_a_service_account_are_the_whole_answer():
    p = plan([("Impersonate-User", "system:serviceaccount:dev:robot"), ("Impersonate-Group", "g")])
    assert p.user.groups == ("g", "system:authenticated")


def test_uid_and_extras_are_checked_in_authentication_k8s_io_and_kept():
    p = plan([("Impersonate-User", "jane"), ("Impersonate-Uid", "u-1"), ("Impersonate-Extra-Scopes", "view"),
              ("Impersonate-Extra-Scopes", "edit"), ("Impersonate-Extra-example.com%2fteam", "blue")])
    assert Attributes("impersonate", "authentication.k8s.io", "uids", name="u-1") in p.checks
    assert Attributes("impersonate", "authentication.k8s.io", "userextras", subresource="scopes",
                      name="edit") in p.checks
    assert p.user.uid == "u-1"
    assert dict(p.user.extra) == {"scopes": ("view", "edit"), "example.com/team": ("blue",)}


def test_anonymous_is_unauthenticated_and_system_unauthenticated_is_not_doubled():
    assert plan([("Impersonate-User", "system:anonymous")]).user.groups == ("system:unauthenticated",)
    p = plan([("Impersonate-User", "jane"), ("Impersonate-Group", "system:unauthenticated")])
    assert p.user.groups == ("system:unauthenticated",)


def test_groups_without_a_user_is_refused_in_kubernetes_words():
    with pytest.raises(errors.Internal) as refused:
        plan([("Impersonate-Group", "devs")])
    assert str(refused.value.message) == ("Internal error occurred: requested [{Group  devs    }] "
                                          "without impersonating a user")


def test_the_audit_event_names_the_caller_and_whom_it_impersonated():
    from controlplane.apiserver.auth import audit
    from controlplane.apiserver.auth.user import UserInfo
    p = plan([("Impersonate-User", "jane"), ("Impersonate-Uid", "u-1")])
    e = audit.event(UserInfo("admin", ("system:masters",)), Attributes("list", resource="pods", namespace="default"),
                    "Metadata", 200, "", 0.0, 0.1, impersonated=p.user)
    assert e["user"] == {"username": "admin", "groups": ["system:masters"]}
    assert e["impersonatedUser"] == {"username": "jane", "uid": "u-1", "groups": ["system:authenticated"]}


def test_the_cli_sends_as_flags_as_kubectls_impersonate_headers():
    import argparse

    from api.credentials import Credentials
    from cli.config import Config
    from cli.errors import CliError
    from cli.main import impersonating
    config = Config(credentials=Credentials(b"CA", token="t"))
    args = argparse.Namespace(as_user="jane", as_group=["devs", "ops"], as_uid="u-1")
    assert impersonating(config, args).credentials.impersonate == (
        ("Impersonate-User", "jane"), ("Impersonate-Group", "devs"), ("Impersonate-Group", "ops"),
        ("Impersonate-Uid", "u-1"))
    assert impersonating(config, argparse.Namespace()) is config
    with pytest.raises(CliError, match="without impersonating a user"):
        impersonating(config, argparse.Namespace(as_group=["devs"]))
