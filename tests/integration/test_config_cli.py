"""`skiff create configmap/secret`, get, describe and -o yaml against a real API server, as kubectl: a
Secret's values are never printed by describe (sizes are), -o yaml shows them base64, bad input is refused
with its field path and nothing is stored."""
from __future__ import annotations

import base64

import yaml



async def test_create_configmap_from_literals_files_and_env_files(skiff, client, tmp_path):
    (tmp_path / "game.properties").write_text("lives=3\n")
    (tmp_path / "app.env").write_text("A=1\n# comment\nB=2\n")
    done = await skiff("create", "configmap", "game", "--from-literal=level=hard",
                       f"--from-file={tmp_path / 'game.properties'}", f"--from-env-file={tmp_path / 'app.env'}")
    assert (done.code, done.out.strip()) == (0, "configmap/game created"), done.err
    cm = await client.get("ConfigMap", "game")
    assert dict(cm.data) == {"level": "hard", "game.properties": "lives=3\n", "A": "1", "B": "2"}
    listed = await skiff("get", "configmaps")
    assert listed.out.splitlines()[0].split() == ["NAME", "DATA", "AGE"]
    assert listed.out.splitlines()[1].split()[:2] == ["game", "4"]
    described = await skiff("describe", "cm", "game")
    assert "game.properties:\n----\nlives=3\n" in described.out


async def test_secrets_are_described_by_size_and_shown_base64_in_yaml(skiff, client):
    done = await skiff("create", "secret", "generic", "db", "--from-literal=password=s3cret-value",
                       "--from-literal=user=admin")
    assert (done.code, done.out.strip()) == (0, "secret/db created"), done.err
    listed = await skiff("get", "secrets")
    assert listed.out.splitlines()[1].split()[:3] == ["db", "Opaque", "2"]
    described = await skiff("describe", "secret", "db")
    assert "s3cret-value" not in described.out
    assert "password:  12 bytes" in described.out and "Type:" in described.out
    shown = yaml.safe_load((await skiff("get", "secret", "db", "-o", "yaml")).out)
    assert base64.b64decode(shown["data"]["password"]) == b"s3cret-value"
    assert "stringData" not in shown


async def test_docker_registry_and_string_data_fold_into_data(skiff, client):
    done = await skiff("create", "secret", "docker-registry", "regcred", "--docker-server=registry.example.com",
                       "--docker-username=me", "--docker-password=pw")
    assert done.code == 0, done.err
    secret = await client.get("Secret", "regcred")
    assert secret.type == "kubernetes.io/dockerconfigjson" and b"registry.example.com" in secret.data[".dockerconfigjson"]
    applied = await skiff("apply", "-f", "-", stdin="""
apiVersion: v1
kind: Secret
metadata: {name: folded}
data: {a: b2xk}
stringData: {a: new, b: plain}
""")
    assert applied.code == 0, applied.err
    folded = await client.get("Secret", "folded")
    assert dict(folded.data) == {"a": b"new", "b": b"plain"} and not folded.string_data


async def test_bad_input_is_refused_with_the_field_path_and_nothing_is_stored(skiff, client, tmp_path):
    cases = {
        "bad-key": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad-key}\ndata: {'a/b': v}\n", "data[a/b]"),
        "dotdot": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dotdot}\ndata: {'..': v}\n", "data[..]"),
        "huge": (f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: huge}}\ndata: {{big: {'x' * (2 * 1024 * 1024)}}}\n",
                 "data: Too long"),
        "not-b64": ("apiVersion: v1\nkind: Secret\nmetadata: {name: not-b64}\ndata: {k: '!!notbase64'}\n",
                    "data.k: illegal base64 data"),
        "tls": ("apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\n"
                "data: {tls.crt: Y2VydA==}\n", "data[tls.key]: Required value"),
    }
    for name, (text, where) in cases.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        done = await skiff("create", "-f", str(path))
        assert done.code != 0 and where in done.err, (name, done.err)
        assert "Traceback" not in done.err
    assert [cm.metadata.name for cm in (await client.list("ConfigMap", "default")).items] == []
    assert [s.metadata.name for s in (await client.list("Secret", "default")).items] == []


async def test_create_secret_tls_refuses_a_key_that_does_not_match(skiff, tmp_path):
    (tmp_path / "tls.crt").write_text("not a certificate")
    (tmp_path / "tls.key").write_text("not a key")
    done = await skiff("create", "secret", "tls", "web", f"--cert={tmp_path / 'tls.crt'}",
                       f"--key={tmp_path / 'tls.key'}")
    assert done.code == 1 and "failed to load key pair" in done.err
