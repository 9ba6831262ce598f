"""Stock kubectl (v1.32) with CustomResourceDefinitions over a real API server: the docs' CronTab CRD and its
objects, printer columns, schema validation, patches, the status subresource, watch, and deleting the CRD."""
from __future__ import annotations

import asyncio
import json

import pytest

from tests.fixtures.cli_runner import write
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

# kubernetes/website, tasks/extend-kubernetes/custom-resources/custom-resource-definitions: the CronTab CRD
# (with the page's printer columns, status and scale subresources and a bounded replicas).
CRONTAB_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                cronSpec:
                  type: string
                  pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'
                image:
                  type: string
                replicas:
                  type: integer
                  minimum: 1
                  maximum: 10
                  default: 1
            status:
              type: object
              properties:
                replicas:
                  type: integer
                labelSelector:
                  type: string
      subresources:
        status: {}
        scale:
          specReplicasPath: .spec.replicas
          statusReplicasPath: .status.replicas
          labelSelectorPath: .status.labelSelector
      additionalPrinterColumns:
      - name: Spec
        type: string
        jsonPath: .spec.cronSpec
      - name: Replicas
        type: integer
        jsonPath: .spec.replicas
      - name: Age
        type: date
        jsonPath: .metadata.creationTimestamp
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames:
    - ct
"""
CRONTAB = """apiVersion: "stable.example.com/v1"
kind: CronTab
metadata:
  name: my-new-cron-object
spec:
  cronSpec: "* * * * */5"
  image: my-awesome-cron-image
"""


async def _established(kubectl, tmp_path) -> None:
    made = await kubectl("apply", "-f", write(tmp_path, "crd.yaml", CRONTAB_CRD))
    assert made.out.strip() == "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created", \
        made.err
    waited = await kubectl("wait", "--for", "condition=established", "--timeout=30s",
                           "crd/crontabs.stable.example.com")
    assert waited.code == 0, waited.err


async def test_the_docs_crontab_is_created_listed_with_its_columns_and_shown(kubectl, tmp_path):
    await _established(kubectl, tmp_path)
    listed = await kubectl("get", "crd")
    assert listed.out.split()[:4] == ["NAME", "CREATED", "AT", "crontabs.stable.example.com"], listed.err
    applied = await kubectl("apply", "-f", write(tmp_path, "ct.yaml", CRONTAB))
    assert applied.out.strip() == "crontab.stable.example.com/my-new-cron-object created", applied.err
    got = await kubectl("get", "ct")
    lines = [line.split() for line in got.out.splitlines()]
    assert lines[0] == ["NAME", "SPEC", "REPLICAS", "AGE"], got.err
    assert lines[1][:6] == ["my-new-cron-object", "*", "*", "*", "*", "*/5"] and lines[1][6] == "1", got.out
    shown = json.loads((await kubectl("get", "crontab", "my-new-cron-object", "-o", "json")).out)
    assert shown["spec"] == {"cronSpec": "* * * * */5", "image": "my-awesome-cron-image", "replicas": 1}
    assert shown["metadata"]["generation"] == 1 and shown["metadata"]["uid"]
    again = await kubectl("apply", "-f", write(tmp_path, "ct.yaml", CRONTAB.replace("awesome", "better")))
    assert again.out.strip() == "crontab.stable.example.com/my-new-cron-object configured", again.err
    image = await kubectl("get", "crontabs.stable.example.com", "my-new-cron-object", "-o", "jsonpath={.spec.image}")
    assert image.out == "my-better-cron-image", image.err


async def test_a_crontab_breaking_its_schema_is_refused_in_kubernetes_words(kubectl, tmp_path):
    await _established(kubectl, tmp_path)
    bad = CRONTAB.replace('"* * * * */5"', '"* * * *"') + "  replicas: 15\n"
    refused = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", bad))
    assert refused.code != 0
    assert 'The CronTab "my-new-cron-object" is invalid' in refused.err, refused.err
    assert "spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10" in refused.err
    assert "spec.cronSpec: Invalid value: \"* * * *\": spec.cronSpec in body should match" in refused.err
    unknown = await kubectl("apply", "-f", write(tmp_path, "unknown.yaml", CRONTAB + "  colour: red\n"))
    assert unknown.code != 0 and 'unknown field "spec.colour"' in unknown.err, unknown.err
    gone = await kubectl("get", "ct", "my-new-cron-object")
    assert gone.code != 0 and 'crontabs.stable.example.com "my-new-cron-object" not found' in gone.err, gone.err


async def test_patch_scale_status_and_watch_of_a_crontab(kubectl, tmp_path):
    await _established(kubectl, tmp_path)
    assert (await kubectl("apply", "-f", write(tmp_path, "ct.yaml", CRONTAB))).code == 0
    watch = await kubectl.start("get", "ct", "-w", "-o", "name")
    patched = await kubectl("patch", "ct", "my-new-cron-object", "--type=merge", "-p", '{"spec":{"replicas":3}}')
    assert patched.code == 0, patched.err
    scaled = await kubectl("scale", "ct", "my-new-cron-object", "--replicas=5")
    assert scaled.code == 0, scaled.err
    status = await kubectl("patch", "ct", "my-new-cron-object", "--subresource=status", "--type=merge",
                           "-p", '{"status":{"replicas":5}}')
    assert status.code == 0, status.err
    ignored = await kubectl("patch", "ct", "my-new-cron-object", "--type=merge", "-p", '{"status":{"replicas":9}}')
    assert ignored.code == 0, ignored.err
    shown = json.loads((await kubectl("get", "ct", "my-new-cron-object", "-o", "json")).out)
    assert (shown["spec"]["replicas"], shown["status"]["replicas"], shown["metadata"]["generation"]) == (5, 5, 3)
    lines: list[str] = []

    async def seen_three() -> bool:
        line = await asyncio.wait_for(watch.stdout.readline(), 10)
        lines.append(line.decode().strip())
        return len(lines) >= 3
    await eventually(seen_three, timeout=30)
    assert set(lines) == {"crontab.stable.example.com/my-new-cron-object"}


async def test_deleting_the_crd_deletes_its_crontabs(kubectl, tmp_path):
    await _established(kubectl, tmp_path)
    assert (await kubectl("apply", "-f", write(tmp_path, "ct.yaml", CRONTAB))).code == 0
    deleted = await kubectl("delete", "crd", "crontabs.stable.example.com")
    assert deleted.out.strip() == \
        'customresourcedefinition.apiextensions.k8s.io "crontabs.stable.example.com" deleted', deleted.err
    refused = await kubectl("get", "crontabs")
    assert refused.code != 0, refused.out  # kubectl's words depend on its discovery cache, as with Kubernetes
    assert (await kubectl("apply", "-f", write(tmp_path, "crd.yaml", CRONTAB_CRD))).code == 0
    listed = await kubectl("get", "crontabs", "-A")
    assert listed.code == 0 and "No resources found" in listed.err, (listed.out, listed.err)
