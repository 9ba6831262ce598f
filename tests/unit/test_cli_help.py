"""Every command's --help exits 0 and says what it does; completion offers every verb."""
from __future__ import annotations

import io

import pytest

from cli import commands
from cli.main import build_parser, main

VERBS = [name.replace("_", "-") for name in commands.NAMES]


@pytest.mark.parametrize("verb", VERBS)
def test_each_command_help_exits_zero_and_describes_it(verb, capsys):
    assert main([verb, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: skiff {verb}")
    described = build_parser()._subparsers._group_actions[0].choices[verb].description
    assert described and described in " ".join(out.split())


def test_top_level_help_lists_every_verb(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(verb in out for verb in VERBS)


def test_unknown_verb_is_a_usage_error_exiting_1_as_kubectl(capsys):
    assert main(["frobnicate"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == 'Error: unknown command "frobnicate" for "skiff"'


def test_unknown_flag_is_one_line_and_exit_1(capsys):
    assert main(["get", "pods", "--bogus"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "Error: unknown flag: --bogus"
    assert err[1] == "See 'skiff get --help' for usage."


def test_global_flags_go_before_or_after_the_verb():
    from cli.main import build_parser
    before = build_parser("get").parse_args(["-n", "web", "--request-timeout", "2m", "get", "pods"])
    after = build_parser("get").parse_args(["get", "pods", "-n", "web", "--request-timeout", "5s"])
    assert (before.namespace, before.request_timeout) == ("web", 120.0)
    assert (after.namespace, after.request_timeout) == ("web", 5.0)


@pytest.mark.parametrize("shell,line", [("bash", "complete -o default -F _skiff skiff"),
                                        ("zsh", "compdef _skiff skiff"),
                                        ("fish", "complete -c skiff -f -a '(__skiff_complete)'")])
def test_completion_scripts_ask_skiff_itself(shell, line):
    out = io.StringIO()
    assert main(["completion", shell], stdout=out) == 0
    script = out.getvalue()
    assert line in script and "skiff __complete" in script


def test_completion_offers_every_verb_first():
    out = io.StringIO()
    assert main(["__complete", ""], stdout=out) == 0
    offered = out.getvalue().split()
    assert all(verb in offered for verb in VERBS + ["uncordon"])


def test_api_resources_lists_kinds_with_short_names():
    out = io.StringIO()
    assert main(["api-resources"], stdout=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert any(line.split()[:2] == ["deployments", "deploy"] for line in lines)


def test_exec_flags_between_pod_and_dashes_are_applied():
    from cli.commands.exec import split_command
    args = build_parser("exec").parse_args(["exec", "web", "-n", "team", "-c", "side", "--", "ls", "-l"])
    args.namespace = getattr(args, "namespace", None)
    assert split_command(args) == ["ls", "-l"]
    assert (args.namespace, args.container) == ("team", "side")


def test_bare_skiff_prints_help_and_exits_0_as_kubectl(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out.startswith("usage: skiff")
