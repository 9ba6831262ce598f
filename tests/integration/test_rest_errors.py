"""Bad requests to the REST API: each a Kubernetes Status with the right code and reason, nothing stored."""
from __future__ import annotations

import json

import pytest

from api import errors
from tests.fixtures import objects
from tests.fixtures.rest import rest_session, warnings as rest_warnings

pytestmark = pytest.mark.integration

PODS = "/api/v1/namespaces/default/pods"
POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
       "spec": {"containers": [{"name": "app", "image": "busybox"}]}}


async def _status(response) -> dict:
    body = await response.json(content_type=None)
    assert body["kind"] == "Status" and body["status"] == "Failure"
    assert body["code"] == response.status
    return body


async def _nothing_stored(client):
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "web")


async def test_malformed_json_is_bad_request(rest, client):
    async with rest.post(PODS, data=b'{"apiVersion": "v1", "kind":', headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400
        assert (await _status(r))["reason"] == "BadRequest"
    await _nothing_stored(client)


async def test_body_kind_not_matching_the_path_is_bad_request(rest, client):
    body = {**POD, "kind": "Service"}
    async with rest.post(PODS, json=body) as r:
        status = await _status(r)
        assert r.status == 400 and "do not match" in status["message"]
    async with rest.post("/apis/apps/v1/namespaces/default/deployments", json=POD) as r:
        assert r.status == 400
    await _nothing_stored(client)


async def test_unknown_group_version_and_resource_are_not_found(rest):
    for path in ("/apis/apps/v2/deployments", "/apis/nope.example.com/v1/widgets", "/api/v1/widgets"):
        async with rest.get(path) as r:
            assert r.status == 404, path
            assert (await _status(r))["reason"] == "NotFound"


async def test_wrong_patch_content_type_is_unsupported_media_type(rest, client):
    await client.create(objects.pod("web"))
    async with rest.patch(f"{PODS}/web", data=b'{"metadata":{"labels":{"a":"b"}}}',
                          headers={"Content-Type": "application/json"}) as r:
        assert r.status == 415
        assert (await _status(r))["reason"] == "UnsupportedMediaType"
    assert not (await client.get("Pod", "web")).metadata.labels


async def test_invalid_object_is_422_with_a_cause_per_field(rest, client):
    body = json.loads(json.dumps(POD))
    body["spec"]["containers"][0]["image"] = ""
    body["spec"]["restartPolicy"] = "Sometimes"
    async with rest.post(PODS, json=body) as r:
        status = await _status(r)
        assert r.status == 422 and status["reason"] == "Invalid"
        fields = {c["field"] for c in status["details"]["causes"]}
        assert {"spec.containers[0].image", "spec.restartPolicy"} <= fields
    await _nothing_stored(client)


async def test_invalid_status_names_the_kind_and_object_as_kubectl_prints_them(rest, client):
    # kubectl prints `The Pod "web" is invalid: ...` from details.kind and details.name; without them,
    # on a create (whose URL names no object) it fell back to "The request is invalid".
    body = json.loads(json.dumps(POD))
    body["spec"]["restartPolicy"] = "Sometimes"
    async with rest.post(PODS, json=body) as r:
        details = (await _status(r))["details"]
        assert (details["kind"], details["name"], details["group"]) == ("Pod", "web", "")
    await client.create(objects.pod("web"))
    async with rest.put(f"{PODS}/web", json=body) as r:
        details = (await _status(r))["details"]
        assert (r.status, details["kind"], details["name"]) == (422, "Pod", "web")


async def test_unknown_field_is_refused_unless_warn_or_ignore(rest, client):
    body = json.loads(json.dumps(POD))
    body["spec"]["colour"] = "blue"
    async with rest.post(PODS, json=body) as r:
        assert r.status == 400
        assert 'unknown field "spec.colour"' in (await _status(r))["message"]
    await _nothing_stored(client)
    async with rest.post(PODS + "?fieldValidation=Warn", json=body) as r:
        assert r.status == 201
        assert rest_warnings(r) == ['unknown field "spec.colour"']


async def test_create_twice_is_409_already_exists_and_stale_update_is_409_conflict(rest, client):
    async with rest.post(PODS, json=POD) as r:
        assert r.status == 201
        created = await r.json()
    async with rest.post(PODS, json=POD) as r:
        assert r.status == 409 and (await _status(r))["reason"] == "AlreadyExists"
    stale = {**created, "metadata": {**created["metadata"], "labels": {"x": "1"}}}
    await client.update(await client.get("Pod", "web"))  # moves the resourceVersion on
    live = await client.get("Pod", "web")
    live.metadata.labels["moved"] = "yes"
    await client.update(live)
    async with rest.put(f"{PODS}/web", json=stale) as r:
        assert r.status == 409 and (await _status(r))["reason"] == "Conflict"


async def test_watch_from_a_too_old_resource_version_is_410_expired(client, start_apiserver):
    for i in range(3):
        await client.create(objects.pod(f"p{i}"))
    # A server started now keeps history only from here on: revision 2 is older than its window.
    fresh = await start_apiserver()
    async with rest_session(fresh.rest) as rest:
        async with rest.get(f"{PODS}?watch=1&resourceVersion=2") as r:
            assert r.status == 200  # as Kubernetes: the watch opens, then one ERROR event
            event = json.loads(await r.content.readline())
    assert event["type"] == "ERROR"
    assert event["object"]["code"] == 410 and event["object"]["reason"] == "Expired"


async def test_callers_without_valid_credentials_are_401_unauthorized(apiserver_running):
    for user, token in ((None, None), (None, "not-a-token")):
        async with rest_session(apiserver_running.rest, user=user, token=token) as anonymous:
            async with anonymous.get(PODS) as r:
                assert r.status == 401
                assert (await _status(r))["reason"] == "Unauthorized"
    async with rest_session(apiserver_running.rest, token="token-alice") as alice:
        async with alice.get("/version") as r:
            assert r.status == 200  # known (a valid token), and anyone known may read the version
    async with rest_session(apiserver_running.rest, user=None) as probe:
        async with probe.get("/healthz") as r:
            assert r.status == 200


async def test_kubectl_without_credentials_is_refused(apiserver_running, tmp_path):
    from tests.fixtures.kubectl import Kubectl, write_config
    stranger = Kubectl(write_config(tmp_path, apiserver_running.rest, token="nobody-knows-this"))
    r = await stranger("get", "pods")
    assert r.code == 1
    assert "Unauthorized" in r.err or "must be logged in" in r.err
