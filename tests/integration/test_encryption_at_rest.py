"""Encryption at rest through the API server's storage: etcd holds ciphertext, reads and watches see
plaintext, and a restart with a new first key rewrites what the old key wrote."""
import base64

from controlplane.apiserver import encryption
from tests.fixtures.etcd import raw_get

KEY1 = base64.b64encode(b"a" * 32).decode()
KEY2 = base64.b64encode(b"b" * 32).decode()
CONFIG = """apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
{providers}"""
KEY = b"/registry/secrets/default/db-password"


def _providers(*names_and_keys) -> str:
    return CONFIG.format(providers="".join(
        f"  - aesgcm: {{keys: [{{name: {n}, secret: '{k}'}}]}}\n" for n, k in names_and_keys) + "  - identity: {}\n")


async def test_etcd_holds_ciphertext_and_the_api_server_reads_plaintext(start_apiserver, etcd_server):
    server = await start_apiserver(_providers(("key1", KEY1)))
    storage = server.registry.storage
    await storage.create(KEY, b"hunter2-plaintext")
    raw = await raw_get(etcd_server.endpoint, KEY)
    assert raw.startswith(b"k8s:enc:aesgcm:v1:key1:") and b"hunter2" not in raw
    assert (await storage.get(KEY)).value == b"hunter2-plaintext"
    items, _, _ = await storage.list(b"/registry/secrets/")
    assert [kv.value for kv in items] == [b"hunter2-plaintext"]
    await storage.create(b"/registry/configmaps/default/c", b"not-secret")  # other resources stay plain
    assert await raw_get(etcd_server.endpoint, b"/registry/configmaps/default/c") == b"not-secret"


async def test_rotation_rewrites_values_of_the_old_key_at_start(start_apiserver, etcd_server):
    first = await start_apiserver(_providers(("key1", KEY1)))
    await first.registry.storage.create(KEY, b"v")
    await first.stop(grace=0)
    rotated = await start_apiserver(_providers(("key2", KEY2), ("key1", KEY1)))
    assert (await raw_get(etcd_server.endpoint, KEY)).startswith(b"k8s:enc:aesgcm:v1:key2:")
    assert (await rotated.registry.storage.get(KEY)).value == b"v"


async def test_plaintext_stored_before_encryption_is_encrypted_once_configured(start_apiserver, etcd_server):
    plain = await start_apiserver()
    await plain.registry.storage.create(KEY, b"was-plain")
    await plain.stop(grace=0)
    await start_apiserver(_providers(("key1", KEY1)))
    raw = await raw_get(etcd_server.endpoint, KEY)
    assert raw.startswith(b"k8s:enc:aesgcm:v1:key1:") and b"was-plain" not in raw


def test_the_generated_configuration_names_secrets():
    assert set(encryption.parse(encryption.generate())) == {"secrets"}
