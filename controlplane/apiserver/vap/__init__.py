"""ValidatingAdmissionPolicy: CEL checks that policies and their bindings make the admission chain run
(Kubernetes' admission/plugin/policy/validating). expressions: CEL; matching: which requests; evaluate, plugin."""
