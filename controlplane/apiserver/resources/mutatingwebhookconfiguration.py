"""MutatingWebhookConfigurations (admissionregistration.k8s.io/v1): HTTPS webhooks the admission chain calls
before validation, in name order, whose JSONPatch answers change the object (controlplane/apiserver/webhook/)."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.resources.validatingwebhookconfiguration import default_webhook
from controlplane.apiserver.validation import webhooks
from proto import types_pb2


class MutatingWebhookConfigurationStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "webhooks": [{
        "name": "sample.example.com", "clientConfig": {"url": "https://127.0.0.1:8443/mutate"},
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
        "sideEffects": "None", "admissionReviewVersions": ["v1"]}]}

    def default(self, config: types_pb2.MutatingWebhookConfiguration) -> None:
        for hook in config.webhooks:
            default_webhook(hook)
            if not hook.HasField("reinvocation_policy"):
                hook.reinvocation_policy = "Never"

    def validate(self, config: types_pb2.MutatingWebhookConfiguration) -> list[str]:
        return webhooks.validate_configuration(config)


STRATEGY = MutatingWebhookConfigurationStrategy()
