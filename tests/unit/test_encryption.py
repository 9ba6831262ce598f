"""Encryption at rest: Kubernetes' EncryptionConfiguration, its providers, prefixes, and key rotation."""
import base64

import pytest

from controlplane.apiserver import encryption

KEY1 = base64.b64encode(b"1" * 32).decode()
KEY2 = base64.b64encode(b"2" * 32).decode()


def _config(*providers: str) -> str:
    body = "".join(f"  - {p}\n" for p in providers)
    return f"apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n" \
           f"- resources: [secrets]\n  providers:\n{body}"


def _aesgcm(name, key):
    return f"aesgcm: {{keys: [{{name: {name}, secret: '{key}'}}]}}"


def _secretbox(name, key):
    return f"secretbox: {{keys: [{{name: {name}, secret: '{key}'}}]}}"


@pytest.mark.parametrize("provider,prefix", [(_aesgcm("key1", KEY1), b"k8s:enc:aesgcm:v1:key1:"),
                                             (_secretbox("box", KEY1), b"k8s:enc:secretbox:v1:box:")])
def test_values_are_stored_with_kubernetes_prefix_and_read_back(provider, prefix):
    t = encryption.parse(_config(provider))["secrets"]
    stored = t.to_storage(b"top secret", b"/registry/secrets/default/s")
    assert stored.startswith(prefix) and b"top secret" not in stored
    assert t.from_storage(stored, b"/registry/secrets/default/s") == (b"top secret", False)


def test_an_aesgcm_value_is_bound_to_its_etcd_key():
    t = encryption.parse(_config(_aesgcm("k", KEY1)))["secrets"]
    stored = t.to_storage(b"v", b"/registry/secrets/default/a")
    with pytest.raises(encryption.DecryptError):
        t.from_storage(stored, b"/registry/secrets/default/b")


def test_the_first_key_writes_and_every_key_reads_older_values_as_stale():
    old = encryption.parse(_config(_aesgcm("key1", KEY1)))["secrets"]
    rotated = encryption.parse(_config(_aesgcm("key2", KEY2), _aesgcm("key1", KEY1)))["secrets"]
    written_before = old.to_storage(b"v", b"k")
    assert rotated.from_storage(written_before, b"k") == (b"v", True)
    assert rotated.to_storage(b"v", b"k").startswith(b"k8s:enc:aesgcm:v1:key2:")


def test_identity_reads_plaintext_written_before_encryption_and_marks_it_stale():
    t = encryption.parse(_config(_aesgcm("key1", KEY1), "identity: {}"))["secrets"]
    assert t.from_storage(b"\x0a\x02plain", b"k") == (b"\x0a\x02plain", True)


def test_a_value_under_a_removed_key_does_not_read():
    old = encryption.parse(_config(_aesgcm("key1", KEY1)))["secrets"]
    new = encryption.parse(_config(_aesgcm("key2", KEY2)))["secrets"]
    with pytest.raises(encryption.DecryptError, match="no matching prefix"):
        new.from_storage(old.to_storage(b"v", b"k"), b"k")


@pytest.mark.parametrize("text,message", [
    ("kind: Nope", "expected EncryptionConfiguration"),
    (_config("kms: {name: x}"), "providers[0].kms: unsupported provider"),
    (_config("aesgcm: {keys: [{name: k, secret: 'not base64!'}]}"), "keys[0].secret: not valid base64"),
    (_config(f"aesgcm: {{keys: [{{name: k, secret: '{base64.b64encode(b'short').decode()}'}}]}}"),
     "a aesgcm key is 16, 24, 32 bytes, got 5"),
    (_config(_aesgcm("a:b", KEY1)), "name: must not contain ':'"),
    (_config(), "providers: Required value"),
])
def test_bad_configurations_name_the_field(text, message):
    with pytest.raises(encryption.ConfigError) as e:
        encryption.parse(text, "enc.yaml")
    assert message in str(e.value) and str(e.value).startswith("enc.yaml: ")


def test_a_generated_configuration_is_usable():
    t = encryption.parse(encryption.generate())["secrets"]
    assert t.writer.prefix == b"k8s:enc:aesgcm:v1:key1:"
