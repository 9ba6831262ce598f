"""What TAB offers, from the parser and a stand-in for the server's names."""
from __future__ import annotations

import pytest

from cli import completing
from cli.main import build_parser

from api import kinds

SERVER = {("pods", ""): ["web-1", "web-2"], ("pods", "team"): ["db-0"], ("deployments", ""): ["web"],
          ("nodes", ""): ["n1", "n2"], ("namespaces", ""): ["default", "team"]}


def offered(*words: str) -> list[str]:
    return completing.candidates(build_parser(), list(words), lambda kind, ns: SERVER.get((kinds.lookup(kind).plural, ns), []))


@pytest.mark.parametrize("words,expected", [
    (("rollout", ""), ["history", "pause", "restart", "resume", "status", "undo"]),
    (("set", "i"), ["image"]),
    (("create", "service", ""), ["clusterip", "nodeport"]),
    (("get", "po", "web"), ["web-1", "web-2"]),
    (("get", "-n", "team", "pods", ""), ["db-0"]),
    (("describe", "deploy/"), ["deploy/web"]),
    (("rollout", "status", "deploy/w"), ["deploy/web"]),
    (("logs", ""), ["web-1", "web-2"]),
    (("drain", ""), ["n1", "n2"]),
    (("taint", ""), ["nodes"]),
    (("get", "pods", "-n", ""), ["default", "team"]),
    (("get", "pods", "-o", "j"), ["json", "jsonpath="]),
    (("completion", ""), ["bash", "zsh", "fish"]),
])
def test_candidates(words, expected):
    assert offered(*words) == expected


def test_flags_of_the_verb_and_kinds_after_a_naming_verb():
    assert "--show-labels" in offered("get", "pods", "--sh")
    assert {"pods", "deploy", "svc", "all"} <= set(offered("get", ""))
