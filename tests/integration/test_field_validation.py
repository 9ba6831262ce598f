"""Field validation as Kubernetes' fieldValidation: Strict (the CLI's default) refuses unknown and
duplicate fields naming every path and writes nothing; Warn stores and warns; Ignore stores silently.
The server judges manifest-form writes itself, whatever client sent them."""
from __future__ import annotations

import pytest

from api import errors
from api.client import Client
from tests.fixtures.cli_runner import write

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: busybox:1.36
    imagee: busybox:1.37
  volumes:
  - name: data
    nfs: {server: nfs.example.invalid, path: /data}
"""
UNKNOWN = 'unknown field "spec.containers[0].imagee", unknown field "spec.volumes[0].nfs"'


async def _stored(client, name: str = "web") -> bool:
    try:
        await client.get("Pod", name)
    except errors.NotFound:
        return False
    return True


@pytest.mark.parametrize("verb", ["apply", "create"])
async def test_strict_is_the_default_and_refuses_every_unknown_field_writing_nothing(skiff, client, tmp_path, verb):
    path = write(tmp_path, "web.yaml", POD)
    result = await skiff(verb, "-f", path)
    assert (result.code, result.out) == (1, "")
    assert result.err == f"error: {path}: strict decoding error: {UNKNOWN}\n"
    assert not await _stored(client)


async def test_a_duplicate_key_is_refused_with_its_line(skiff, client, tmp_path):
    text = POD.replace("    imagee: busybox:1.37\n", "").replace(
        "  volumes:\n  - name: data\n    nfs: {server: nfs.example.invalid, path: /data}\n", "")
    path = write(tmp_path, "web.yaml", text.replace("  name: web\n", "  name: web\n  name: web\n"))
    result = await skiff("apply", "-f", path)
    assert result.code == 1
    assert result.err == f'error: {path}: strict decoding error: duplicate field "metadata.name" (line 5)\n'
    assert not await _stored(client)


@pytest.mark.parametrize("verb", ["apply", "create"])
async def test_warn_stores_the_object_and_warns_of_each_unknown_field(skiff, client, tmp_path, verb):
    result = await skiff(verb, "-f", write(tmp_path, "web.yaml", POD), "--validate=warn")
    assert (result.code, result.out) == (0, "pod/web created\n")
    assert result.err == ('Warning: unknown field "spec.containers[0].imagee"\n'
                          'Warning: unknown field "spec.volumes[0].nfs"\n')
    stored = await client.get("Pod", "web")
    assert stored.spec.containers[0].image == "busybox:1.36"


@pytest.mark.parametrize("flag", ["--validate=false", "--validate=ignore"])
async def test_ignore_stores_the_object_silently(skiff, client, tmp_path, flag):
    result = await skiff("create", "-f", write(tmp_path, "web.yaml", POD), flag)
    assert (result.code, result.out, result.err) == (0, "pod/web created\n", "")
    assert await _stored(client)


async def test_an_unknown_validate_value_is_a_usage_error(skiff, tmp_path):
    result = await skiff("apply", "-f", write(tmp_path, "web.yaml", POD), "--validate=loose")
    assert result.code == 1 and 'invalid value "loose"' in result.err


async def test_the_server_refuses_unknown_fields_of_a_manifest_under_strict(client):
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                "spec": {"containers": [{"name": "app", "image": "busybox:1.36", "imagee": "x"}]}}
    with pytest.raises(errors.BadRequest) as refused:
        await client.create(manifest, field_validation="Strict")
    assert refused.value.message == ('Pod in version "v1" cannot be handled as a Pod: strict decoding error: '
                                     'unknown field "spec.containers[0].imagee"')
    with pytest.raises(errors.BadRequest):
        await client.create(manifest)  # Strict is the API's default too
    assert not await _stored(client)


async def test_the_server_warns_under_warn_and_stores_what_it_knows(apiserver_running, pki):
    warnings: list[str] = []
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                "spec": {"containers": [{"name": "app", "image": "busybox:1.36", "imagee": "x"}]}}
    async with Client(apiserver_running.address, on_warning=warnings.append,
                      credentials=pki.credentials("admin")) as client:
        created = await client.create(manifest, field_validation="Warn")
        assert warnings == ['unknown field "spec.containers[0].imagee"']
        created.metadata.labels["a"] = "b"
        await client.update(created)  # a typed write carries no unknown fields: no warning
        assert len(warnings) == 1
