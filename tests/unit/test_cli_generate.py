"""`create deployment|namespace|service` and `run` build what kubectl builds: our `--dry-run=client -o yaml`
against kubectl's own output (tests/golden/kubectl/, made by kubectl 1.32 without a cluster).

kubectl also prints the Go zero values `creationTimestamp: null` and `{}`; skiff leaves them out, so they
are dropped from kubectl's text before comparing.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from cli import generate
from cli.errors import CliError
from cli.main import main

KUBECTL = Path(__file__).resolve().parent.parent / "golden" / "kubectl"

CASES = {
    "create-deployment.yaml": ["create", "deployment", "web", "--image=busybox:1.36", "--image=nginx",
                               "--replicas=3", "--port=8080", "--dry-run=client", "-o", "yaml"],
    "create-namespace.yaml": ["create", "namespace", "team", "--dry-run=client", "-o", "yaml"],
    "create-service-clusterip.yaml": ["create", "service", "clusterip", "web", "--tcp=80:8080", "--tcp=443",
                                      "--dry-run=client", "-o", "yaml"],
    "create-ingress.yaml": ["create", "ingress", "simple", "--rule=foo.com/bar=svc1:8080,tls=my-cert",
                            "--rule=foo.com/api*=svc2:http", "--rule=/x=svc3:80,tls", "--class=nginx",
                            "--default-backend=defsvc:http", "--annotation=a=b", "--dry-run=client", "-o", "yaml"],
    "create-service-nodeport.yaml": ["create", "service", "nodeport", "web", "--tcp=80:8080",
                                     "--node-port=30080", "--dry-run=client", "-o", "yaml"],
}


def without_go_zero_values(text: str) -> str:
    lines = [line for line in text.splitlines()
             if line.strip() != "creationTimestamp: null" and not re.fullmatch(r"\s*[\w.]+: \{\}", line)]
    # a key left with nothing under it (status: {loadBalancer: {}}) goes too
    kept = [line for i, line in enumerate(lines)
            if not (line.endswith(":") and (i + 1 == len(lines) or _indent(lines[i + 1]) <= _indent(line)))]
    return "\n".join(kept) + "\n"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" -"))


def skiff(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("golden", sorted(CASES))
def test_client_dry_run_yaml_matches_kubectl(golden):
    code, out, err = skiff(CASES[golden])
    assert (code, err) == (0, "")
    assert out == without_go_zero_values((KUBECTL / golden).read_text())


def test_client_dry_run_json_has_kubectls_content():
    code, out, _ = skiff(["create", "deployment", "web", "--image=busybox", "--dry-run=client", "-o", "json"])
    expected = json.loads((KUBECTL / "create-deployment.json").read_text())
    del expected["metadata"]["creationTimestamp"], expected["status"], expected["spec"]["strategy"]
    del expected["spec"]["template"]["metadata"]["creationTimestamp"]
    del expected["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert (code, json.loads(out)) == (0, expected)


def test_default_output_says_created_with_the_dry_run_suffix():
    assert skiff(["create", "deploy", "web", "--image=busybox", "--dry-run=client"])[1] == \
        "deployment.apps/web created (dry run)\n"
    assert skiff(["create", "ns", "team", "--dry-run", "-o", "name"])[1] == "namespace/team\n"


def test_words_after_dashes_are_the_command():
    code, out, _ = skiff(["create", "deploy", "web", "--image=busybox", "--dry-run=client",
                          "-o", "jsonpath={.spec.template.spec.containers[0].command}", "--", "sh", "-c", "x"])
    assert (code, out) == (0, '["sh","-c","x"]')


def test_container_names_come_from_the_image_as_kubectl_names_them():
    assert generate.container_name("registry:5000/team/web:1.2") == "web"
    assert generate.container_name("busybox@sha256:abc") == "busybox"


def test_bad_tcp_port_is_a_one_line_error():
    with pytest.raises(CliError, match="invalid --tcp 'http'"):
        generate.service("ClusterIP", "web", ["http"])
    code, _, err = skiff(["create", "service", "clusterip", "web", "--tcp=x:y", "--dry-run=client"])
    assert (code, err) == (1, "error: invalid --tcp 'x:y': expected PORT or PORT:TARGET_PORT, e.g. 80:8080\n")
