"""Bad input and bad situations: each is one clear message, exit code 1, no traceback, nothing half-written."""
from __future__ import annotations

import asyncio

import yaml

from api import errors, manifest
from tests.fixtures.cli_runner import start_process, stop_process, write
from tests.fixtures.etcd import free_port
from tests.fixtures.objects import pod


def pod_yaml(name: str) -> str:
    return yaml.safe_dump(manifest.to_dict(pod(name)), sort_keys=False)


async def _absent(client, name: str) -> bool:
    try:
        await client.get("Pod", name)
    except errors.NotFound:
        return True
    return False


async def test_yaml_syntax_error_names_file_and_line_and_sends_nothing(skiff, client, tmp_path):
    good = write(tmp_path, "good.yaml", pod_yaml("good"))
    text = pod_yaml("web") + "spec: key: value\n"
    bad = write(tmp_path, "web.yaml", text)
    result = await skiff("apply", "-f", good, "-f", bad)
    assert result.code == 1 and result.out == ""
    line = len(text.splitlines())
    assert result.err == f"error: {bad}: line {line}: mapping values are not allowed here\n"
    assert await _absent(client, "good")


async def test_a_bad_document_among_good_ones_sends_nothing(skiff, client, tmp_path):
    text = pod_yaml("one") + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: two}\nspec: {containers: 7}\n"
    result = await skiff("apply", "-f", write(tmp_path, "two.yaml", text))
    assert result.code == 1
    assert "(document 2): spec.containers: expected a list, got an integer" in result.err
    assert await _absent(client, "one")


async def test_unknown_kind_in_a_manifest_names_the_kinds_that_exist_and_get_says_it_as_kubectl(skiff, tmp_path):
    path = write(tmp_path, "w.yaml", "apiVersion: v1\nkind: Widget\nmetadata: {name: x}\n")
    result = await skiff("apply", "-f", path)
    assert result.code == 1 and 'unknown kind "Widget"' in result.err and "Deployment" in result.err
    get = await skiff("get", "widgets")
    assert get.code == 1 and get.err.startswith('error: the server doesn\'t have a resource type "widgets"\n')


async def test_server_validation_prints_every_field_path(skiff, tmp_path):
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec:\n  containers: [{name: app}]\n"
    result = await skiff("create", "-f", write(tmp_path, "bad.yaml", text))
    assert result.code == 1
    assert result.err.startswith('The Pod "Bad_Name" is invalid: \n')  # kubectl's words
    causes = [line for line in result.err.splitlines() if line.startswith("* ")]
    assert any(c.startswith("* metadata.name") for c in causes)
    assert any(c.startswith("* spec.containers[0].image") for c in causes)


async def test_unknown_object_is_not_found_with_exit_code_1(skiff):
    result = await skiff("get", "pods", "x")
    assert (result.code, result.out, result.err) == (1, "", 'Error from server (NotFound): pods "x" not found\n')
    described = await skiff("describe", "deploy/x")
    assert described.err == 'Error from server (NotFound): deployments.apps "x" not found\n'


async def test_create_of_an_existing_object_reports_already_exists(skiff, tmp_path):
    path = write(tmp_path, "web.yaml", pod_yaml("web"))
    assert (await skiff("create", "-f", path)).code == 0
    again = await skiff("create", "-f", path)
    assert again.code == 1 and "Error from server (AlreadyExists)" in again.err


async def test_server_down_is_one_line_naming_the_address(tmp_path, monkeypatch, pki):
    address = f"127.0.0.1:{free_port()}"
    config = pki.kubeconfig(address, tmp_path / "cfg")
    monkeypatch.setenv("SKIFF_CONFIG", str(config))
    proc = await start_process("get", "pods")
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        await stop_process(proc)
    text = err.decode()
    assert proc.returncode == 1 and out == b""
    assert text.startswith(f"error: cannot reach the API server at {address}")
    assert len(text.strip().splitlines()) == 1 and "Traceback" not in text


async def test_usage_errors_are_reported_without_traceback(skiff):
    result = await skiff("delete", "pods")
    assert result.code == 1
    assert result.err == "error: name the objects to delete, or select them with -l, --field-selector, --all or -A\n"
    scale = await skiff("scale", "pod", "web", "--replicas", "2")
    assert scale.code == 1 and "cannot be scaled" in scale.err


async def test_apply_with_one_invalid_object_writes_none(skiff, client, tmp_path):
    bad = "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{name: app}]\n"
    path = write(tmp_path, "mixed.yaml", pod_yaml("good") + "---\n" + bad)
    result = await skiff("apply", "-f", path)
    assert result.code == 1
    assert "spec.containers[0].image" in result.err
    assert await _absent(client, "good")  # the server checked both before either was written


BAD_SPECS = {  # the bad pod specs: the field path each error must name
    "runAsUser: -1": ("securityContext: {runAsUser: -1}", "spec.securityContext.runAsUser: Invalid value: -1"),
    "runAsNonRoot as root": ("securityContext: {runAsNonRoot: true, runAsUser: 0}",
                             "spec.securityContext.runAsNonRoot: Invalid value: true"),
    "unknown capability": ("containers: [{name: app, image: busybox, securityContext: {capabilities: {add: [FLY]}}}]",
                           'spec.containers[0].securityContext.capabilities.add[0]: Invalid value: "FLY"'),
    "unsafe sysctl": ("securityContext: {sysctls: [{name: kernel.msgmax, value: '1'}]}",
                      "spec.securityContext.sysctls[0].name: Forbidden"),
    "maxSkew 0": ("topologySpreadConstraints: [{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]",
                  "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0"),
    "seccomp escape": ("securityContext: {seccompProfile: {type: Localhost, localhostProfile: ../x.json}}",
                       "spec.securityContext.seccompProfile.localhostProfile: Invalid value"),
}


async def test_bad_security_and_spread_fields_name_their_path_and_store_nothing(skiff, client, tmp_path):
    for i, (what, (field, path)) in enumerate(BAD_SPECS.items()):
        containers = "" if field.startswith("containers:") else "\n  containers: [{name: app, image: busybox}]"
        text = f"apiVersion: v1\nkind: Pod\nmetadata: {{name: bad-{i}}}\nspec:\n  {field}{containers}\n"
        result = await skiff("apply", "-f", write(tmp_path, f"bad-{i}.yaml", text))
        assert result.code == 1 and path in result.err and "Traceback" not in result.err, (what, result.err)
        assert await _absent(client, f"bad-{i}"), what


async def test_rollout_of_a_missing_deployment_is_not_found_from_the_server(skiff):
    for verb in ("status", "history", "undo"):
        result = await skiff("rollout", verb, "deploy/nosuch")
        assert (result.code, result.err) == (1, 'Error from server (NotFound): deployments.apps "nosuch" not found\n')
