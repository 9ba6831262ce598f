"""Encryption at rest through the API server: etcd holds a Secret's ciphertext while the API serves its
plaintext (get, list, watch), other kinds stay plain, and a restart with a new first key rewrites what
the old key wrote (and encrypts what was stored before encryption was configured)."""
import base64

from tests.fixtures.apiserver import admin_client
from controlplane.apiserver import encryption
from tests.fixtures.etcd import raw_get
from tests.fixtures.objects import from_yaml

KEY1 = base64.b64encode(b"a" * 32).decode()
KEY2 = base64.b64encode(b"b" * 32).decode()
CONFIG = """apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
{providers}"""
KEY = b"/registry/secrets/default/db-password"
SECRET = """
apiVersion: v1
kind: Secret
metadata: {name: db-password, namespace: default}
stringData: {password: hunter2-plaintext}
"""


def _providers(*names_and_keys) -> str:
    return CONFIG.format(providers="".join(
        f"  - aesgcm: {{keys: [{{name: {n}, secret: '{k}'}}]}}\n" for n, k in names_and_keys) + "  - identity: {}\n")


async def _create_secret(server) -> None:
    async with admin_client(server.address) as client:
        await client.create(from_yaml(SECRET))


async def test_etcd_holds_ciphertext_and_the_api_serves_plaintext(start_apiserver, etcd_server):
    server = await start_apiserver(_providers(("key1", KEY1)))
    async with admin_client(server.address) as client:
        watch = client.watch("Secret", "default")
        await client.create(from_yaml(SECRET))
        raw = await raw_get(etcd_server.endpoint, KEY)
        assert raw.startswith(b"k8s:enc:aesgcm:v1:key1:") and b"hunter2" not in raw
        assert (await client.get("Secret", "db-password")).data["password"] == b"hunter2-plaintext"
        assert [s.data["password"] for s in (await client.list("Secret", "default")).items] == [b"hunter2-plaintext"]
        async for event in watch:
            assert (event.type, event.object.data["password"]) == ("ADDED", b"hunter2-plaintext")
            break
        await client.create(from_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: not-secret}\n"))
        assert b"not-secret" in await raw_get(etcd_server.endpoint, b"/registry/configmaps/default/c")


async def test_rotation_rewrites_values_of_the_old_key_at_start(start_apiserver, etcd_server):
    first = await start_apiserver(_providers(("key1", KEY1)))
    await _create_secret(first)
    await first.stop(grace=0)
    rotated = await start_apiserver(_providers(("key2", KEY2), ("key1", KEY1)))
    assert (await raw_get(etcd_server.endpoint, KEY)).startswith(b"k8s:enc:aesgcm:v1:key2:")
    async with admin_client(rotated.address) as client:
        assert (await client.get("Secret", "db-password")).data["password"] == b"hunter2-plaintext"


async def test_plaintext_stored_before_encryption_is_encrypted_once_configured(start_apiserver, etcd_server):
    plain = await start_apiserver()
    await _create_secret(plain)
    assert b"hunter2" in await raw_get(etcd_server.endpoint, KEY)
    await plain.stop(grace=0)
    await start_apiserver(_providers(("key1", KEY1)))
    raw = await raw_get(etcd_server.endpoint, KEY)
    assert raw.startswith(b"k8s:enc:aesgcm:v1:key1:") and b"hunter2" not in raw


def test_the_generated_configuration_names_secrets():
    assert set(encryption.parse(encryption.generate())) == {"secrets"}
