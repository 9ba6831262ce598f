"""TokenRequest: a signed token of a ServiceAccount, optionally bound to a Pod, as the gRPC API's CreateToken
and the REST API's `serviceaccounts/NAME/token` (`kubectl create token`) both issue it."""
from __future__ import annotations

import datetime

from api import errors, kinds
from controlplane.apiserver.auth import serviceaccount
from proto import api_pb2, types_pb2


async def create_token(registry, security, request: api_pb2.TokenRequest, node: str) -> api_pb2.TokenResponse:
    """The token `request` asks for, by a caller already authorized to create serviceaccounts/token;
    `node`: the node the caller is ("" for anyone else), which may only ask for its own pods' tokens."""
    # The account from the watch cache (resourceVersion "0"): only its uid goes into the token, and the
    # etcd read this saves was one of the pod start's round trips.
    sa = await registry.get(kinds.BY_NAME["ServiceAccount"], request.namespace or "default", request.name,
                            resource_version="0")
    key = security.service_account_key
    if not key:
        raise errors.Unavailable("this API server signs no ServiceAccount tokens "
                                 "(--service-account-signing-key-file)")
    pod = await _bound_pod(registry, request, sa, node)
    token, expires = serviceaccount.sign(key, security.service_account_issuer, sa.metadata.namespace,
                                         sa.metadata.name, sa.metadata.uid,
                                         list(request.audiences) or list(security.api_audiences),
                                         request.expiration_seconds or serviceaccount.DEFAULT_EXPIRY_S,
                                         pod=(pod.metadata.name, pod.metadata.uid) if pod else None)
    stamp = datetime.datetime.fromtimestamp(expires, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return api_pb2.TokenResponse(token=token, expiration_timestamp=stamp)


async def _bound_pod(registry, request, sa, node: str) -> types_pb2.Pod | None:
    """The pod a TokenRequest binds its token to, checked as Kubernetes does (it exists, with that uid,
    running as this account; a node asks only for its own pods' tokens: NodeRestriction)."""
    ref = request.bound_object_ref
    if not ref.kind:
        if node:
            raise errors.Forbidden(f'node "{node}" may only request tokens bound to its pods')
        return None
    if ref.kind != "Pod":
        raise errors.BadRequest(f'cannot bind token to object of kind "{ref.kind}" (Pod only)')
    pod = registry.cached(kinds.BY_NAME["Pod"], sa.metadata.namespace, ref.name)
    if pod is None or (ref.uid and ref.uid != pod.metadata.uid) or (node and pod.spec.node_name != node):
        # The watch cache saved an etcd read per pod start; where it may only be behind (a pod created,
        # re-created or bound a moment ago), etcd judges. A pod the cache still holds a moment after its
        # deletion gets a token that stops working with it (pod_alive).
        pod = await registry.get(kinds.BY_NAME["Pod"], sa.metadata.namespace, ref.name)
    if ref.uid and ref.uid != pod.metadata.uid:
        raise errors.Conflict(f"the UID in the bound object reference ({ref.uid}) does not match the UID in "
                              f"record. The object might have been deleted and then recreated")
    if pod.spec.service_account_name != sa.metadata.name:
        raise errors.BadRequest(f'cannot bind token for serviceaccount "{sa.metadata.name}" to pod running '
                                f'with different serviceaccount name.')
    if node and pod.spec.node_name != node:
        raise errors.Forbidden(f'node "{node}" may not request a token bound to pod "{ref.name}" of another node')
    return pod
