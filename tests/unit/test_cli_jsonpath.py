"""kubectl's JSONPath templates, custom columns, --sort-by and the label columns, as pure functions."""
from __future__ import annotations

import argparse

import pytest

from api.flagtypes import duration
from cli import jsonpath, printers
from cli.errors import CliError
from tests.fixtures.objects import pod

DATA = {"items": [
    {"metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
     "spec": {"containers": [{"image": "busybox"}, {"image": "nginx"}]}, "status": {"phase": "Running"}},
    {"metadata": {"name": "db", "labels": {}}, "spec": {"containers": [{"image": "pg"}]},
     "status": {"phase": "Pending"}},
]}


def test_items_star_prints_every_value_separated_by_spaces():
    assert jsonpath.render("{.items[*].metadata.name}", DATA) == "web db"


def test_range_repeats_its_body_for_each_item_with_literal_escapes():
    template = '{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}'
    assert jsonpath.render(template, DATA) == "web\tRunning\ndb\tPending\n"


def test_escaped_dots_name_one_key_and_maps_print_as_json():
    assert jsonpath.render("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}", DATA) == "web"
    assert jsonpath.render("{.items[0].metadata.labels}", DATA) == '{"app.kubernetes.io/name":"web"}'


def test_filters_and_missing_keys_print_nothing_for_the_missing():
    assert jsonpath.render('{.items[?(@.status.phase=="Pending")].metadata.name}', DATA) == "db"
    assert jsonpath.render("x{.items[0].nothing}y", DATA) == "xy"


@pytest.mark.parametrize("template,message", [
    ("{.items", "unclosed action"),
    ("{range .items[*]}{.x}", "unclosed range"),
    ("{end}", "not in range"),
])
def test_malformed_templates_are_one_line_errors(template, message):
    with pytest.raises(CliError, match=message):
        jsonpath.render(template, DATA)


def test_custom_columns_join_lists_and_show_none_for_missing():
    pods = [pod("web", labels={"app": "web"}), pod("db")]
    lines = printers.render_custom_columns(pods, "NAME:.metadata.name,IMAGE:.spec.containers[*].image,NODE:.spec.nodeName")
    assert lines == ["NAME   IMAGE          NODE",
                     "web    busybox:1.36   <none>",
                     "db     busybox:1.36   <none>"]


def test_a_bad_custom_columns_spec_is_reported_as_kubectl_does():
    with pytest.raises(CliError, match="unexpected custom-columns spec: bad, expected <header>:<json-path-expr>"):
        printers.render_custom_columns([pod("web")], "bad")


def test_sort_by_orders_by_the_field_missing_first():
    pods = [pod("b", node="n2"), pod("c"), pod("a", node="n1")]
    assert [p.metadata.name for p in printers.sort_by(pods, ".metadata.name")] == ["a", "b", "c"]
    assert [p.metadata.name for p in printers.sort_by(pods, "{.spec.nodeName}")] == ["c", "a", "b"]


def test_label_columns_and_show_labels_come_last():
    table = printers.Table("Pod", printers.datetime.now(), show_labels=True,
                           label_columns=["app.kubernetes.io/name", "tier"])
    web = pod("web", labels={"app.kubernetes.io/name": "web", "b": "2"})
    header, row = table.render([web])
    assert header.split()[-3:] == ["NAME", "TIER", "LABELS"]
    assert row.split()[-2:] == ["web", "app.kubernetes.io/name=web,b=2"]


def test_output_format_accepts_kubectl_forms_and_names_the_allowed_ones():
    assert printers.output_format("jsonpath={.a}") == printers.Output("jsonpath", "{.a}")
    assert printers.output_format("custom-columns=A:.a") == printers.Output("custom-columns", "A:.a")
    with pytest.raises(argparse.ArgumentTypeError, match="allowed formats are: wide,yaml,json,name"):
        printers.output_format("table")


@pytest.mark.parametrize("text,seconds", [("5s", 5), ("2m", 120), ("1h30m", 5400), ("500ms", 0.5), ("30", 30)])
def test_durations_read_as_kubectl_takes_them(text, seconds):
    assert duration(text) == seconds


def test_empty_list_as_json_is_an_empty_list_object():
    assert printers.render_objects([], "json", single=False) == [
        '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n'
        '        "resourceVersion": ""\n    }\n}']
