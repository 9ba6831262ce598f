"""Every command's --help exits 0 and says what it does; completion scripts know every verb."""
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


def test_unknown_verb_is_a_usage_error(capsys):
    assert main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_script_covers_verbs_flags_and_kinds(shell):
    out = io.StringIO()
    assert main(["completion", shell], stdout=out) == 0
    script = out.getvalue()
    assert "complete -o default -F _skiff skiff" in script
    assert all(verb in script for verb in VERBS)
    assert "--field-selector" in script and "deploy" in script
    if shell == "zsh":
        assert script.startswith("#compdef skiff") and "bashcompinit" in script


def test_api_resources_lists_kinds_with_short_names():
    out = io.StringIO()
    assert main(["api-resources"], stdout=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert any(line.split()[:2] == ["deployments", "deploy"] for line in lines)
