"""The Job controller (batch/v1): pods run to completion, counted through a finalizer, with backoff,
deadlines, suspension, indexed completions, the pod failure policy, and TTL after finishing."""
