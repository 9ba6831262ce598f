"""`skiff config` on a kubeconfig file: view hides secrets, contexts are listed, switched and changed,
in kubectl's words; the file keeps its permissions."""
from __future__ import annotations

import io
import os

import pytest
import yaml

from cli.main import main

KUBECONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "lab",
    "clusters": [{"name": "lab", "cluster": {"server": "https://10.250.0.1:6443",
                                             "certificate-authority-data": "Q0E="}}],
    "users": [{"name": "admin", "user": {"client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ"}},
              {"name": "bot", "user": {"token": "s3cret"}}],
    "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "admin"}},
                 {"name": "ci", "context": {"cluster": "lab", "user": "bot", "namespace": "ci"}}],
}


@pytest.fixture
def kubeconfig(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(KUBECONFIG))
    path.chmod(0o600)
    monkeypatch.setenv("SKIFF_CONFIG", str(path))
    return path


def skiff(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["config", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_view_hides_keys_and_tokens_unless_raw(kubeconfig):
    code, out, _ = skiff("view")
    shown = yaml.safe_load(out)
    assert code == 0
    assert shown["users"][0]["user"]["client-key-data"] == "DATA+OMITTED"
    assert shown["users"][1]["user"]["token"] == "REDACTED"
    assert yaml.safe_load(skiff("view", "--raw")[1])["users"][1]["user"]["token"] == "s3cret"
    minified = yaml.safe_load(skiff("view", "--minify")[1])
    assert [c["name"] for c in minified["contexts"]] == ["lab"] and [u["name"] for u in minified["users"]] == ["admin"]


def test_get_contexts_marks_the_current_one(kubeconfig):
    code, out, _ = skiff("get-contexts")
    assert out.splitlines() == ["CURRENT   NAME   CLUSTER   AUTHINFO   NAMESPACE",
                                "          ci     lab       bot        ci",
                                "*         lab    lab       admin"]
    assert skiff("current-context")[1] == "lab\n"


def test_use_context_and_set_context_change_the_file_and_keep_its_mode(kubeconfig):
    assert skiff("use-context", "ci")[1] == 'Switched to context "ci".\n'
    assert skiff("set-context", "--current", "--namespace=web")[1] == 'Context "ci" modified.\n'
    assert skiff("set-context", "dev", "--cluster=lab", "--user=admin")[1] == 'Context "dev" created.\n'
    data = yaml.safe_load(kubeconfig.read_text())
    assert data["current-context"] == "ci"
    assert {c["name"]: c["context"].get("namespace") for c in data["contexts"]} == {"lab": None, "ci": "web", "dev": None}
    assert os.stat(kubeconfig).st_mode & 0o777 == 0o600


def test_unknown_context_is_kubectls_one_line_error(kubeconfig):
    assert skiff("use-context", "nope") == (1, "", 'error: no context exists with the name: "nope"\n')
