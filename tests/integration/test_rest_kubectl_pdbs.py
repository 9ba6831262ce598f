"""Stock kubectl (v1.32) with PodDisruptionBudgets over skiff's REST API: apply of the docs' zookeeper
budgets, `create poddisruptionbudget` (sent as Kubernetes protobuf), columns, describe, and refusals."""
from __future__ import annotations

import pytest

from tests.fixtures.cli_runner import write

pytestmark = pytest.mark.integration

# kubernetes/website content/en/examples/policy/zookeeper-pod-disruption-budget-minavailable.yaml
MIN_AVAILABLE = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: zk-pdb
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: zookeeper
"""
# ... and -maxunavailable.yaml
MAX_UNAVAILABLE = MIN_AVAILABLE.replace("minAvailable: 2", "maxUnavailable: 1")
COLUMNS = ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED", "DISRUPTIONS", "AGE"]


async def test_apply_get_and_describe_the_docs_budgets(kubectl, skiff, client, tmp_path):
    path = write(tmp_path, "zk-pdb.yaml", MIN_AVAILABLE)
    applied = await kubectl("apply", "-f", path)
    assert (applied.code, applied.out.strip()) == (0, "poddisruptionbudget.policy/zk-pdb created"), applied.err
    # kubectl always sends the selector again (its patchStrategy is replace), so Kubernetes too says configured
    again = await kubectl("apply", "-f", path)
    assert (again.code, again.out.strip()) == (0, "poddisruptionbudget.policy/zk-pdb configured"), again.err
    assert (await client.get("PodDisruptionBudget", "zk-pdb")).metadata.generation == 1
    listed = await kubectl("get", "pdb")
    assert listed.out.splitlines()[0].split() == COLUMNS
    assert listed.out.splitlines()[1].split()[:4] == ["zk-pdb", "2", "N/A", "0"]
    ours = await skiff("get", "poddisruptionbudgets")
    assert ours.out.splitlines()[0].split() == COLUMNS
    assert ours.out.splitlines()[1].split()[:4] == ["zk-pdb", "2", "N/A", "0"]
    described = (await skiff("describe", "pdb", "zk-pdb")).out
    for line in ("Min available:", "Selector:", "app=zookeeper", "Allowed disruptions:", "Current:", "Desired:",
                 "Total:"):
        assert line in described, described
    # the other docs manifest, same name: the budget changes from minAvailable to maxUnavailable
    changed = await kubectl("apply", "-f", write(tmp_path, "zk-pdb-max.yaml", MAX_UNAVAILABLE))
    assert changed.code == 0 and "configured" in changed.out, changed.err
    pdb = await client.get("PodDisruptionBudget", "zk-pdb")
    assert (pdb.spec.HasField("min_available"), pdb.spec.max_unavailable.int_value) == (False, 1)


async def test_kubectl_create_poddisruptionbudget_over_protobuf(kubectl, client):
    made = await kubectl("create", "poddisruptionbudget", "rails", "--selector=app=rails", "--min-available=1")
    assert (made.code, made.out.strip()) == (0, "poddisruptionbudget.policy/rails created"), made.err
    pdb = await client.get("PodDisruptionBudget", "rails")
    assert (pdb.spec.min_available.int_value, dict(pdb.spec.selector.match_labels)) == (1, {"app": "rails"})
    pct = await kubectl("create", "pdb", "half", "--selector=app=web", "--max-unavailable=50%")
    assert pct.code == 0, pct.err
    assert (await client.get("PodDisruptionBudget", "half")).spec.max_unavailable.str_value == "50%"


@pytest.mark.parametrize("change, message", [
    (("minAvailable: 2", "minAvailable: 2\n  maxUnavailable: 1"), "minAvailable and maxUnavailable cannot be both set"),
    (("minAvailable: 2", "minAvailable: 120%"), 'spec.minAvailable: Invalid value: "120%": must not be greater than 100%'),
    (("minAvailable: 2", "minAvailable: -1"), "spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"),
    (("minAvailable: 2", "minAvailable: 2\n  unhealthyPodEvictionPolicy: Never"),
     'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "IfHealthyBudget", '
     '"AlwaysAllow"'),
])
async def test_invalid_budgets_are_refused_with_field_paths_and_nothing_stored(kubectl, client, tmp_path, change,
                                                                               message):
    done = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", MIN_AVAILABLE.replace(*change)))
    assert done.code != 0
    assert 'The PodDisruptionBudget "zk-pdb" is invalid' in done.err
    assert message in done.err, done.err
    assert not (await client.list("PodDisruptionBudget", "default")).items


async def test_skiff_create_pdb(skiff, client):
    made = await skiff("create", "pdb", "web-pdb", "--selector=app=web", "--max-unavailable=1")
    assert (made.code, made.out.strip()) == (0, "poddisruptionbudget.policy/web-pdb created"), made.err
    assert (await client.get("PodDisruptionBudget", "web-pdb")).spec.max_unavailable.int_value == 1
    both = await skiff("create", "pdb", "x", "--selector=app=web", "--min-available=1", "--max-unavailable=1")
    assert (both.code, both.err) == (1, "error: min-available and max-unavailable cannot be both specified\n")
