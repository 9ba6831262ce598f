"""Reading -f: multi-document YAML and JSON, directories and stdin; every problem names file and line."""
from __future__ import annotations

import io

import pytest

from cli import manifests
from cli.errors import CliError
from cli.manifests import ManifestLoadError

POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
  - name: app
    image: busybox
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_multi_document_yaml_gives_one_object_per_document(tmp_path):
    path = write(tmp_path, "two.yaml", POD.format(name="a") + "---\n" + POD.format(name="b") + "---\n")
    docs = manifests.load([path])
    assert [d.obj.metadata.name for d in docs] == ["a", "b"]
    assert all(d.source == path for d in docs)


def test_a_directory_reads_its_yaml_and_json_files_in_order(tmp_path):
    write(tmp_path, "b.yaml", POD.format(name="b"))
    write(tmp_path, "a.json", '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}')
    write(tmp_path, "notes.txt", "not a manifest")
    assert [d.obj.metadata.name for d in manifests.load([str(tmp_path)])] == ["a", "b"]


def test_stdin_and_a_list_kind_expand_to_their_items():
    text = ('{"apiVersion": "v1", "kind": "List", "items": ['
            '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}},'
            '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "y"}}]}')
    docs = manifests.load(["-"], stdin=io.StringIO(text))
    assert [d.obj.metadata.name for d in docs] == ["x", "y"]
    assert docs[0].source == "STDIN"


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "web.yaml", POD.format(name="web") + "  bad: value: here\n")
    with pytest.raises(ManifestLoadError) as e:
        manifests.load([path])
    assert e.value.problems == [f"{path}: line 9: mapping values are not allowed here"]


def test_json_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "web.json", '{\n  "kind": "Pod",\n  "apiVersion" "v1"\n}')
    with pytest.raises(ManifestLoadError) as e:
        manifests.load([path])
    assert e.value.problems == [f"{path}: line 3: Expecting ':' delimiter"]


def test_unknown_kind_names_the_kinds_that_exist(tmp_path):
    path = write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: Widget\nmetadata: {name: x}\n")
    with pytest.raises(ManifestLoadError) as e:
        manifests.load([path])
    (problem,) = e.value.problems
    assert problem.startswith(f'{path}: kind: unknown kind "Widget"')
    assert "Pod" in problem and "Deployment" in problem


def test_every_problem_of_every_file_is_reported_and_nothing_loads(tmp_path):
    good = write(tmp_path, "good.yaml", POD.format(name="good"))
    bad = write(tmp_path, "bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: 5}\nspec: {containers: 3}\n")
    broken = write(tmp_path, "broken.yaml", "a: [\n")
    with pytest.raises(ManifestLoadError) as e:
        manifests.load([good, bad, broken])
    text = "\n".join(e.value.problems)
    assert f"{bad}: spec.containers: expected a list" in text
    assert f"{bad}: metadata.name: expected a string" in text
    assert f"{broken}: line 2" in text


def test_strict_refuses_every_unknown_and_duplicate_field_of_a_document_in_one_line(tmp_path):
    text = POD.format(name="web").replace("    image: busybox\n", "    image: busybox\n    imagee: busybox\n")
    text = text.replace("  name: web\n", "  name: web\n  name: web2\n")
    path = write(tmp_path, "web.yaml", text)
    with pytest.raises(ManifestLoadError) as refused:
        manifests.load([path], validation="Strict")
    assert refused.value.problems == [
        f'{path}: strict decoding error: unknown field "spec.containers[0].imagee", '
        f'duplicate field "metadata.name" (line 5)']


def test_warn_names_duplicate_keys_with_their_line_and_keeps_the_last_value(tmp_path):
    text = POD.format(name="web").replace("  name: web\n", "  name: web\n  labels: {a: x, a: y}\n")
    path = write(tmp_path, "web.yaml", text)
    docs = manifests.load([path], validation="Warn")
    assert manifests.warning_lines(docs) == [f'Warning: {path}: duplicate field "metadata.labels.a" (line 5)']
    assert docs[0].obj.metadata.labels["a"] == "y"


def test_duplicate_keys_in_json_are_found_too(tmp_path):
    path = write(tmp_path, "web.json", '{"apiVersion": "v1", "kind": "Namespace", "metadata": '
                                       '{"name": "a", "name": "b"}}')
    with pytest.raises(ManifestLoadError, match='duplicate field "metadata.name"'):
        manifests.load([path], validation="Strict")


def test_ignore_drops_unknown_fields_silently_and_keeps_the_manifest_as_written(tmp_path):
    text = POD.format(name="web").replace("spec:\n", "spec:\n  nodeNamee: x\n")
    docs = manifests.load([write(tmp_path, "web.yaml", text)], validation="Ignore")
    assert manifests.warning_lines(docs) == []
    assert docs[0].data["spec"]["nodeNamee"] == "x"  # the server is sent what the author wrote


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ManifestLoadError, match="does not exist"):
        manifests.load([str(tmp_path / "nope.yaml")])


def test_place_fills_the_namespace_and_refuses_a_conflicting_one(tmp_path):
    docs = manifests.load([write(tmp_path, "p.yaml", POD.format(name="p"))])
    manifests.place(docs, "lab", explicit=True)
    assert docs[0].obj.metadata.namespace == "lab"
    with pytest.raises(CliError, match='does not match the namespace "other"'):
        manifests.place(docs, "other", explicit=True)
