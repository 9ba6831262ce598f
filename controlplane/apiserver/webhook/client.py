"""The HTTPS call to a webhook: POST the AdmissionReview, trusting only its caBundle (else the system's roots),
within its timeoutSeconds. Every failure becomes a CallError worded as Kubernetes' client."""
from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any

import aiohttp

from controlplane.apiserver.webhook.review import CallError
from controlplane.apiserver.webhook.target import Target


def _ssl_context(ca_bundle: bytes) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cadata=ca_bundle.decode()) if ca_bundle else ssl.create_default_context()
    except (ssl.SSLError, ValueError) as e:
        raise CallError(f"could not get REST client: unable to load root certificates: {e}") from None


async def post(target: Target, ca_bundle: bytes, review: dict[str, Any], timeout_seconds: int) -> Any:
    """The webhook's answer as JSON."""
    shown = f'Post "{target.url}"'
    context = _ssl_context(ca_bundle)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_seconds)) as session:
            async with session.post(target.url, data=json.dumps(review), ssl=context,
                                    server_hostname=target.server_name or None,
                                    headers={"Content-Type": "application/json",
                                             "Accept": "application/json"}) as resp:
                text = await resp.text()
                if resp.status != 200:
                    raise CallError(f'an error on the server ("{text.strip()[:200]}") has prevented the request '
                                    f'from succeeding')
    except asyncio.TimeoutError:
        raise CallError(f"failed to call webhook: {shown}: context deadline exceeded") from None
    except aiohttp.ClientConnectorCertificateError as e:
        raise CallError(f"failed to call webhook: {shown}: tls: failed to verify certificate: "
                        f"{e.certificate_error}") from None
    except (aiohttp.ClientError, OSError) as e:
        raise CallError(f"failed to call webhook: {shown}: {_reason(e)}") from None
    try:
        return json.loads(text)
    except ValueError as e:
        raise CallError(f"received invalid webhook response: {e}") from None


def _reason(error: Exception) -> str:
    os_error = getattr(error, "os_error", None)
    if isinstance(os_error, ConnectionRefusedError) or isinstance(error, ConnectionRefusedError):
        return "connect: connection refused"
    return str(error) or type(error).__name__
