"""A webhook named by a Service reference is called at a ready endpoint's pod through its node's agent (the
port-forward relay), its certificate checked for `<service>.<namespace>.svc`: proven against a real HTTPS server
on 127.0.0.1 standing behind a stand-in for the agent proxy."""
from __future__ import annotations

import functools

import pytest

from api import manifest
from controlplane.apiserver import resources
from controlplane.apiserver.vap.matching import Request
from controlplane.apiserver.webhook import dispatch, tunnel
from tests.fixtures.webhook_server import DirectAgentProxy, webhook_server

pytestmark = pytest.mark.integration


def _objects(ca_bundle: str):
    config, _ = manifest.from_dict({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "svc"}, "webhooks": [{
            "name": "svc.example.com", "sideEffects": "None", "admissionReviewVersions": ["v1"],
            "clientConfig": {"service": {"namespace": "default", "name": "webhook", "path": "/validate"},
                             "caBundle": ca_bundle},
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]}]})
    resources.default(config)
    service, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Service",
                                     "metadata": {"name": "webhook", "namespace": "default"},
                                     "spec": {"ports": [{"name": "https", "port": 443, "targetPort": 8443}]}})
    endpoints, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Endpoints",
                                       "metadata": {"name": "webhook", "namespace": "default"},
                                       "subsets": [{"addresses": [{"ip": "10.244.1.9", "targetRef": {
                                           "kind": "Pod", "namespace": "default", "name": "webhook-0"}}],
                                           "ports": [{"name": "https", "port": 8443}]}]})
    return config, service, endpoints


async def test_a_service_webhook_is_reached_through_the_agent_of_its_pod():
    deny = {"allowed": False, "status": {"message": "through the tunnel"}}
    async with webhook_server(lambda request: deny) as server:
        config, service, endpoints = _objects(server.ca_bundle)
        by_kind = {"ValidatingWebhookConfiguration": [config]}
        named = {("Service", "webhook"): service, ("Endpoints", "webhook"): endpoints}
        hooks = dispatch.Webhooks(lambda kind, ns, name: named.get((kind.name, name)),
                                  lambda kind, ns: by_kind.get(kind.name, []))
        proxy = DirectAgentProxy(int(server.url.rpartition(":")[2]))
        hooks.tunnel = functools.partial(tunnel.through_agent, proxy)
        req = Request("CREATE", "", "v1", "pods", "Pod", "default", "web",
                      obj={"metadata": {"name": "web", "namespace": "default"}})
        outcome = await hooks.validate(req)
        assert str(outcome.refusal) == 'admission webhook "svc.example.com" denied the request: through the tunnel'
        assert proxy.forwarded == [("default", "webhook-0", 8443)]
        assert server.reviews[0]["request"]["name"] == "web"
