"""Dynamic admission control: the API server calling the HTTPS webhooks of Validating- and
MutatingWebhookConfigurations on the requests they match, as Kubernetes' admission/plugin/webhook."""
