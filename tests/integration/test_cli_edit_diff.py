"""`skiff edit` with a scripted editor and `skiff diff -f` against a real API server: the change is
written, a refused edit is kept in a file named in the error, and diff's exit code says whether apply
would change anything."""
from __future__ import annotations

import os
import stat

from tests.fixtures.cli_runner import write
from tests.fixtures.objects import deployment

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: "busybox:%s"}]
"""


def editor(tmp_path, sed_expression: str) -> str:
    path = tmp_path / "editor.sh"
    path.write_text(f"#!/bin/sh\nsed -i '{sed_expression}' \"$1\"\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


async def test_edit_writes_what_the_editor_changed(client, skiff, tmp_path, monkeypatch):
    await client.create(deployment("web", 1))
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.setenv("KUBE_EDITOR", editor(tmp_path, "s/busybox:1.36/busybox:1.37/"))
    result = await skiff("edit", "deploy/web")
    assert (result.code, result.out) == (0, "deployment.apps/web edited\n"), result.err
    assert (await client.get("Deployment", "web")).spec.template.spec.containers[0].image == "busybox:1.37"
    monkeypatch.setenv("KUBE_EDITOR", "true")  # saves the file unchanged
    unchanged = await skiff("edit", "deploy", "web")
    assert unchanged.out == "Edit cancelled, no changes made.\n"


async def test_a_refused_edit_keeps_the_file_and_says_where(client, skiff, tmp_path, monkeypatch):
    await client.create(deployment("web", 1))
    monkeypatch.setenv("KUBE_EDITOR", editor(tmp_path, "s/replicas: 1/replicas: -3/"))
    result = await skiff("edit", "deploy/web")
    assert (result.code, result.out) == (1, "")
    lines = result.err.splitlines()
    assert lines[0] == ('The Deployment "web" is invalid: spec.replicas: Invalid value: -3: '
                        'must be greater than or equal to 0'), result.err
    assert lines[-1].startswith('A copy of your changes has been stored to "')
    kept = lines[-1].split('"')[1]
    try:
        text = open(kept).read()
        assert "replicas: -3" in text and text.startswith("# The edited file had a problem:")
    finally:
        os.unlink(kept)
    assert (await client.get("Deployment", "web")).spec.replicas == 1


async def test_diff_shows_what_apply_would_change_and_exits_1(client, skiff, tmp_path):
    applied = await skiff("apply", "-f", write(tmp_path, "v1.yaml", MANIFEST % "1.36"))
    assert applied.code == 0, applied.err
    same = await skiff("diff", "-f", write(tmp_path, "same.yaml", MANIFEST % "1.36"))
    assert (same.code, same.out) == (0, ""), same.err
    changed = await skiff("diff", "-f", write(tmp_path, "v2.yaml", MANIFEST % "1.37"))
    assert changed.code == 1, changed.err
    lines = changed.out.splitlines()
    assert lines[0] == ("diff -u -N LIVE/apps.v1.Deployment.default.web MERGED/apps.v1.Deployment.default.web")
    assert "-      - image: busybox:1.36" in lines and "+      - image: busybox:1.37" in lines
    new = await skiff("diff", "-f", write(tmp_path, "new.yaml", (MANIFEST % "1.36").replace("name: web}", "name: api}")))
    assert new.code == 1 and "+kind: Deployment" in new.out.splitlines()
    assert (await client.get("Deployment", "web")).spec.template.spec.containers[0].image == "busybox:1.36"


async def test_patch_strategic_merge_and_json_change_the_object(client, skiff):
    await client.create(deployment("web", 1))
    strategic = await skiff("patch", "deploy/web", "-p",
                            '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"busybox:1.37"}]}}}}')
    merge = await skiff("patch", "deploy", "web", "--type", "merge", "-p", '{"metadata":{"labels":{"tier":"x"}}}')
    json_patch = await skiff("patch", "deploy/web", "--type=json",
                             "-p", '[{"op":"replace","path":"/spec/replicas","value":4}]')
    same = await skiff("patch", "deploy/web", "-p", '{"spec":{"replicas":4}}')
    dry = await skiff("patch", "deploy/web", "-p", "spec: {replicas: 9}", "--dry-run=server")
    assert strategic.out == "deployment.apps/web patched\n", strategic.err
    assert (merge.out, json_patch.out) == ("deployment.apps/web patched\n",) * 2, (merge.err, json_patch.err)
    assert same.out == "deployment.apps/web patched (no change)\n"
    assert dry.out == "deployment.apps/web patched (server dry run)\n", dry.err
    d = await client.get("Deployment", "web")
    c = d.spec.template.spec.containers
    assert (len(c), c[0].name, c[0].image) == (1, "app", "busybox:1.37")  # merged by name, not replaced
    assert (d.spec.replicas, d.metadata.labels["tier"]) == (4, "x")


async def test_bad_patches_are_one_line_errors_and_change_nothing(client, skiff):
    await client.create(deployment("web", 1))
    invalid = await skiff("patch", "deploy/web", "-p", '{"spec": {"replicas": ')
    missing = await skiff("patch", "deploy/web", "--type=json", "-p", '[{"op":"remove","path":"/spec/nope"}]')
    refused = await skiff("patch", "deploy/web", "-p", '{"spec":{"replicas":-1}}')
    nothing = await skiff("patch", "deploy/nope", "-p", "{}")
    for result in (invalid, missing, refused):
        assert (result.code, result.out, result.err.count("\n")) == (1, "", 1), result.err
    assert invalid.err.startswith('error: unable to parse "{"spec": {"replicas": ": not valid JSON or YAML')
    assert missing.err == ('The Deployment "web" is invalid: patch: Invalid value: '
                           "can't remove a non-existent object 'nope'\n")
    assert refused.code == 1 and "spec.replicas" in refused.err
    assert nothing.err == 'Error from server (NotFound): deployments.apps "nope" not found\n'
    assert (await client.get("Deployment", "web")).spec.replicas == 1


async def test_an_edit_of_an_object_changed_meanwhile_conflicts_and_is_kept(client, skiff, tmp_path, monkeypatch):
    from tests.fixtures.cli_runner import SKIFF
    await client.create(deployment("web", 1))
    script = tmp_path / "racing-editor.sh"
    # someone else writes while the editor is open
    script.write_text(f"#!/bin/sh\n{SKIFF} label deploy/web touched=yes >/dev/null\n"
                      "sed -i 's/replicas: 1/replicas: 2/' \"$1\"\n")
    script.chmod(0o755)
    monkeypatch.setenv("KUBE_EDITOR", str(script))
    result = await skiff("edit", "deploy/web")
    assert (result.code, result.out) == (1, "")
    assert "Conflict" in result.err.splitlines()[0], result.err
    kept = result.err.splitlines()[-1].split('"')[1]
    try:
        assert "replicas: 2" in open(kept).read()
    finally:
        os.unlink(kept)
    d = await client.get("Deployment", "web")
    assert (d.spec.replicas, d.metadata.labels["touched"]) == (1, "yes")
