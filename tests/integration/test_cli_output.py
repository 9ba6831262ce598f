"""`skiff get`'s output flags and the habits of kubectl against a real API server: -n before the verb,
jsonpath, custom columns, sorting, label columns, `get all`, empty lists, and delete's selectors."""
from __future__ import annotations

import json

from tests.fixtures.objects import deployment, pod


async def _pods(client):
    await client.create(pod("web", labels={"app": "web", "tier": "front"}, node="n1"))
    await client.create(pod("db", labels={"app": "db"}))
    await client.create(pod("other", namespace="kube-system", labels={"app": "web"}))


async def test_namespace_flag_before_the_verb_and_jsonpath_of_a_list(client, skiff):
    await _pods(client)
    result = await skiff("-n", "kube-system", "get", "pods", "-o", "jsonpath={.items[*].metadata.name}")
    assert (result.code, result.out, result.err) == (0, "other", "")
    ranged = await skiff("get", "pods", "--sort-by=.metadata.name",
                         "-o", 'jsonpath={range .items[*]}{.metadata.name}:{.spec.nodeName}{"\\n"}{end}')
    assert ranged.out == "db:\nweb:n1\n"


async def test_custom_columns_sort_by_labels_and_no_headers(client, skiff):
    await _pods(client)
    cols = await skiff("get", "pods", "--sort-by", "{.metadata.name}",
                       "-o", "custom-columns=NAME:.metadata.name,APP:.metadata.labels.app,NODE:.spec.nodeName")
    assert cols.out.splitlines() == ["NAME   APP   NODE", "db     db    <none>", "web    web   n1"]
    headed = await skiff("get", "pods", "--sort-by=.metadata.name", "--show-labels", "-L", "tier")
    assert headed.out.splitlines()[0].split()[-2:] == ["TIER", "LABELS"]
    bare = await skiff("get", "pods", "--sort-by=.metadata.name", "--show-labels", "-L", "tier", "--no-headers")
    rows = [line.split() for line in bare.out.splitlines()]
    assert [(r[0], r[-1]) for r in rows] == [("db", "app=db"), ("web", "app=web,tier=front")]
    assert rows[1][-2] == "front"  # db has no tier label: an empty cell


async def test_empty_list_as_json_is_an_empty_list_and_a_table_says_none_found(skiff):
    as_json = await skiff("get", "pods", "-o", "json")
    assert json.loads(as_json.out) == {"apiVersion": "v1", "items": [], "kind": "List",
                                       "metadata": {"resourceVersion": ""}}
    table = await skiff("get", "pods")
    assert (table.out, table.err) == ("", "No resources found in default namespace.\n")
    missing = await skiff("get", "pod", "nosuch", "-o", "yaml")  # an error alone, no empty List after it
    assert (missing.code, missing.out, missing.err) == (1, "", 'Error from server (NotFound): pods "nosuch" not found\n')


async def test_get_all_lists_pods_and_deployments_named_by_kind(client, skiff):
    await client.create(pod("web"))
    await client.create(deployment("api", 1))
    result = await skiff("get", "all")
    assert result.code == 0, result.err
    names = [line.split()[0] for line in result.out.splitlines() if line and not line.startswith("NAME")]
    assert "pod/web" in names and "deployment.apps/api" in names


async def test_not_found_names_the_api_group_as_kubectl(skiff):
    result = await skiff("get", "deploy", "nope")
    assert result.err == 'Error from server (NotFound): deployments.apps "nope" not found\n'


async def test_bad_selector_message_is_printed_once(skiff):
    result = await skiff("get", "pods", "-l", "app in (x")
    assert result.code == 1 and len(result.err.strip().splitlines()) == 1
    assert result.err.count("invalid label selector") == 1


async def test_delete_across_namespaces_by_field_selector_and_dry_runs(client, skiff):
    await _pods(client)
    dry = await skiff("delete", "pod", "web", "--dry-run=server")
    assert (dry.code, dry.out) == (0, 'pod "web" deleted (server dry run)\n')
    client_dry = await skiff("delete", "pod", "web", "--dry-run=client")
    assert client_dry.out == 'pod "web" deleted (dry run)\n'
    assert (await client.get("Pod", "web")).metadata.name == "web"
    by_field = await skiff("delete", "pods", "-A", "--field-selector", "metadata.name=other", "--grace-period=0")
    assert by_field.out == 'pod "other" deleted\n', by_field.err
    remaining = {p.metadata.name for p in (await client.list("Pod")).items}
    assert remaining == {"web", "db"}


async def test_writing_verbs_take_dry_run_and_write_nothing(client, skiff, tmp_path):
    from tests.fixtures.cli_runner import write
    await client.create(deployment("api", 1))
    scaled = await skiff("scale", "deploy/api", "--replicas=5", "--dry-run=server")
    labelled = await skiff("label", "deploy/api", "tier=x", "--dry-run=client")
    exposed = await skiff("expose", "deploy/api", "--port=80", "--dry-run=client", "-o", "name")
    created = await skiff("create", "-f", write(tmp_path, "p.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                                               "spec: {containers: [{name: a, image: busybox}]}\n"), "--dry-run=server")
    assert scaled.out == "deployment.apps/api scaled (server dry run)\n", scaled.err
    assert labelled.out == "deployment.apps/api labeled (dry run)\n", labelled.err
    assert exposed.out == "service/api\n", exposed.err
    assert created.out == "pod/p created (server dry run)\n", created.err
    d = await client.get("Deployment", "api")
    assert (d.spec.replicas, dict(d.metadata.labels).get("tier")) == (1, None)
    assert (await client.list("Service", "default")).items == [] or all(
        s.metadata.name != "api" for s in (await client.list("Service", "default")).items)
    assert (await client.list("Pod", "default")).items == []


async def test_completion_names_objects_from_the_server(client, skiff):
    await client.create(pod("web"))
    await client.create(pod("other", namespace="kube-system"))
    result = await skiff("__complete", "get", "pods", "")
    assert (result.code, result.out) == (0, "web\n")
    in_namespace = await skiff("__complete", "logs", "-n", "kube-system", "")
    assert in_namespace.out == "other\n"


async def test_apply_dry_runs_say_what_would_happen_and_write_nothing(client, skiff, tmp_path):
    from tests.fixtures.cli_runner import write
    path = write(tmp_path, "p.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                                     "spec: {containers: [{name: a, image: busybox}]}\n")
    on_client = await skiff("apply", "-f", path, "--dry-run=client")
    on_server = await skiff("apply", "-f", path, "--dry-run=server")
    assert on_client.out == "pod/p created (dry run)\n", on_client.err
    assert on_server.out == "pod/p created (server dry run)\n", on_server.err
    assert (await client.list("Pod", "default")).items == []
    assert (await skiff("apply", "-f", path)).out == "pod/p created\n"
    assert (await skiff("apply", "-f", path, "--dry-run=client")).out == "pod/p unchanged (dry run)\n"
