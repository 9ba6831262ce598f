"""The --leader-elect flags every leader-elected component shares, and the elector they ask for."""
from __future__ import annotations

import argparse

import pytest

from api import leaderelection
from controlplane.controllers.main import parse_args as controller_manager_args


def parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="skiff-component")
    leaderelection.add_flags(p)
    return p.parse_args(argv)


def test_defaults_follow_client_go():
    args = parse()
    assert args.leader_elect
    assert (args.leader_elect_lease_duration, args.leader_elect_renew_deadline,
            args.leader_elect_retry_period) == (15.0, 10.0, 2.0)


def test_timings_are_checked_after_all_flags_are_read():
    # A lease shorter than the default renew deadline is fine once the deadline is shortened too.
    args = parse("--leader-elect-lease-duration", "5", "--leader-elect-renew-deadline", "3")
    assert (args.leader_elect_lease_duration, args.leader_elect_renew_deadline) == (5.0, 3.0)


@pytest.mark.parametrize("argv, message", [
    (["--leader-elect-renew-deadline", "20"], "must be shorter than --leader-elect-lease-duration"),
    (["--leader-elect-lease-duration", "5", "--leader-elect-renew-deadline", "5"], "must be shorter"),
    (["--leader-elect-retry-period", "0"], "must be more than 0 seconds"),
    (["--leader-elect-lease-duration", "-1"], "must be more than 0 seconds"),
])
def test_bad_timings_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse(*argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "skiff-component: error:" in err and message in err


def test_controller_manager_refuses_bad_timings_too(capsys):
    with pytest.raises(SystemExit):
        controller_manager_args(["--leader-elect-renew-deadline", "15"])
    assert "skiff-controller-manager: error:" in capsys.readouterr().err


def test_elector_follows_the_flags_and_none_without_election():
    client = object()  # the elector only keeps it until it runs
    elector = leaderelection.elector_from_args(client, "skiff-x", parse("--leader-elect-retry-period", "0.5"), "me")
    assert (elector.name, elector.namespace, elector.identity) == ("skiff-x", "kube-system", "me")
    assert (elector.lease_duration, elector.renew_deadline, elector.retry_period) == (15.0, 10.0, 0.5)
    assert leaderelection.elector_from_args(client, "skiff-x", parse("--no-leader-elect")) is None
