import pytest

from controlplane.scheduler.main import parse_args


def test_defaults_follow_kubernetes():
    args = parse_args([])
    assert args.scheduler_name == "default-scheduler"
    assert args.percentage_of_nodes_to_score == 0 and args.parallelism == 64
    assert args.leader_elect and args.leader_elect_lease_duration == 15.0


def test_short_leases_for_tests_are_accepted():
    args = parse_args(["--leader-elect-lease-duration", "2", "--leader-elect-renew-deadline", "1.5",
                       "--leader-elect-retry-period", "0.2", "--no-leader-elect"])
    assert (args.leader_elect_lease_duration, args.leader_elect_renew_deadline) == (2.0, 1.5)
    assert not args.leader_elect


@pytest.mark.parametrize("argv", [["--percentage-of-nodes-to-score", "101"], ["--parallelism", "0"],
                                  ["--leader-elect-lease-duration", "5", "--leader-elect-renew-deadline", "5"]])
def test_bad_flags_are_refused_with_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse_args(argv)
    assert exit_.value.code == 2
    assert "skiff-scheduler: error:" in capsys.readouterr().err
