"""The ingress controller's routing decisions and the nginx configuration they render (golden files)."""
from __future__ import annotations

import os
import pathlib

import pytest

from controlplane.ingress import model, render
from tests.fixtures.ingress import endpoints, ingress, ingress_class, rule, service, tls_secret

GOLDEN = pathlib.Path(__file__).parent.parent / "golden" / "ingress"
CONTROLLER = "skiff.io/ingress-nginx"
SETTINGS = render.Settings(listen_address="10.250.0.11", work_dir="/var/lib/skiff/ingress")


def snapshot(ingresses, services=(), endpoints_=(), secrets=(), classes=None):
    return model.Snapshot(
        ingresses=ingresses, classes=[ingress_class()] if classes is None else classes,
        services={model.key(s): s for s in services}, endpoints={model.key(e): e for e in endpoints_},
        secrets={model.key(s): s for s in secrets})


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SKIFF_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def two_hosts_two_paths():
    return snapshot(
        [ingress("site", [rule("foo.example.com", ("/", "Prefix", "web", 80), ("/api", "Prefix", "api", "http")),
                          rule("bar.example.com", ("/exact", "Exact", "web", 80))]),
         ingress("wild", [rule("*.apps.example.com", ("/", "ImplementationSpecific", "web", 80))], created=5)],
        services=[service("web"), service("api")],
        endpoints_=[endpoints("web", ["10.244.1.5", "10.244.2.7"]), endpoints("api", ["10.244.3.2"])])


def test_two_hosts_and_paths_render_to_servers_and_upstreams_of_pod_addresses():
    plan = model.plan(two_hosts_two_paths(), CONTROLLER)
    assert plan.served == ["default/site", "default/wild"] and plan.refused == {}
    assert plan.upstreams["default-web-80"].addresses == ("10.244.1.5:8080", "10.244.2.7:8080")
    golden("two-hosts.conf", render.nginx_conf(plan, SETTINGS))


def test_a_prefix_matches_whole_path_elements_and_exact_only_itself():
    text = render.nginx_conf(model.plan(two_hosts_two_paths(), CONTROLLER), SETTINGS)
    assert "location = /api {" in text and "location ^~ /api/ {" in text
    assert "location = /exact {" in text and "location ^~ /exact/" not in text


def test_a_wildcard_host_matches_exactly_one_label():
    assert render.server_name("*.apps.example.com") == r"~^[^.]+\.apps\.example\.com$"


def test_a_backend_without_ready_endpoints_answers_503():
    snap = snapshot([ingress("site", [rule("foo.example.com", ("/", "Prefix", "web", 80))])],
                    services=[service("web")], endpoints_=[endpoints("web", [])])
    text = render.nginx_conf(model.plan(snap, CONTROLLER), SETTINGS)
    assert "return 503;" in text and "upstream default-" not in text


def test_tls_hosts_listen_on_443_with_the_secret_written_as_files():
    snap = snapshot([ingress("site", [rule("foo.example.com", ("/", "Prefix", "web", 80))],
                             tls=[{"hosts": ["foo.example.com"], "secretName": "foo-tls"}])],
                    services=[service("web")], endpoints_=[endpoints("web", ["10.244.1.5"])],
                    secrets=[tls_secret("foo-tls", "foo.example.com")])
    plan = model.plan(snap, CONTROLLER)
    assert set(plan.certificates) == {"default-foo-tls"}
    text = render.nginx_conf(plan, SETTINGS)
    assert "listen 10.250.0.11:443 ssl;" in text
    assert "ssl_certificate /var/lib/skiff/ingress/certs/default-foo-tls.crt;" in text


@pytest.mark.parametrize("secrets, why", [
    ((), 'TLS secret "default/foo-tls" not found'),
    ((tls_secret("foo-tls", "foo.example.com", type_="Opaque"),),
     'TLS secret "default/foo-tls" is of type "Opaque", not "kubernetes.io/tls"'),
])
def test_a_bad_tls_secret_leaves_that_ingress_out_and_serves_the_others(secrets, why):
    snap = snapshot([ingress("bad", [rule("foo.example.com", ("/", "Prefix", "web", 80))],
                             tls=[{"hosts": ["foo.example.com"], "secretName": "foo-tls"}]),
                     ingress("good", [rule("bar.example.com", ("/", "Prefix", "web", 80))])],
                    services=[service("web")], endpoints_=[endpoints("web", ["10.244.1.5"])], secrets=secrets)
    plan = model.plan(snap, CONTROLLER)
    assert plan.refused == {"default/bad": why}
    assert plan.served == ["default/good"] and set(plan.servers) == {"bar.example.com"}


def test_a_backend_port_the_service_does_not_have_leaves_the_ingress_out():
    snap = snapshot([ingress("bad", [rule("foo.example.com", ("/", "Prefix", "web", 8080))])],
                    services=[service("web")])
    assert model.plan(snap, CONTROLLER).refused == {"default/bad": 'service "web" does not have port 8080'}


def test_the_oldest_ingress_wins_a_host_and_path_both_claim():
    snap = snapshot([ingress("newer", [rule("foo.example.com", ("/", "Prefix", "api", 80))], created=10),
                     ingress("older", [rule("foo.example.com", ("/", "Prefix", "web", 80))], created=1)],
                    services=[service("web"), service("api")],
                    endpoints_=[endpoints("web", ["10.244.1.5"]), endpoints("api", ["10.244.3.2"])])
    [location] = model.plan(snap, CONTROLLER).servers["foo.example.com"].locations
    assert location.ingress == "default/older" and location.upstream == "default-web-80"


def test_ingresses_of_other_classes_are_not_ours_and_the_default_class_takes_classless_ones():
    classless = ingress("classless", [rule("a.example.com", ("/", "Prefix", "web", 80))], class_name=None)
    other = ingress("other", [rule("b.example.com", ("/", "Prefix", "web", 80))], class_name="traefik")
    services = [service("web")]
    assert model.plan(snapshot([classless, other], services), CONTROLLER).served == []
    plan = model.plan(snapshot([classless, other], services, classes=[ingress_class(default=True)]), CONTROLLER)
    assert plan.served == ["default/classless"]


def test_a_default_backend_catches_every_other_host_and_path():
    snap = snapshot([ingress("site", [], default_backend={"service": {"name": "web", "port": {"number": 80}}})],
                    services=[service("web")], endpoints_=[endpoints("web", ["10.244.1.5"])])
    text = render.nginx_conf(model.plan(snap, CONTROLLER), SETTINGS)
    catch_all = text[text.index("server_name _;"):]
    assert "location / {" in catch_all and "proxy_pass http://default-web-80;" in catch_all
