"""ValidatingWebhookConfigurations (admissionregistration.k8s.io/v1): HTTPS webhooks the admission chain asks
to allow or deny the requests they match, after the built-in validating plugins (controlplane/apiserver/webhook/)."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import webhooks
from proto import types_pb2

DEFAULT_TIMEOUT_SECONDS = 10
DEFAULT_SERVICE_PORT = 443


def default_webhook(hook) -> None:
    """Kubernetes' SetDefaults_ValidatingWebhook / _MutatingWebhook (v1): Fail, Equivalent, every namespace and
    object, 10 s, rules of any scope, a service on port 443. sideEffects and review versions have no default."""
    if not hook.HasField("failure_policy"):
        hook.failure_policy = "Fail"
    if not hook.HasField("match_policy"):
        hook.match_policy = "Equivalent"
    hook.namespace_selector.SetInParent()
    hook.object_selector.SetInParent()
    if not hook.HasField("timeout_seconds"):
        hook.timeout_seconds = DEFAULT_TIMEOUT_SECONDS
    for rule in hook.rules:
        if not rule.HasField("scope"):
            rule.scope = "*"
    if hook.client_config.HasField("service") and not hook.client_config.service.HasField("port"):
        hook.client_config.service.port = DEFAULT_SERVICE_PORT


class ValidatingWebhookConfigurationStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "webhooks": [{
        "name": "sample.example.com", "clientConfig": {"url": "https://127.0.0.1:8443/validate"},
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
        "sideEffects": "None", "admissionReviewVersions": ["v1"]}]}

    def default(self, config: types_pb2.ValidatingWebhookConfiguration) -> None:
        for hook in config.webhooks:
            default_webhook(hook)

    def validate(self, config: types_pb2.ValidatingWebhookConfiguration) -> list[str]:
        return webhooks.validate_configuration(config)


STRATEGY = ValidatingWebhookConfigurationStrategy()
