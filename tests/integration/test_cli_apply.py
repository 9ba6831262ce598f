"""`skiff apply` as a three-way patch through the real API server: what other writers set (a rollout
pause, a scale, a label) survives, what the manifest dropped is removed, replicas it sets win."""
from __future__ import annotations

from tests.fixtures.cli_runner import write

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: app
        image: {image}
        env: [{{name: A, value: "1"}}{env}]
{sidecar}"""
SIDECAR = "      - {name: sidecar, image: busybox:1.36}\n"


def manifest(image="busybox:1.36", env=', {name: B, value: "2"}', sidecar=SIDECAR, replicas=None) -> str:
    text = DEPLOY.format(image=image, env=env, sidecar=sidecar)
    return text.replace("spec:\n  selector", f"spec:\n  replicas: {replicas}\n  selector") if replicas else text


async def apply(skiff, tmp_path, text: str) -> str:
    result = await skiff("apply", "-f", write(tmp_path, "web.yaml", text))
    assert result.code == 0, result.err
    return result.out


async def test_apply_after_rollout_pause_keeps_it_paused_and_stores_the_new_template(skiff, client, tmp_path):
    assert await apply(skiff, tmp_path, manifest()) == "deployment.apps/web created\n"
    assert (await skiff("rollout", "pause", "deploy/web")).code == 0
    assert await apply(skiff, tmp_path, manifest(image="busybox:1.37")) == "deployment.apps/web configured\n"
    live = await client.get("deploy", "web")
    assert live.spec.paused
    assert live.spec.template.spec.containers[0].image == "busybox:1.37"


async def test_a_scale_survives_apply_unless_the_manifest_sets_replicas(skiff, client, tmp_path):
    await apply(skiff, tmp_path, manifest())
    assert (await skiff("scale", "deploy/web", "--replicas", "5")).code == 0
    assert await apply(skiff, tmp_path, manifest()) == "deployment.apps/web unchanged\n"
    assert (await client.get("deploy", "web")).spec.replicas == 5
    await apply(skiff, tmp_path, manifest(replicas=2))
    assert (await client.get("deploy", "web")).spec.replicas == 2


async def test_a_container_or_env_entry_removed_from_the_manifest_is_removed(skiff, client, tmp_path):
    await apply(skiff, tmp_path, manifest())
    await apply(skiff, tmp_path, manifest(env="", sidecar=""))
    containers = (await client.get("deploy", "web")).spec.template.spec.containers
    assert [c.name for c in containers] == ["app"]
    assert [e.name for e in containers[0].env] == ["A"]


async def test_a_label_added_with_skiff_label_survives_apply(skiff, client, tmp_path):
    await apply(skiff, tmp_path, manifest())
    assert (await skiff("label", "deploy", "web", "owner=ops")).code == 0
    await apply(skiff, tmp_path, manifest(image="busybox:1.37"))
    assert (await client.get("deploy", "web")).metadata.labels["owner"] == "ops"


async def test_unknown_fields_under_warn_reach_the_server_on_an_update_too(skiff, client, tmp_path):
    await apply(skiff, tmp_path, manifest())
    text = manifest().replace("        image: busybox:1.36\n", "        image: busybox:1.36\n        imagee: x\n", 1)
    result = await skiff("apply", "-f", write(tmp_path, "web.yaml", text), "--validate=warn")
    assert result.code == 0
    assert result.err == 'Warning: unknown field "spec.template.spec.containers[0].imagee"\n'
