"""`skiff describe` body of an Ingress, in kubectl's layout: address, class, default backend, TLS, then
each rule's host and paths with the Service port and the endpoints serving it."""
from __future__ import annotations

from api.columns import load_balancer_addresses
from cli.describe_layout import NONE, field, table
from cli.describe_services import port_endpoints


def backend_text(namespace_services: dict, namespace_endpoints: dict, backend) -> str:
    """`web:80 (10.244.1.5:8080,10.244.2.7:8080)` as kubectl shows a backend and its endpoints."""
    if backend.HasField("resource"):
        ref = backend.resource
        group = f"{ref.api_group}/" if ref.HasField("api_group") and ref.api_group else ""
        return f"{group}{ref.kind}:{ref.name}"
    service = backend.service
    port = service.port.name or str(service.port.number)
    svc = namespace_services.get(service.name)
    if svc is None:
        return f'{service.name}:{port} (<error: services "{service.name}" not found>)'
    port_name = next((p.name for p in svc.spec.ports
                      if p.name == service.port.name or (service.port.number and p.port == service.port.number)),
                     None)
    if port_name is None:
        return f"{service.name}:{port} (<error: service port {port} not found>)"
    endpoints = namespace_endpoints.get(service.name)
    if endpoints is None:
        return f'{service.name}:{port} (<error: endpoints "{service.name}" not found>)'
    return f"{service.name}:{port} ({port_endpoints(endpoints, port_name)})"


def ingress_body(ing, services: dict, endpoints: dict) -> list[str]:
    """`services` and `endpoints`: the namespace's objects by name."""
    spec = ing.spec
    class_name = spec.ingress_class_name if spec.HasField("ingress_class_name") else NONE
    default = (backend_text(services, endpoints, spec.default_backend) if spec.HasField("default_backend")
               else "<default>")
    lines = [field("Address", load_balancer_addresses(ing.status.load_balancer, wide=True)),
             field("Ingress Class", class_name),
             field("Default backend", default)]
    if spec.tls:
        lines.append("TLS:")
        for tls in spec.tls:
            lines.append(f"  {tls.secret_name or 'SNI routes'} terminates {','.join(tls.hosts)}")
    rows = []
    for rule in spec.rules:
        rows.append([rule.host or "*", "", ""])
        for path in rule.http.paths:
            rows.append(["", path.path or "/", backend_text(services, endpoints, path.backend)])
    if not spec.rules:
        rows.append(["*", "*", default])
    lines.append("Rules:")
    lines += table(["Host", "Path", "Backends"], rows)
    return lines
