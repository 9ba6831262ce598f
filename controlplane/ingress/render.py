"""The nginx configuration for a routing plan: one `server` per host, a `location` per path with
Kubernetes' matching rules, and `upstream`s of ready pod addresses (no Service VIP in between).

Pure: the same plan always renders the same text, so a change is detected by comparing texts.
"""
from __future__ import annotations

from dataclasses import dataclass

from controlplane.ingress.model import CATCH_ALL, Location, Plan, Server


@dataclass(frozen=True)
class Settings:
    listen_address: str  # the host's address the proxy listens on
    http_port: int = 80
    https_port: int = 443
    work_dir: str = "/var/lib/skiff/ingress"  # pid, temp files, certificates
    worker_processes: str = "auto"


def certificate_paths(work_dir: str, name: str) -> tuple[str, str]:
    return f"{work_dir}/certs/{name}.crt", f"{work_dir}/certs/{name}.key"


def nginx_conf(plan: Plan, settings: Settings) -> str:
    lines = [
        "# Written by skiff-ingress-controller from the cluster's Ingresses; edits are overwritten.",
        f"worker_processes {settings.worker_processes};",
        # A reload's old workers finish their requests, but a long-lived one (a websocket, a stream) would keep
        # its worker, and every reload would leave one more behind: ingress-nginx ends them after 240 s.
        "worker_shutdown_timeout 240s;",
        f"pid {settings.work_dir}/nginx.pid;",
        f"error_log {settings.work_dir}/error.log warn;",
        # multi_accept: a worker woken for a new connection takes every pending one (ingress-nginx's default).
        "events { worker_connections 4096; multi_accept on; }",
        "http {",
        "    access_log off;",
        f"    client_body_temp_path {settings.work_dir}/tmp/body;",
        f"    proxy_temp_path {settings.work_dir}/tmp/proxy;",
        f"    fastcgi_temp_path {settings.work_dir}/tmp/fastcgi;",
        f"    uwsgi_temp_path {settings.work_dir}/tmp/uwsgi;",
        f"    scgi_temp_path {settings.work_dir}/tmp/scgi;",
        "    server_names_hash_bucket_size 128;",
        "    proxy_http_version 1.1;",
        '    proxy_set_header Connection "";',
        "    proxy_set_header Host $host;",
        "    proxy_set_header X-Real-IP $remote_addr;",
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "    proxy_set_header X-Forwarded-Proto $scheme;",
        "    proxy_set_header X-Forwarded-Host $host;",
        # Answers go to the client as the pod writes them, not gathered first (ingress-nginx's default): a
        # streamed answer (server-sent events, a long download) flows, and no temp file is written for it.
        "    proxy_buffering off;",
        "    proxy_next_upstream error timeout;",
        "    proxy_connect_timeout 5s;",
    ]
    for name in sorted(plan.upstreams):
        upstream = plan.upstreams[name]
        lines.append(f"    upstream {name} {{")
        lines += [f"        server {address} max_fails=0;" for address in upstream.addresses]
        # Idle connections to the pods kept per worker, and how long and for how many requests each is reused:
        # ingress-nginx's defaults (nginx's own close a connection after 1,000 requests).
        lines += ["        keepalive 320;", "        keepalive_timeout 60s;", "        keepalive_requests 10000;", "    }"]
    servers = dict(plan.servers)
    servers.setdefault(CATCH_ALL, Server(CATCH_ALL))  # unknown hosts get 404, as ingress-nginx answers
    for host in sorted(servers, key=_server_order):
        lines += _server(servers[host], plan, settings)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _server_order(host: str) -> tuple[int, str]:
    return (1 if host == CATCH_ALL else 0, host)


def server_name(host: str) -> str:
    """Kubernetes' `*.example.com` matches exactly one label; nginx's own wildcard would match several."""
    if host == CATCH_ALL:
        return CATCH_ALL
    if host.startswith("*."):
        rest = host[2:].replace(".", r"\.")
        return f"~^[^.]+\\.{rest}$"
    return host


def _server(server: Server, plan: Plan, settings: Settings) -> list[str]:
    # reuseport (ingress-nginx's default), on the default server where an address's options go: each worker
    # accepts from a socket of its own. With one shared socket, a worker that a graceful reload retires may
    # still be woken for a new connection and leave it waiting in the queue (a client's second lost).
    default = " default_server reuseport" if server.host == CATCH_ALL else ""
    lines = ["    server {",
             f"        listen {settings.listen_address}:{settings.http_port}{default};"]
    if server.certificate or server.host == CATCH_ALL:
        # The catch-all answers TLS too (with the first certificate there is) so a client's handshake for
        # an unknown host fails on the name, not on a closed port.
        cert = server.certificate or _any_certificate(plan)
        if cert:
            crt, key = certificate_paths(settings.work_dir, cert)
            lines += [f"        listen {settings.listen_address}:{settings.https_port} ssl{default};",
                      f"        ssl_certificate {crt};",
                      f"        ssl_certificate_key {key};"]
    lines.append(f"        server_name {server_name(server.host)};")
    for loc in sorted(server.locations, key=_location_order):
        lines += _location(loc)
    if not any(loc.path == "/" and loc.path_type != "Exact" for loc in server.locations):
        lines += ["        location / {", "            return 404;", "        }"]
    lines.append("    }")
    return lines


def _any_certificate(plan: Plan) -> str:
    return min(plan.certificates) if plan.certificates else ""


def _location_order(loc: Location) -> tuple[int, str, str]:
    return (-len(loc.path), loc.path_type, loc.path)


def _location(loc: Location) -> list[str]:
    action = (f"proxy_pass http://{loc.upstream};" if loc.upstream
              else "return 503;")
    # A comment names the Ingress, so a reader of the file knows whom each route belongs to.
    body = [f"            # {loc.ingress}", f"            {action}", "        }"]
    if loc.path_type == "Exact":
        return [f"        location = {_quoted(loc.path)} {{", *body]
    if loc.path_type == "Prefix" and loc.path != "/":
        # Kubernetes' Prefix matches whole path elements: /foo matches /foo and /foo/bar, never /foobar.
        return [f"        location = {_quoted(loc.path)} {{", *body,
                f"        location ^~ {_quoted(loc.path + '/')} {{", *body]
    return [f"        location {_quoted(loc.path)} {{", *body]


def _quoted(path: str) -> str:
    # Validation keeps paths to URL characters; quoting still guards the config against a stray brace.
    if any(c in path for c in ' ;{}"\'\\'):
        escaped = path.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return path
