"""The admission chain every create and update of every kind passes, called from one place (the registry)
in Kubernetes' order: mutating plugins before the kind's validation, validating plugins after it.

Plugins: RuntimeClass (mutating: a pod naming a class gets its overhead and scheduling; validating: overhead
only from a class), ServiceAccount (mutating: pods run as `default` and get the kube-api-access volume), Priority
(mutating: a new pod's priorityClassName resolved to its priority and preemptionPolicy; validating: one
globalDefault class), LimitRanger
(mutating: a new pod's containers get the namespace's default requests and limits; validating: pods and claims
within its min, max and ratio), DefaultStorageClass
(mutating: a claim naming no class gets the default StorageClass), PersistentVolumeClaimResize (a claim
grows only if its class allows expansion), NodeRestriction
(a node's addresses are the node's to set) and PodSecurity (pods enforce; pod templates warn and audit; a
namespace tightening its enforce level warns about the pods already in it), for CertificateSigningRequests
CertificateSubjectRestriction, CertificateApproval and CertificateSigning (auth/certificates.py), then
ValidatingAdmissionPolicy (the CEL checks of policies and their bindings, vap/), and last the admission webhooks
(webhook/): mutating ones after the built-in mutating plugins, validating ones after the policies. ResourceQuota comes after the chain,
in the registry: it charges the quota before the write (quotacharge.py).
What they warn or note goes to the request's context (auth/request.py) for the response and the audit log.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace

from google.protobuf.message import Message

from api import errors, kinds, manifest, priority, storage
from controlplane.apiserver import limitranger, runtimeclass
from controlplane.apiserver import priority as priority_admission
from controlplane.apiserver.auth import admission as node_restriction
from controlplane.apiserver.auth import certificates as csr_admission
from controlplane.apiserver.auth import podsecurity, tokenvolume
from controlplane.apiserver.auth.attributes import ALLOW
from controlplane.apiserver.auth.request import audit_annotations, current_user, response_warnings
from controlplane.apiserver.validation import podwarnings
from controlplane.apiserver.crd.store import JsonStore
from controlplane.apiserver.vap import customparams
from controlplane.apiserver.vap import hook as vap_hook
from controlplane.apiserver.webhook import dispatch as webhooks
from proto import types_pb2

CREATE, UPDATE = "create", "update"
# (kind, namespace, name) -> the object, or None: from the watch cache, then from etcd if the cache has none.
Lookup = Callable[[kinds.Kind, str, str], Awaitable[Message | None]]
Cached = Callable[[kinds.Kind, str, str], Message | None]


def _note(var, items: list[str]) -> None:
    bucket = var.get(None)
    if bucket is not None:  # None: not serving a request (the server's own bootstrap writes)
        bucket.extend(i for i in items if i not in bucket)


def significant_pod_update(new: types_pb2.Pod, old: types_pb2.Pod) -> bool:
    """Whether Pod Security looks at an update again (Kubernetes: a container changed other than its image)."""
    def containers(pod):
        copied = types_pb2.PodSpec()
        copied.containers.extend(pod.spec.containers)
        copied.init_containers.extend(pod.spec.init_containers)
        for c in [*copied.containers, *copied.init_containers]:
            c.image = ""
        return copied
    return containers(new) != containers(old)


def template_pod(obj: Message) -> types_pb2.Pod | None:
    """The pod a workload's template stands for (Deployment, ReplicaSet), or None for other kinds."""
    template = getattr(getattr(obj, "spec", None), "template", None)
    if not isinstance(template, types_pb2.PodTemplateSpec):
        return None
    return types_pb2.Pod(metadata=template.metadata, spec=template.spec)


class Admission:
    """`mutate` before validation (creates), `validate` after it (creates and updates)."""

    def __init__(self, lookup: Lookup, cached: Cached,
                 objects_in: Callable[[kinds.Kind, str], Iterable[Message]] = lambda kind, ns: (),
                 custom_store: JsonStore | None = None):
        self._lookup = lookup
        self._cached = cached
        # (kind, namespace) -> its objects of that kind, from the watch cache ("": a cluster-scoped kind's)
        self._objects_in = objects_in
        # The API server's authorizer, for plugins that ask it (CertificateApproval); None allows everything.
        self.authorize: csr_admission.Authorize = lambda user, attrs: ALLOW
        # custom resources (a policy's params may be one) are read from etcd by `prefetch`, before the chain
        self._policies = vap_hook.PolicyHook(cached, objects_in,
                                             customparams.CustomParams(custom_store) if custom_store else None)
        # the API server reaches webhook pods through their agents when it has them (service.py sets the tunnel)
        self.webhooks = webhooks.Webhooks(cached, objects_in)

    def _in(self, kind_name: str, namespace: str = "") -> Iterable[Message]:
        return self._objects_in(kinds.BY_NAME[kind_name], namespace)

    # ------------------------------------------------------------ mutating

    async def mutate(self, obj: Message) -> None:
        if isinstance(obj, types_pb2.Pod):
            refusal = runtimeclass.admit(obj, await self._runtime_class(obj))
            if refusal:
                raise errors.Forbidden(f'pods "{obj.metadata.name}" is forbidden: {refusal}')
            await self._service_account(obj)
            await self._priority(obj)
            # Kubernetes' LimitRanger, on create only: a pod's containers cannot change afterwards.
            for lr in self._in("LimitRange", obj.metadata.namespace):
                limitranger.set_defaults(obj, lr)
        elif isinstance(obj, types_pb2.PersistentVolumeClaim):
            self._default_storage_class(obj)

    async def mutate_by_webhooks(self, operation: str, obj: Message, old: Message | None, subresource: str = "",
                                 dry_run: bool = False) -> Message:
        """The object as the mutating webhooks leave it (`obj` itself when none changed it)."""
        if not self._webhooks_may_apply(webhooks.MUTATING, operation, obj, old, subresource):
            return obj
        req = replace(vap_hook.request_of(operation, obj, old, subresource, current_user.get()), dry_run=dry_run)
        changed, outcome = await self.webhooks.mutate(req)
        self._note_outcome(outcome)
        if changed is None:
            return obj
        try:
            mutated, _ = manifest.from_dict(changed)
        except errors.ApiError as e:  # a patch that made the object something else, or broke its fields
            raise errors.Internal(f"Internal error occurred: the object a mutating webhook returned is not "
                                  f"valid: {e}") from None
        if kinds.of(mutated) != kinds.of(obj):
            raise errors.Internal("Internal error occurred: a mutating webhook changed the kind of the object")
        return mutated

    def _webhooks_may_apply(self, kind_name: str, operation: str, obj: Message | None, old: Message | None,
                            subresource: str) -> bool:
        """Whether any webhook's rules match, judged before the objects are turned into JSON (a pod's status
        updates pass here often, and few webhooks ask for them)."""
        if not self.webhooks.configured(kind_name):
            return False
        light = vap_hook.request_of(operation, obj, old, subresource, None, with_objects=False)
        return self.webhooks.any_rule_matches(kind_name, light)

    def calls_validating_webhooks(self) -> bool:
        """Whether any ValidatingWebhookConfiguration exists (a delete reads its object only then)."""
        return self.webhooks.configured(webhooks.VALIDATING)

    async def validate_by_webhooks(self, operation: str, obj: Message | None, old: Message | None,
                                   subresource: str = "", dry_run: bool = False) -> None:
        """The validating webhooks, after every other validating plugin (they are the slowest)."""
        if not self._webhooks_may_apply(webhooks.VALIDATING, operation, obj, old, subresource):
            return
        req = replace(vap_hook.request_of(operation, obj, old, subresource, current_user.get()), dry_run=dry_run)
        self._note_outcome(await self.webhooks.validate(req))

    async def _runtime_class(self, pod: types_pb2.Pod) -> types_pb2.RuntimeClass | None:
        """The pod's RuntimeClass (None when it names none); Forbidden when it names one that does not exist."""
        if not pod.spec.HasField("runtime_class_name"):
            return None
        name, kind = pod.spec.runtime_class_name, kinds.BY_NAME["RuntimeClass"]
        rc = self._cached(kind, "", name) or await self._lookup(kind, "", name)  # the cache may lag a new class
        if rc is None:
            raise errors.Forbidden(f'pods "{pod.metadata.name}" is forbidden: {runtimeclass.not_found(name)}')
        return rc

    def _default_storage_class(self, pvc: types_pb2.PersistentVolumeClaim) -> None:
        """Kubernetes' DefaultStorageClass: only a claim that names no class at all (not `""`) gets one."""
        if pvc.spec.HasField("storage_class_name"):
            return
        name = storage.default_class(self._in("StorageClass"))
        if name is not None:
            pvc.spec.storage_class_name = name

    async def _priority(self, pod: types_pb2.Pod) -> None:
        """Kubernetes' Priority admission on a pod's create: the priority and policy of the class it names, or of
        the globalDefault class; a class that does not exist, or values that differ from the class's, refused."""
        named = pod.spec.priority_class_name
        if named:
            kind = kinds.BY_NAME["PriorityClass"]
            # the cache may lag a class just made: ask etcd before refusing
            pc = self._cached(kind, "", named)
            if pc is None:
                pc = await self._lookup(kind, "", named)
            refusal = "" if pc is not None else priority_admission.unknown_class(named)
        else:
            pc = priority.default_class(self._in("PriorityClass"))
            refusal = ""
        refusal = refusal or priority_admission.resolve(pod, pc)
        if refusal:
            raise errors.Forbidden(f'pods "{pod.metadata.name}" is forbidden: {refusal}')

    async def _service_account(self, pod: types_pb2.Pod) -> None:
        named = pod.spec.service_account_name
        if not named:
            pod.spec.service_account_name = pod.spec.service_account = tokenvolume.DEFAULT_ACCOUNT
        namespace, name = pod.metadata.namespace, pod.spec.service_account_name
        kind = kinds.BY_NAME["ServiceAccount"]
        account = self._cached(kind, namespace, name)
        if account is None and named:  # the cache may lag an account just made: ask etcd before refusing
            account = await self._lookup(kind, namespace, name)
        if account is None:
            if named:
                raise errors.Forbidden(f'pods "{pod.metadata.name}" is forbidden: error looking up service '
                                       f'account {namespace}/{name}: serviceaccount "{name}" not found')
            # `default` is made by the controller manager's serviceaccount controller right after the
            # namespace: a pod faster than it runs without a token rather than being refused.
            return
        if tokenvolume.should_automount(account, pod):
            tokenvolume.mount_token(pod)

    # ------------------------------------------------------------ validating

    async def prefetch(self, kind: kinds.Kind, namespace: str) -> None:
        """Before a create, update or delete of `kind` in `namespace`: what the synchronous `validate` needs
        that no watch cache holds (custom-resource parameters of ValidatingAdmissionPolicies)."""
        await self._policies.prefetch(namespace if kind.namespaced else "")

    def validate(self, operation: str, obj: Message, old: Message | None, subresource: str = "") -> None:
        """Forbidden when a plugin refuses; warnings and audit notes go to the request's context."""
        if isinstance(obj, types_pb2.Node):
            refusal = node_restriction.node_addresses_owner(current_user.get(), obj, old)
            if refusal:
                raise errors.Forbidden(refusal)
        elif isinstance(obj, types_pb2.Pod):
            # An ephemeral container is judged as the pod's own are (`kubectl debug` cannot get round the level).
            if operation == CREATE or subresource == "ephemeralcontainers" or \
                    (not subresource and significant_pod_update(obj, old)):
                self._pod_security(obj, enforce=True)
            if operation == CREATE and not subresource:
                name = obj.spec.runtime_class_name if obj.spec.HasField("runtime_class_name") else ""
                rc = self._cached(kinds.BY_NAME["RuntimeClass"], "", name) if name else None
                refusal = runtimeclass.validate(obj, rc) if rc is not None or not name else None
                if refusal:
                    raise errors.Forbidden(f'pods "{obj.metadata.name}" is forbidden: {refusal}')
            if operation == CREATE:
                self._limit_ranges(obj, "pods", limitranger.pod_violations)
                _note(response_warnings, podwarnings.deprecated_annotations(obj.metadata))
        elif isinstance(obj, types_pb2.PersistentVolumeClaim):
            if not subresource:
                self._limit_ranges(obj, "persistentvolumeclaims", limitranger.claim_violations)
            if old is not None and not subresource:
                self._claim_resize(obj, old)
        elif isinstance(obj, types_pb2.PersistentVolume):
            refusal = node_restriction.node_volume_change(current_user.get(), obj, old)
            if refusal:
                raise errors.Forbidden(refusal)
        elif isinstance(obj, types_pb2.Namespace):
            if old is not None and not subresource:
                self._new_enforce_level(obj, old)
        elif isinstance(obj, types_pb2.CertificateSigningRequest):
            self._certificate_signing_request(operation, obj, old, subresource)
        elif isinstance(obj, types_pb2.PriorityClass):
            refusal = priority_admission.second_default(obj, operation == CREATE, self._in("PriorityClass"))
            if refusal:
                raise errors.Forbidden(f'priorityclasses.scheduling.k8s.io "{obj.metadata.name}" is forbidden: '
                                       f'{refusal}')
        elif subresource == "":
            pod = template_pod(obj)
            if pod is not None and (old is None or template_pod(old) != pod):
                self._pod_security(pod, enforce=False, namespace=obj.metadata.namespace)
                _note(response_warnings, podwarnings.deprecated_annotations(pod.metadata, "spec.template."))
        # Kubernetes runs ValidatingAdmissionPolicy after the built-in validating plugins (before webhooks).
        self._validating_policies(operation, obj, old, subresource)

    def validate_delete(self, old: Message) -> None:
        """A delete of the stored `old`: no built-in plugin here judges deletes, the policies do."""
        self._validating_policies("delete", None, old, "")

    async def validate_custom(self, operation: str, resource, obj: dict | None, old: dict | None,
                              subresource: str = "", dry_run: bool = False) -> None:
        """A write of a custom resource (`resource`: its CRD's crd.definitions.Resource; `obj` None on a delete):
        no built-in plugin knows its kind, the policies and the validating webhooks judge it."""
        meta = (obj if obj is not None else old).get("metadata") or {}
        await self._policies.prefetch(meta.get("namespace", ""))
        req = vap_hook.custom_request(operation, resource.group, resource.version, resource.plural, resource.kind,
                                      obj, old, subresource, current_user.get())
        self._note_outcome(self._policies.judge(req, resource.qualified))
        if self.webhooks.configured(webhooks.VALIDATING):
            self._note_outcome(await self.webhooks.validate(replace(req, dry_run=dry_run)))

    def _validating_policies(self, operation: str, obj: Message | None, old: Message | None, subresource: str) -> None:
        self._note_outcome(self._policies(operation, obj, old, subresource, current_user.get()))

    @staticmethod
    def _note_outcome(outcome) -> None:
        _note(response_warnings, outcome.warnings)
        _note(audit_annotations, outcome.annotations)
        if outcome.refusal is not None:
            raise outcome.refusal

    def _certificate_signing_request(self, operation: str, csr, old, subresource: str) -> None:
        """CertificateSubjectRestriction on create, CertificateApproval on /approval, CertificateSigning on /status."""
        if operation == CREATE:
            refusal = csr_admission.subject_restriction(csr)
        elif subresource == "approval":
            refusal = csr_admission.approval_refusal(self.authorize, current_user.get(), csr)
        elif subresource == "status":
            refusal = csr_admission.signing_refusal(self.authorize, current_user.get(), csr, old)
        else:
            refusal = ""
        if refusal:
            raise errors.Forbidden(f'certificatesigningrequests.certificates.k8s.io "{csr.metadata.name}" is '
                                   f'forbidden: {refusal}')

    def _limit_ranges(self, obj: Message, plural: str, violations) -> None:
        """Kubernetes' LimitRanger validation: Forbidden naming every bound of every LimitRange it breaks."""
        problems = [p for lr in self._in("LimitRange", obj.metadata.namespace) for p in violations(lr, obj)]
        if problems:
            raise errors.Forbidden(limitranger.refusal(plural, obj.metadata.name, problems))

    def _claim_resize(self, new: types_pb2.PersistentVolumeClaim, old: types_pb2.PersistentVolumeClaim) -> None:
        """Kubernetes' PersistentVolumeClaimResize: a claim grows only if its class allows volume expansion."""
        if storage.requested_bytes(new) <= storage.requested_bytes(old):
            return
        classes = {sc.metadata.name: sc for sc in self._in("StorageClass")}
        sc = classes.get(storage.claim_class(new))
        if sc is None or not sc.allow_volume_expansion:
            raise errors.Forbidden(f'persistentvolumeclaims "{new.metadata.name}" is forbidden: only dynamically '
                                   f"provisioned pvc can be resized and the storageclass that provisions the pvc "
                                   f"must support resize")

    def _new_enforce_level(self, new: types_pb2.Namespace, old: types_pb2.Namespace) -> None:
        """A namespace whose enforce level tightens warns about the pods already in it (none is stopped)."""
        level = podsecurity.levels(new.metadata.labels)["enforce"]
        if level == "privileged" or level == podsecurity.levels(old.metadata.labels)["enforce"]:
            return
        _note(response_warnings, podsecurity.existing_pod_warnings(new.metadata.name, level,
                                                                   self._in("Pod", new.metadata.name)))

    def _pod_security(self, pod: types_pb2.Pod, enforce: bool, namespace: str = "") -> None:
        """Pods are refused by the namespace's enforce level; workload templates are only warned about
        and audited, as Kubernetes' pod-security admission does."""
        ns = self._cached(kinds.NAMESPACE, "", namespace or pod.metadata.namespace or "default")
        refusal, warnings, audits = podsecurity.evaluate(pod, ns.metadata.labels if ns else {})
        if refusal and enforce:
            raise errors.Forbidden(refusal)
        _note(response_warnings, warnings)
        _note(audit_annotations, audits)
