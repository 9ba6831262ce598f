"""Stock kubectl (v1.32) with CustomResourceDefinitions over a real API server: the docs' CronTab CRD and its
objects, printer columns, schema validation, patches, the status subresource, watch, and deleting the CRD."""
from __future__ import annotations

import asyncio
import json

import pytest

from tests.fixtures.apiserver import client_as
from tests.fixtures.cli_runner import write
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.kubectl import Kubectl, write_config
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

# kubernetes/website content/en/examples, as published (the shirts of the CRD page's field selectors, and a CRD
# of the storage-version-migration page whose upper-case plural Kubernetes refuses)
SHIRT_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: shirts.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: shirts
    singular: shirt
    kind: Shirt
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
              color:
                type: string
              size:
                type: string
    selectableFields:
    - jsonPath: .spec.color
    - jsonPath: .spec.size
    additionalPrinterColumns:
    - jsonPath: .spec.color
      name: Color
      type: string
    - jsonPath: .spec.size
      name: Size
      type: string
"""
SHIRTS = """---
{
  apiVersion: "stable.example.com/v1",
  kind: "Shirt",
  metadata: {
    name: "example1",
  },
  spec: {
    color: "blue",
    size: "S",
  },
}
---
{
  apiVersion: "stable.example.com/v1",
  kind: "Shirt",
  metadata: {
    name: "example2",
  },
  spec: {
    color: "blue",
    size: "M",
  },
}
---
{
  apiVersion: "stable.example.com/v1",
  kind: "Shirt",
  metadata: {
    name: "example3",
  },
  spec: {
    color: "green",
    size: "M",
  },
}
"""
TEST_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: selfierequests.stable.example.com
spec:
  group: stable.example.com
  names:
    plural: SelfieRequests
    singular: SelfieRequest
    kind: SelfieRequest
    listKind: SelfieRequestList
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            hostPort:
              type: string
  conversion:
    strategy: Webhook
    webhook:
      clientConfig:
        url: https://127.0.0.1:9443/crdconvert
        caBundle: <CABundle info>
    conversionReviewVersions:
      - v1
      - v2
"""

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


@pytest.fixture
async def collector(apiserver_running):
    """The controller manager's garbage collector as its own user, reaching custom resources over REST (its
    kubeconfig names the REST address, as the lab's does)."""
    async with client_as(apiserver_running.address, "controller-manager",
                         rest_server=apiserver_running.rest.address) as c:
        async with running_manager(c, ["garbagecollector"]):
            yield


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
    explained = await kubectl("explain", "crontab.spec.replicas")
    assert "FIELD: replicas <integer>" in explained.out and "KIND:       CronTab" in explained.out, explained.err


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


async def test_the_docs_shirts_are_selected_by_their_selectable_fields(kubectl, tmp_path):
    assert (await kubectl("apply", "-f", write(tmp_path, "shirt-crd.yaml", SHIRT_CRD))).code == 0
    assert (await kubectl("wait", "--for", "condition=established", "crd/shirts.stable.example.com")).code == 0
    made = await kubectl("apply", "-f", write(tmp_path, "shirts.yaml", SHIRTS))
    assert made.code == 0, made.err
    blue = await kubectl("get", "shirts.stable.example.com", "--field-selector", "spec.color=blue")
    lines = [line.split() for line in blue.out.splitlines()]
    assert lines == [["NAME", "COLOR", "SIZE"], ["example1", "blue", "S"], ["example2", "blue", "M"]], blue.err
    both = await kubectl("get", "shirts", "--field-selector", "spec.color=green,spec.size=M", "-o", "name")
    assert both.out.split() == ["shirt.stable.example.com/example3"], both.err
    refused = await kubectl("get", "shirts", "--field-selector", "spec.fabric=cotton")
    assert refused.code != 0 and "field label not supported: spec.fabric" in refused.err, refused.err


async def test_the_docs_crd_with_an_upper_case_plural_is_refused(kubectl, tmp_path):
    # as from Kubernetes: strict decoding first (conversionReviewVersions belongs under conversion.webhook) ...
    refused = await kubectl("apply", "-f", write(tmp_path, "test-crd.yaml", TEST_CRD))
    assert refused.code != 0
    assert 'strict decoding error: unknown field "spec.conversion.conversionReviewVersions"' in refused.err
    # ... then validation, of the names among the rest
    refused = await kubectl("apply", "--validate=false", "-f", write(tmp_path, "test-crd.yaml", TEST_CRD))
    assert refused.code != 0
    assert 'The CustomResourceDefinition "selfierequests.stable.example.com" is invalid' in refused.err, refused.err
    assert 'spec.names.plural: Invalid value: "SelfieRequests"' in refused.err
    assert (await kubectl("get", "crd", "-o", "name")).out == ""
    typo = CRONTAB_CRD.replace("  scope: Namespaced", "  scope: Namespaced\n  scopes: Cluster")
    unknown = await kubectl("apply", "-f", write(tmp_path, "typo.yaml", typo))
    assert unknown.code != 0 and 'unknown field "spec.scopes"' in unknown.err, unknown.err


async def test_custom_resources_need_their_own_rbac_grant(kubectl, apiserver_running, tmp_path):
    await _established(kubectl, tmp_path)
    binding = """apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-edit}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
"""
    assert (await kubectl("apply", "-f", "-", stdin=binding)).code == 0
    alice = Kubectl(write_config(tmp_path, apiserver_running.rest, token="token-alice"))

    async def refused() -> bool:
        r = await alice("apply", "-f", write(tmp_path, "ct.yaml", CRONTAB))
        return r.code != 0 and 'cannot get resource "crontabs" in API group "stable.example.com"' in r.err
    await eventually(refused, 20, what="alice refused crontabs though she may edit built-in kinds")
    role = """apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: crontabs}
rules: [{apiGroups: [stable.example.com], resources: [crontabs], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-crontabs}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: crontabs}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
"""
    assert (await kubectl("apply", "-f", "-", stdin=role)).code == 0

    async def allowed() -> bool:
        return (await alice("apply", "-f", write(tmp_path, "ct.yaml", CRONTAB))).code == 0
    await eventually(allowed, 20, what="alice creating crontabs once granted")


# the task page's validation rules (x-kubernetes-validations), CEL checked on create and on update
CEL_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct]}
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
              x-kubernetes-validations:
                - rule: "self.minReplicas <= self.replicas"
                  message: "replicas should be greater than or equal to minReplicas."
                - rule: "self.replicas <= self.maxReplicas"
                  message: "replicas should be smaller than or equal to maxReplicas."
              properties:
                minReplicas: {type: integer}
                replicas: {type: integer}
                maxReplicas: {type: integer}
              required: [minReplicas, replicas, maxReplicas]
"""


async def test_the_crds_cel_rules_refuse_a_crontab_in_kubernetes_words(kubectl, tmp_path):
    assert (await kubectl("apply", "-f", write(tmp_path, "crd.yaml", CEL_CRD))).code == 0
    assert (await kubectl("wait", "--for", "condition=established", "crd/crontabs.stable.example.com")).code == 0
    crontab = ("apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {name: my-new-cron-object}\n"
               "spec: {minReplicas: 0, replicas: 20, maxReplicas: 10}\n")
    refused = await kubectl("apply", "-f", write(tmp_path, "ct.yaml", crontab))
    assert refused.code != 0
    assert 'The CronTab "my-new-cron-object" is invalid: spec: Invalid value: "object": replicas should be ' \
           'smaller than or equal to maxReplicas.' in refused.err, refused.err
    made = await kubectl("apply", "-f", write(tmp_path, "ct.yaml", crontab.replace("20", "5")))
    assert made.code == 0, made.err
    patched = await kubectl("patch", "ct", "my-new-cron-object", "--type=merge", "-p", '{"spec":{"minReplicas":6}}')
    assert patched.code != 0 and "replicas should be greater than or equal to minReplicas." in patched.err


async def test_a_removed_namespaces_crontabs_are_removed_with_it(kubectl, client, tmp_path):
    await _established(kubectl, tmp_path)
    assert (await kubectl("create", "namespace", "team")).code == 0
    assert (await kubectl("apply", "-n", "team", "-f", write(tmp_path, "ct.yaml", CRONTAB))).code == 0
    deleted = await kubectl("delete", "namespace", "team", "--wait=false")
    assert deleted.code == 0, deleted.err
    late = await kubectl("apply", "-n", "team", "-f", write(tmp_path, "ct2.yaml", CRONTAB.replace("my-new", "late")))
    assert late.code != 0 and "unable to create new content in namespace team because it is being terminated" \
        in late.err, late.err
    # no namespace controller runs here: finish the namespace as it would (it sees built-in kinds only)
    namespace = await client.get("Namespace", "team", "")
    namespace.spec.finalizers.remove("kubernetes")
    await client.update(namespace)

    async def gone() -> bool:
        listed = await kubectl("get", "crontabs", "-A", "-o", "name")
        return listed.code == 0 and listed.out == ""
    await eventually(gone, 30, what="the namespace's crontabs removed with it")


async def test_two_versions_serve_the_same_objects_and_the_scope_stays(kubectl, tmp_path):
    two = CRONTAB_CRD.replace("""    - name: v1
      served: true
      storage: true""", """    - name: v1beta1
      served: true
      storage: false
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
    - name: v1
      served: true
      storage: true""")
    assert (await kubectl("apply", "-f", write(tmp_path, "crd.yaml", two))).code == 0
    assert (await kubectl("wait", "--for", "condition=established", "crd/crontabs.stable.example.com")).code == 0
    old = CRONTAB.replace("stable.example.com/v1", "stable.example.com/v1beta1")
    made = await kubectl("apply", "-f", write(tmp_path, "ct.yaml", old))
    assert made.code == 0, made.err
    as_v1 = json.loads((await kubectl("get", "crontabs.v1.stable.example.com", "my-new-cron-object", "-o", "json")).out)
    assert as_v1["apiVersion"] == "stable.example.com/v1" and as_v1["spec"]["image"] == "my-awesome-cron-image"
    as_beta = await kubectl("get", "crontabs.v1beta1.stable.example.com", "my-new-cron-object",
                            "-o", "jsonpath={.apiVersion}")
    assert as_beta.out == "stable.example.com/v1beta1", as_beta.err
    moved = await kubectl("apply", "-f", write(tmp_path, "crd.yaml", two.replace("scope: Namespaced", "scope: Cluster")))
    assert moved.code != 0 and 'spec.scope: Invalid value: "Cluster": field is immutable' in moved.err, moved.err


async def test_server_side_apply_of_a_crontab_keeps_each_managers_fields(kubectl, tmp_path):
    await _established(kubectl, tmp_path)
    made = await kubectl("apply", "--server-side", "-f", write(tmp_path, "ct.yaml", CRONTAB))
    assert made.out.strip() == "crontab.stable.example.com/my-new-cron-object serverside-applied", made.err
    other = await kubectl("apply", "--server-side", "--field-manager=other", "-f",
                          write(tmp_path, "other.yaml", CRONTAB.replace("awesome", "other")))
    assert other.code != 0 and 'conflict with "kubectl": .spec.image' in other.err, other.err
    forced = await kubectl("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f",
                           write(tmp_path, "other.yaml", CRONTAB.replace("awesome", "other")))
    assert forced.code == 0, forced.err
    # the first manager drops image from its configuration: the field stays, the other manager owns it
    mine = CRONTAB.replace("  image: my-awesome-cron-image\n", "")
    again = await kubectl("apply", "--server-side", "-f", write(tmp_path, "ct.yaml", mine))
    assert again.code == 0, again.err
    shown = json.loads((await kubectl("get", "ct", "my-new-cron-object", "-o", "json", "--show-managed-fields")).out)
    assert shown["spec"]["image"] == "my-other-cron-image"
    assert {e["manager"] for e in shown["metadata"]["managedFields"]} == {"kubectl", "other"}


async def test_deleting_a_crontab_deletes_what_it_owns(kubectl, collector, tmp_path):
    await _established(kubectl, tmp_path)
    assert (await kubectl("apply", "-f", write(tmp_path, "ct.yaml", CRONTAB))).code == 0
    uid = (await kubectl("get", "ct", "my-new-cron-object", "-o", "jsonpath={.metadata.uid}")).out
    owned = f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: owned
  ownerReferences:
  - {{apiVersion: stable.example.com/v1, kind: CronTab, name: my-new-cron-object, uid: {uid}}}
data: {{a: b}}
---
apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: child
  ownerReferences:
  - {{apiVersion: stable.example.com/v1, kind: CronTab, name: my-new-cron-object, uid: {uid}}}
spec: {{cronSpec: "* * * * *"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: free}}
"""
    assert (await kubectl("apply", "-f", write(tmp_path, "owned.yaml", owned))).code == 0
    assert (await kubectl("delete", "ct", "my-new-cron-object")).code == 0

    async def collected() -> bool:
        left = await kubectl("get", "configmaps,crontabs", "-o", "name")
        return left.code == 0 and "configmap/owned" not in left.out and "crontab" not in left.out
    await eventually(collected, 20, what="the crontab's dependents deleted")
    assert (await kubectl("get", "configmap", "free")).code == 0


def _owned_crontab(name: str, owner_kind: str, owner_version: str, owner: str, uid: str, block: bool = False) -> str:
    return f"""apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: {name}
  ownerReferences:
  - {{apiVersion: {owner_version}, kind: {owner_kind}, name: {owner}, uid: {uid}, blockOwnerDeletion: {str(block).lower()}}}
spec: {{cronSpec: "* * * * *"}}
"""


async def _uid(kubectl, what: str) -> str:
    got = await kubectl("get", what, "-o", "jsonpath={.metadata.uid}")
    assert got.code == 0 and got.out, got.err
    return got.out


async def test_a_crontab_owned_by_a_configmap_is_collected_with_it(kubectl, collector, tmp_path):
    await _established(kubectl, tmp_path)
    assert (await kubectl("create", "configmap", "owner", "--from-literal=a=b")).code == 0
    uid = await _uid(kubectl, "configmap/owner")
    made = await kubectl("apply", "-f", write(tmp_path, "ct.yaml", _owned_crontab("owned", "ConfigMap", "v1",
                                                                                   "owner", uid)))
    assert made.code == 0, made.err
    assert (await kubectl("delete", "configmap", "owner")).code == 0

    async def collected() -> bool:
        return "owned" not in (await kubectl("get", "crontabs", "-o", "name")).out
    await eventually(collected, 20, what="the crontab owned by the deleted configmap collected")


async def test_foreground_deletion_of_a_crontab_deletes_its_dependents_first(kubectl, collector, tmp_path):
    await _established(kubectl, tmp_path)
    assert (await kubectl("apply", "-f", write(tmp_path, "ct.yaml", CRONTAB))).code == 0
    uid = await _uid(kubectl, "ct/my-new-cron-object")
    child = _owned_crontab("child", "CronTab", "stable.example.com/v1", "my-new-cron-object", uid, block=True)
    assert (await kubectl("apply", "-f", write(tmp_path, "child.yaml", child))).code == 0
    deleted = await kubectl("delete", "ct", "my-new-cron-object", "--cascade=foreground", "--wait=false")
    assert deleted.code == 0, deleted.err
    marked = json.loads((await kubectl("get", "ct", "my-new-cron-object", "-o", "json")).out or "{}")
    if marked:  # the collector may already have finished: when it is still there, it says why
        assert "foregroundDeletion" in marked["metadata"].get("finalizers", []), marked
        assert marked["metadata"].get("deletionTimestamp")

    async def both_gone() -> bool:
        return (await kubectl("get", "crontabs", "-o", "name")).out.strip() == ""
    await eventually(both_gone, 20, what="the crontab and its dependent deleted in the foreground")


async def test_orphan_deletion_of_a_crontab_keeps_its_dependents_without_the_owner(kubectl, collector, tmp_path):
    await _established(kubectl, tmp_path)
    assert (await kubectl("apply", "-f", write(tmp_path, "ct.yaml", CRONTAB))).code == 0
    uid = await _uid(kubectl, "ct/my-new-cron-object")
    child = _owned_crontab("child", "CronTab", "stable.example.com/v1", "my-new-cron-object", uid)
    assert (await kubectl("apply", "-f", write(tmp_path, "child.yaml", child))).code == 0
    deleted = await kubectl("delete", "ct", "my-new-cron-object", "--cascade=orphan")
    assert deleted.code == 0, deleted.err

    async def orphaned() -> bool:
        left = await kubectl("get", "crontabs", "-o", "name")
        return left.out.split() == ["crontab.stable.example.com/child"]
    await eventually(orphaned, 20, what="the owner gone, its dependent left")
    refs = await kubectl("get", "ct", "child", "-o", "jsonpath={.metadata.ownerReferences}")
    assert refs.out == "", refs.out


async def test_kubectl_lists_crontabs_in_chunks_and_an_old_continue_token_is_gone(kubectl, apiserver_running, rest,
                                                                                    tmp_path):
    await _established(kubectl, tmp_path)
    five = "---\n".join(CRONTAB.replace("my-new-cron-object", f"ct-{i}") for i in range(5))
    assert (await kubectl("apply", "-f", write(tmp_path, "five.yaml", five))).code == 0
    listed = await kubectl("get", "crontabs", "--chunk-size=2", "-o", "name")
    assert listed.out.split() == [f"crontab.stable.example.com/ct-{i}" for i in range(5)], listed.err
    path = "/apis/stable.example.com/v1/namespaces/default/crontabs"
    async with rest.get(path, params={"limit": "2"}) as first:
        page = await first.json()
    assert [i["metadata"]["name"] for i in page["items"]] == ["ct-0", "ct-1"] and page["metadata"]["continue"]
    assert (await kubectl("delete", "ct", "ct-4")).code == 0
    await apiserver_running.registry.storage.compact(await apiserver_running.registry.storage.current_revision())
    async with rest.get(path, params={"limit": "2", "continue": page["metadata"]["continue"]}) as gone:
        status = await gone.json()
    assert gone.status == 410 and status["reason"] == "Expired", status
    assert status["message"].startswith("The provided continue parameter is too old to display a consistent list")


SNAPSHOT_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: snapshots.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: snapshots, singular: snapshot, kind: Snapshot}
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
              id: {type: string, format: uuid}
              source:
                type: object
                properties:
                  pvc: {type: string}
                  content: {type: string}
                oneOf:
                - required: [pvc]
                - required: [content]
"""


async def test_a_oneof_or_format_violation_is_refused_in_kubernetes_words(kubectl, tmp_path):
    assert (await kubectl("apply", "-f", write(tmp_path, "crd.yaml", SNAPSHOT_CRD))).code == 0
    waited = await kubectl("wait", "--for", "condition=established", "--timeout=30s", "crd/snapshots.stable.example.com")
    assert waited.code == 0, waited.err
    both = """apiVersion: stable.example.com/v1
kind: Snapshot
metadata: {name: s}
spec: {id: not-a-uuid, source: {pvc: a, content: b}}
"""
    refused = await kubectl("apply", "-f", write(tmp_path, "s.yaml", both))
    assert refused.code != 0 and 'The Snapshot "s" is invalid' in refused.err, refused.err
    assert '"spec.source" must validate one and only one schema (oneOf). Found 2 valid alternatives' in refused.err
    assert 'spec.id: Invalid value: "not-a-uuid": spec.id in body must be of type uuid: "not-a-uuid"' in refused.err
    good = both.replace("not-a-uuid", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6").replace(", content: b", "")
    assert (await kubectl("apply", "-f", write(tmp_path, "s.yaml", good))).code == 0
