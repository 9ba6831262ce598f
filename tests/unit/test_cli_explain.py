"""`skiff explain` from the API's schema: kubectl's layout and type spellings."""
from __future__ import annotations

import io

from cli.main import main


def explain(*argv: str) -> tuple[int, list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["explain", *argv], stdout=out, stderr=err)
    return code, out.getvalue().splitlines(), err.getvalue()


def test_a_kind_lists_its_top_fields_with_types():
    code, lines, _ = explain("pods")
    assert code == 0
    assert lines[:2] == ["KIND:       Pod", "VERSION:    v1"]
    fields = lines[lines.index("FIELDS:") + 1:]
    assert "  spec\t<PodSpec>" in fields and "  metadata\t<ObjectMeta>" in fields


def test_a_field_path_shows_its_type_and_group():
    code, lines, _ = explain("deploy.spec.template.spec.containers")
    assert lines[0] == "GROUP:      apps"
    assert "FIELD: containers <[]Container>" in lines
    assert "  env\t<[]EnvVar>" in lines and "  image\t<string>" in lines


def test_recursive_indents_nested_fields_and_maps_read_as_kubectl():
    code, lines, _ = explain("pod.metadata", "--recursive")
    assert "  labels\t<map[string]string>" in lines
    assert any(line.startswith("    ") and "\t<" in line for line in lines)  # ownerReferences' fields


def test_an_unknown_field_is_a_one_line_error():
    code, lines, err = explain("pod.spec.nope")
    assert (code, lines, err) == (1, [], 'error: field "spec.nope" does not exist\n')
