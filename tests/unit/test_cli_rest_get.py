"""`skiff get`'s REST fast path: which command lines it answers, and that the lines it prints from the
server's Table are the gRPC path's own lines for the same objects (so a user cannot tell them apart)."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from api import kinds, kubeconfig
from cli import config, kindnames, printers, restget
from cli.main import build_parser
from controlplane.apiserver.rest import table as rest_table
from tests.fixtures.objects import pod

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
KINDS = kindnames.derive()


def get_args(*words: str):
    return build_parser("get").parse_args(["get", *words])


def aged(obj, seconds: int):
    obj.metadata.creation_timestamp = (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return obj


def pods():
    web = aged(pod("web-1", labels={"app": "web", "tier": "front"}), 95)
    web.status.phase = "Running"
    web.status.pod_ip = "10.244.1.7"
    web.spec.node_name = "node-a"
    other = aged(pod("db", namespace="data", labels={"app.kubernetes.io/name": "db"}), 4000)
    return [web, other, aged(pod("bare"), 5)]


@pytest.mark.parametrize("words, url", [
    (("pods",), "/api/v1/namespaces/default/pods"),
    (("po", "-n", "web"), "/api/v1/namespaces/web/pods"),
    (("deploy", "-A"), "/apis/apps/v1/deployments"),
    (("Deployments.apps",), "/apis/apps/v1/namespaces/default/deployments"),
    (("nodes", "-n", "web"), "/api/v1/nodes"),
    (("po", "-l", "app in (a,b)", "--field-selector", "spec.nodeName=n1"),
     "/api/v1/namespaces/default/pods?labelSelector=app+in+%28a%2Cb%29&fieldSelector=spec.nodeName%3Dn1"),
    (("svc", "web", "db"), "/api/v1/namespaces/default/services/web /api/v1/namespaces/default/services/db"),
    (("po", "-o", "wide", "--show-labels", "-L", "app", "--no-headers"), "/api/v1/namespaces/default/pods"),
])
def test_a_table_of_one_kind_is_asked_of_the_rest_api(words, url):
    args = get_args(*words)
    planned = restget.plan(args, getattr(args, "namespace", None) or "default", KINDS)
    assert " ".join(planned.urls) == url


@pytest.mark.parametrize("words", [
    ("pods", "-o", "yaml"), ("pods", "-o", "jsonpath={.items}"), ("pods", "-w"), ("pods", "--sort-by", ".metadata.name"),
    ("all",), ("po,svc",), ("po/web",), ("po", "web", "svc/web"), ("events",), ("widgets",),
    ("po", "web", "-A"), ("po", "web", "-l", "app=web"),
])
def test_everything_else_goes_the_grpc_way(words):
    assert restget.plan(get_args(*words), "default", KINDS) is None


@pytest.mark.parametrize("words, all_namespaces, wide, show_labels, label_columns, header", [
    (("pods",), False, False, False, [], True),
    (("pods", "-A", "-o", "wide"), True, True, False, [], True),
    (("pods", "--show-labels", "-L", "app,app.kubernetes.io/name"), False, False, True,
     ["app", "app.kubernetes.io/name"], True),
    (("pods", "-A", "--no-headers", "-L", "tier"), True, False, False, ["tier"], False),
])
def test_rows_from_the_servers_table_print_as_the_grpc_path_prints_them(words, all_namespaces, wide, show_labels,
                                                                        label_columns, header):
    objs = pods()
    answer = json.loads(json.dumps(rest_table.table(kinds.BY_NAME["Pod"], objs, NOW)))
    planned = restget.plan(get_args(*words), "default", KINDS)
    expected = printers.Table("Pod", NOW, wide=wide, all_namespaces=all_namespaces, show_labels=show_labels,
                              label_columns=label_columns).render(objs, header=header)
    assert restget.lines(planned, [answer]) == expected


def test_rows_of_several_named_objects_share_one_alignment():
    objs = pods()
    answers = [json.loads(json.dumps(rest_table.table(kinds.BY_NAME["Pod"], [o], NOW))) for o in objs]
    planned = restget.plan(get_args("pods", "web-1", "db", "bare"), "default", KINDS)
    assert restget.lines(planned, answers) == printers.Table("Pod", NOW).render(objs)


def test_warning_headers_are_read_back_to_their_text():
    assert restget.warning_texts(['299 - "spec.x is deprecated"', '299 - "would violate \\"restricted\\""',
                                  "garbled"]) == ["spec.x is deprecated", 'would violate "restricted"']


def test_every_word_api_kinds_takes_names_the_same_kind():
    for kind in kinds.KINDS:
        for word in (kind.name, kind.name.upper(), kind.plural, kind.singular, *kind.short_names, kind.resource):
            found = kindnames.lookup(KINDS, word)
            expected = kinds.lookup(word)
            assert (found.kind, found.api_version, found.plural, found.namespaced) == \
                (expected.name, expected.api_version, expected.plural, expected.namespaced), word
    assert kindnames.lookup(KINDS, "widgets") is None


def test_the_kind_table_is_cached_until_the_protobuf_module_changes(tmp_path):
    cache = str(tmp_path / "kinds.json")
    assert kindnames.load(cache) == KINDS
    stored = json.loads(open(cache).read())
    stored["table"]["aliases"]["po"] = 0  # what a table cached from another build could say
    open(cache, "w").write(json.dumps(stored))
    assert kindnames.load(cache)["aliases"]["po"] == 0  # same build: the cache answers
    stored["identity"][1] -= 1  # another build of proto/api_pb2.py
    open(cache, "w").write(json.dumps(stored))
    assert kindnames.load(cache) == KINDS


def test_the_kubeconfig_carries_the_rest_address_in_a_cluster_extension(tmp_path):
    from tests.fixtures.pki import test_pki
    pki = test_pki()
    path = pki.kubeconfig("127.0.0.1:6443", tmp_path / "config", rest="127.0.0.1:6444")
    assert kubeconfig.load(path).rest_server == "127.0.0.1:6444"
    assert kubeconfig.load(pki.kubeconfig("127.0.0.1:6443", tmp_path / "plain")).rest_server == ""
    broken = {"extensions": [{"name": kubeconfig.REST_EXTENSION, "extension": "https://x"}, "junk"]}
    assert kubeconfig.rest_server(broken) == ""


def test_a_server_flag_turns_the_rest_shortcut_off(tmp_path):
    from tests.fixtures.pki import test_pki
    path = test_pki().kubeconfig("127.0.0.1:6443", tmp_path / "config", rest="127.0.0.1:6444")
    environ = {"SKIFF_CONFIG": str(path), "SKIFF_CACHE_DIR": str(tmp_path / "cache")}
    assert config.load(None, environ).rest_server == "127.0.0.1:6444"
    assert config.load("10.0.0.9:6443", environ).rest_server == ""


def test_the_client_key_file_is_private_and_rewritten_when_the_key_changes(tmp_path):
    from cli import config_cache
    source = tmp_path / "config"
    source.write_text("x")
    first = config_cache.private_file(str(tmp_path / "cache"), source, "client.pem", b"one")
    assert open(first, "rb").read() == b"one" and os.stat(first).st_mode & 0o777 == 0o600
    assert config_cache.private_file(str(tmp_path / "cache"), source, "client.pem", b"two") == first
    assert open(first, "rb").read() == b"two"
    assert config_cache.private_file(None, source, "client.pem", b"one") is None

