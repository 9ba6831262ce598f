"""The columns each kind prints, as kubectl shows them, as pure functions of an object: one copy for
`skiff get` and for the REST API's Table responses (`kubectl get`). Headers, a row function, `-o wide` extras.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from google.protobuf.message import Message

from api import certificates, meta, priority, selectors, storage
from api.age import age, human_duration
from api.podstatus import pod_status, ready_count, restarts

NONE = "<none>"
ROLE_PREFIX = "node-role.kubernetes.io/"
MAX_ENDPOINTS = 3


class Columns(NamedTuple):
    headers: tuple[str, ...]
    row: Callable[[Message, datetime], list[str]]
    wide_headers: tuple[str, ...] = ()
    wide_row: Callable[[Message], list[str]] = lambda obj: []


def _name(obj: Message) -> str:
    return obj.metadata.name


def _age(obj: Message, now: datetime) -> str:
    return age(obj.metadata.creation_timestamp, now)


# ---------------------------------------------------------------- pods and nodes

def _pod_row(pod, now):
    return [_name(pod), ready_count(pod), pod_status(pod), str(restarts(pod)), _age(pod, now)]


def _pod_wide(pod):
    return [pod.status.pod_ip or NONE, pod.spec.node_name or NONE, pod.status.nominated_node_name or NONE,
            readiness_gates(pod)]


def readiness_gates(pod) -> str:
    """kubectl's READINESS GATES: how many of the pod's gates have a True condition, of how many."""
    gates = pod.spec.readiness_gates
    if not gates:
        return NONE
    true = {c.type for c in pod.status.conditions if c.status == "True"}
    return f"{sum(g.condition_type in true for g in gates)}/{len(gates)}"


def node_status(node) -> str:
    """As kubectl: Ready when the Ready condition is True, NotReady when it is False or Unknown (a lost
    node), Unknown without one; plus `,SchedulingDisabled` when cordoned."""
    ready = next((c.status for c in node.status.conditions if c.type == "Ready"), "")
    status = "Ready" if ready == "True" else "NotReady" if ready else "Unknown"
    return status + (",SchedulingDisabled" if node.spec.unschedulable else "")


def node_roles(node) -> str:
    roles = sorted(k[len(ROLE_PREFIX):] for k in node.metadata.labels if k.startswith(ROLE_PREFIX))
    return ",".join(r for r in roles if r) or NONE


def _node_address(node, type_: str) -> str:
    return next((a.address for a in node.status.addresses if a.type == type_), NONE)


def _node_row(node, now):
    return [_name(node), node_status(node), node_roles(node), _age(node, now),
            node.status.node_info.kubelet_version or NONE]


def _node_wide(node):
    info = node.status.node_info
    return [_node_address(node, "InternalIP"), _node_address(node, "ExternalIP"),
            info.os_image or "<unknown>", info.kernel_version or "<unknown>",
            info.container_runtime_version or "<unknown>"]


# ---------------------------------------------------------------- workloads

def _template_wide(obj):
    containers = obj.spec.template.spec.containers
    from api import selectors  # only -o wide needs it; `skiff get` starts quicker without
    return [",".join(c.name for c in containers) or NONE, ",".join(c.image for c in containers) or NONE,
            str(selectors.of_spec(obj.spec)) or NONE]


def _rs_row(rs, now):
    return [_name(rs), str(rs.spec.replicas), str(rs.status.replicas), str(rs.status.ready_replicas),
            _age(rs, now)]


def _deploy_row(d, now):
    return [_name(d), f"{d.status.ready_replicas}/{d.spec.replicas}", str(d.status.updated_replicas),
            str(d.status.available_replicas), _age(d, now)]


def job_status(job) -> str:
    """kubectl's STATUS of a Job: its terminal condition, else Terminating, Suspended, ..., Running."""
    true = {c.type for c in job.status.conditions if c.status == "True"}
    if "Complete" in true:
        return "Complete"
    if "Failed" in true:
        return "Failed"
    if job.metadata.deletion_timestamp:
        return "Terminating"
    for condition in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if condition in true:
            return condition
    return "Running"


def job_completions(job) -> str:
    """`succeeded/completions`; without completions (a work queue) `n/1`, or `n/1 of parallelism`."""
    spec, succeeded = job.spec, job.status.succeeded
    if spec.HasField("completions"):
        return f"{succeeded}/{spec.completions}"
    if spec.parallelism > 1:
        return f"{succeeded}/1 of {spec.parallelism}"
    return f"{succeeded}/1"


def job_duration(job, now: datetime) -> str:
    start = meta.parse_time(job.status.start_time)
    if start is None:
        return ""
    end = meta.parse_time(job.status.completion_time) or now
    return human_duration(end - start)


def _job_row(job, now):
    return [_name(job), job_status(job), job_completions(job), job_duration(job, now), _age(job, now)]


def _cron_job_row(cj, now):
    spec = cj.spec
    last = age(cj.status.last_schedule_time, now) if cj.status.last_schedule_time else NONE
    suspend = str(spec.suspend) if spec.HasField("suspend") else "<unset>"
    return [_name(cj), spec.schedule, spec.time_zone if spec.HasField("time_zone") else NONE, suspend,
            str(len(cj.status.active)), last, _age(cj, now)]


def _cron_job_wide(cj):
    job_spec = cj.spec.job_template.spec
    containers = job_spec.template.spec.containers
    selector = NONE
    if job_spec.HasField("selector"):
        from api import selectors
        selector = str(selectors.from_match(job_spec.selector.match_labels, job_spec.selector.match_expressions))
    return [",".join(c.name for c in containers) or NONE, ",".join(c.image for c in containers) or NONE,
            selector or NONE]


def _sts_row(sts, now):
    return [_name(sts), f"{sts.status.ready_replicas}/{sts.spec.replicas}", _age(sts, now)]


def _sts_wide(sts):
    containers = sts.spec.template.spec.containers
    return [",".join(c.name for c in containers) or NONE, ",".join(c.image for c in containers) or NONE]


def _ds_row(ds, now):
    s = ds.status
    selector = ",".join(f"{k}={v}" for k, v in sorted(ds.spec.template.spec.node_selector.items())) or NONE
    return [_name(ds), str(s.desired_number_scheduled), str(s.current_number_scheduled), str(s.number_ready),
            str(s.updated_number_scheduled), str(s.number_available), selector, _age(ds, now)]


# ---------------------------------------------------------------- services and endpoints

def service_ports(svc) -> str:
    parts = []
    for p in svc.spec.ports:
        port = f"{p.port}:{p.node_port}" if p.node_port else str(p.port)
        parts.append(f"{port}/{p.protocol or 'TCP'}")
    return ",".join(parts) or NONE


def load_balancer_addresses(status, wide: bool = False) -> str:
    """status.loadBalancer.ingress as kubectl prints it: IPs or host names, cut to 16 characters unless wide."""
    text = ",".join(entry.ip or entry.hostname for entry in status.ingress if entry.ip or entry.hostname)
    if not wide and len(text) > 16:
        text = text[:13] + "..."
    return text


def service_external_ip(svc, wide: bool = False) -> str:
    """kubectl's EXTERNAL-IP: externalIPs, plus a LoadBalancer's addresses or <pending> until it has one; an
    ExternalName Service's name."""
    spec = svc.spec
    if spec.type == "ExternalName":
        return spec.external_name
    external = ",".join(spec.external_ips)
    if spec.type != "LoadBalancer":
        return external or NONE
    addresses = load_balancer_addresses(svc.status.load_balancer, wide)
    if external:
        return ",".join(x for x in (external, addresses) if x)
    return addresses or "<pending>"


def _svc_row(svc, now):
    spec = svc.spec
    external = service_external_ip(svc)
    return [_name(svc), spec.type or "ClusterIP", spec.cluster_ip or NONE, external, service_ports(svc),
            _age(svc, now)]


def _svc_wide(svc):
    return [",".join(f"{k}={v}" for k, v in sorted(svc.spec.selector.items())) or NONE]


def endpoints_text(ep) -> str:
    """`10.244.1.2:80,10.244.2.3:80 + 2 more...`, as kubectl shortens it."""
    found = []
    for subset in ep.subsets:
        ports = [p.port for p in subset.ports] or [None]
        for address in subset.addresses:
            for port in ports:
                found.append(address.ip if port is None else f"{address.ip}:{port}")
    if not found:
        return NONE
    shown = ",".join(found[:MAX_ENDPOINTS])
    extra = len(found) - MAX_ENDPOINTS
    return shown + (f" + {extra} more..." if extra > 0 else "")


def _ep_row(ep, now):
    return [_name(ep), endpoints_text(ep), _age(ep, now)]


# ---------------------------------------------------------------- the rest

def _ns_row(ns, now):
    return [_name(ns), ns.status.phase or "Active", _age(ns, now)]


def event_time(ev) -> str:
    """The moment an event last happened: lastTimestamp, else eventTime, else its creation."""
    return ev.last_timestamp or ev.event_time or ev.metadata.creation_timestamp


def event_object(ev) -> str:
    ref = ev.involved_object
    return f"{ref.kind.lower()}/{ref.name}" if ref.kind else ref.name


def _event_row(ev, now):
    return [age(event_time(ev), now), ev.type or "Normal", ev.reason, event_object(ev), ev.message]


def _lease_row(lease, now):
    return [_name(lease), lease.spec.holder_identity or NONE, _age(lease, now)]


def _config_map_row(cm, now):
    return [_name(cm), str(len(cm.data) + len(cm.binary_data)), _age(cm, now)]


def _secret_row(secret, now):
    return [_name(secret), secret.type or "Opaque", str(len(secret.data)), _age(secret, now)]


# ---------------------------------------------------------------- ingress

MAX_HOSTS = 3


def ingress_hosts(ing) -> str:
    hosts = [rule.host for rule in ing.spec.rules if rule.host]
    if not hosts:
        return "*"
    shown = ",".join(hosts[:MAX_HOSTS])
    return shown + (f" + {len(hosts) - MAX_HOSTS} more..." if len(hosts) > MAX_HOSTS else "")


def _ingress_row(ing, now):
    spec = ing.spec
    class_name = spec.ingress_class_name if spec.HasField("ingress_class_name") else NONE
    return [_name(ing), class_name, ingress_hosts(ing), load_balancer_addresses(ing.status.load_balancer),
            "80, 443" if spec.tls else "80", _age(ing, now)]


def _priority_class_row(pc, now):
    return [_name(pc), str(pc.value), "true" if pc.global_default else "false", _age(pc, now),
            priority.preemption_policy(pc)]


def _policy_row(p, now):
    kind = p.spec.param_kind
    shown = f"{kind.api_version}/{kind.kind}" if p.spec.HasField("param_kind") else "<unset>"
    return [_name(p), str(len(p.spec.validations)), shown, _age(p, now)]


def _policy_binding_row(b, now):
    """PARAMREF as kubectl prints it: namespace/name, */name for no namespace, or the selector."""
    shown = "<unset>"
    if b.spec.HasField("param_ref"):
        ref = b.spec.param_ref
        if ref.name:
            shown = f"{ref.namespace or '*'}/{ref.name}"
        elif ref.HasField("selector"):
            shown = str(selectors.from_match(ref.selector.match_labels, ref.selector.match_expressions)) or "<all>"
    return [_name(b), b.spec.policy_name, shown, _age(b, now)]


def _ingress_class_row(cls, now):
    params = cls.spec.parameters
    shown = NONE
    if params.kind:
        group = f".{params.api_group}" if params.HasField("api_group") and params.api_group else ""
        shown = f"{params.kind}{group}/{params.name}"
    return [_name(cls), cls.spec.controller, shown, _age(cls, now)]


def hpa_targets(hpa, shown: int = 2) -> str:
    """kubectl's TARGETS: `cpu: 73%/50%` per metric, current (or <unknown>) over target."""
    specs, statuses = hpa.spec.metrics, hpa.status.current_metrics
    if not specs:
        return NONE
    items = []
    for i, spec in enumerate(specs):
        status = statuses[i] if i < len(statuses) else None
        current = "<unknown>"
        if spec.type == "Resource":
            target = spec.resource.target
            if target.average_value:
                if status is not None and status.resource.current.average_value:
                    current = status.resource.current.average_value
                items.append(f"{spec.resource.name}: {current}/{target.average_value}")
            else:
                if status is not None and status.resource.current.HasField("average_utilization"):
                    current = f"{status.resource.current.average_utilization}%"
                wanted = f"{target.average_utilization}%" if target.HasField("average_utilization") else "<auto>"
                items.append(f"{spec.resource.name}: {current}/{wanted}")
        elif spec.type == "Pods":
            if status is not None and status.pods.current.average_value:
                current = status.pods.current.average_value
            items.append(f"{current}/{spec.pods.target.average_value}")
        elif spec.type == "Object":
            target = spec.object.target
            if target.average_value:
                if status is not None and status.object.current.average_value:
                    current = status.object.current.average_value
                items.append(f"{current}/{target.average_value} (avg)")
            else:
                if status is not None and status.object.current.value:
                    current = status.object.current.value
                items.append(f"{current}/{target.value}")
        else:
            items.append("<unknown>")
    text = ", ".join(items[:shown])
    return f"{text} + {len(items) - shown} more..." if len(items) > shown else text


def _hpa_row(hpa, now):
    ref = hpa.spec.scale_target_ref
    return [_name(hpa), f"{ref.kind}/{ref.name}", hpa_targets(hpa),
            str(hpa.spec.min_replicas) if hpa.spec.HasField("min_replicas") else "<unset>",
            str(hpa.spec.max_replicas), str(hpa.status.current_replicas), _age(hpa, now)]


def _network_policy_row(policy, now):
    from api import selectors  # lazily, as the other selector columns: `skiff get` starts quicker without
    selector = policy.spec.pod_selector
    shown = str(selectors.from_match(selector.match_labels, selector.match_expressions))
    return [_name(policy), shown or NONE, _age(policy, now)]  # metav1.FormatLabelSelector


def _pdb_row(pdb, now):
    spec = pdb.spec

    def shown(field):  # kubectl's printer: N/A for the one not set
        value = getattr(spec, field)
        which = value.WhichOneof("value") if spec.HasField(field) else None
        return str(getattr(value, which)) if which else "N/A"
    return [_name(pdb), shown("min_available"), shown("max_unavailable"), str(pdb.status.disruptions_allowed),
            _age(pdb, now)]


# ---------------------------------------------------------------- storage

def _pv_row(pv, now):
    claim = f"{pv.spec.claim_ref.namespace}/{pv.spec.claim_ref.name}" if pv.spec.HasField("claim_ref") else ""
    phase = "Terminating" if pv.metadata.deletion_timestamp else pv.status.phase
    attributes = pv.spec.volume_attributes_class_name if pv.spec.HasField("volume_attributes_class_name") \
        else "<unset>"
    return [_name(pv), pv.spec.capacity.get("storage", ""), storage.access_modes_text(pv.spec.access_modes),
            pv.spec.persistent_volume_reclaim_policy, phase, claim, pv.spec.storage_class_name, attributes,
            pv.status.reason, _age(pv, now)]


def _volume_mode(obj) -> list[str]:
    return [obj.spec.volume_mode if obj.spec.HasField("volume_mode") else "<unset>"]


def _pvc_row(pvc, now):
    phase = "Terminating" if pvc.metadata.deletion_timestamp else pvc.status.phase
    attributes = pvc.spec.volume_attributes_class_name if pvc.spec.HasField("volume_attributes_class_name") \
        else "<unset>"
    capacity = modes = ""
    if pvc.spec.volume_name:  # as kubectl: what the bound volume gives, not what was asked
        capacity = pvc.status.capacity.get("storage", "")
        modes = storage.access_modes_text(pvc.status.access_modes)
    return [_name(pvc), phase, pvc.spec.volume_name, capacity, modes, storage.claim_class(pvc), attributes,
            _age(pvc, now)]


def _sc_row(sc, now):
    name = _name(sc) + (" (default)" if storage.is_default_class(sc) else "")
    return [name, sc.provisioner, sc.reclaim_policy if sc.HasField("reclaim_policy") else "Delete",
            storage.binding_mode(sc), "true" if sc.allow_volume_expansion else "false", _age(sc, now)]


def _quota_row(rq, now):
    # kubectl: every resource of status.hard as "name: used/hard", limits.* under LIMIT, the rest under REQUEST
    cells: dict[bool, list[str]] = {False: [], True: []}
    for name in sorted(rq.status.hard):
        used = rq.status.used.get(name, "0")
        cells[name.startswith("limits.")].append(f"{name}: {used}/{rq.status.hard[name]}")
    return [_name(rq), _age(rq, now), ", ".join(cells[False]), ", ".join(cells[True])]


def _revision_row(cr, now):
    # kubectl's printer: the controller as lower-case Kind.group/name ("daemonset.apps/web").
    ref = next((r for r in cr.metadata.owner_references if r.controller), None)
    owner = NONE
    if ref is not None:
        group = ref.api_version.split("/")[0] if "/" in ref.api_version else ""
        owner = f"{ref.kind}.{group}".lower().rstrip(".") + f"/{ref.name}"
    return [_name(cr), owner, str(cr.revision), _age(cr, now)]


def _csr_row(csr, now):
    return [_name(csr), _age(csr, now), csr.spec.signer_name, csr.spec.username,
            certificates.requested_duration(csr), certificates.condition_text(csr)]


COLUMNS: dict[str, Columns] = {
    "Pod": Columns(("NAME", "READY", "STATUS", "RESTARTS", "AGE"), _pod_row, ("IP", "NODE", "NOMINATED NODE",
                                                                                  "READINESS GATES"),
                   _pod_wide),
    "Node": Columns(("NAME", "STATUS", "ROLES", "AGE", "VERSION"), _node_row,
                    ("INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"),
                    _node_wide),
    "ReplicaSet": Columns(("NAME", "DESIRED", "CURRENT", "READY", "AGE"), _rs_row,
                          ("CONTAINERS", "IMAGES", "SELECTOR"), _template_wide),
    "ReplicationController": Columns(("NAME", "DESIRED", "CURRENT", "READY", "AGE"), _rs_row,
                                     ("CONTAINERS", "IMAGES", "SELECTOR"), _template_wide),
    "Deployment": Columns(("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"), _deploy_row,
                          ("CONTAINERS", "IMAGES", "SELECTOR"), _template_wide),
    "Job": Columns(("NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"), _job_row,
                   ("CONTAINERS", "IMAGES", "SELECTOR"), _template_wide),
    "StatefulSet": Columns(("NAME", "READY", "AGE"), _sts_row, ("CONTAINERS", "IMAGES"), _sts_wide),
    "CronJob": Columns(("NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"), _cron_job_row,
                       ("CONTAINERS", "IMAGES", "SELECTOR"), _cron_job_wide),
    "DaemonSet": Columns(("NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"),
                         _ds_row, ("CONTAINERS", "IMAGES", "SELECTOR"), _template_wide),
    "Service": Columns(("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"), _svc_row,
                       ("SELECTOR",), _svc_wide),
    "Endpoints": Columns(("NAME", "ENDPOINTS", "AGE"), _ep_row),
    "Namespace": Columns(("NAME", "STATUS", "AGE"), _ns_row),
    "Event": Columns(("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"), _event_row),
    "Lease": Columns(("NAME", "HOLDER", "AGE"), _lease_row),
    "ConfigMap": Columns(("NAME", "DATA", "AGE"), _config_map_row),
    "Secret": Columns(("NAME", "TYPE", "DATA", "AGE"), _secret_row),
    "HorizontalPodAutoscaler": Columns(("NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"),
                                       _hpa_row),
    "Ingress": Columns(("NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"), _ingress_row),
    "NetworkPolicy": Columns(("NAME", "POD-SELECTOR", "AGE"), _network_policy_row),
    "IngressClass": Columns(("NAME", "CONTROLLER", "PARAMETERS", "AGE"), _ingress_class_row),
    "PersistentVolume": Columns(("NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM",
                                 "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"), _pv_row,
                                ("VOLUMEMODE",), _volume_mode),
    "PersistentVolumeClaim": Columns(("NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS",
                                      "VOLUMEATTRIBUTESCLASS", "AGE"), _pvc_row, ("VOLUMEMODE",), _volume_mode),
    "RuntimeClass": Columns(("NAME", "HANDLER", "AGE"), lambda rc, now: [_name(rc), rc.handler, _age(rc, now)]),
    "StorageClass": Columns(("NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION",
                             "AGE"), _sc_row),
    "ValidatingAdmissionPolicy": Columns(("NAME", "VALIDATIONS", "PARAMKIND", "AGE"), _policy_row),
    "ValidatingAdmissionPolicyBinding": Columns(("NAME", "POLICYNAME", "PARAMREF", "AGE"), _policy_binding_row),
    "ValidatingWebhookConfiguration": Columns(("NAME", "WEBHOOKS", "AGE"),
                                              lambda c, now: [_name(c), str(len(c.webhooks)), _age(c, now)]),
    "MutatingWebhookConfiguration": Columns(("NAME", "WEBHOOKS", "AGE"),
                                            lambda c, now: [_name(c), str(len(c.webhooks)), _age(c, now)]),
    "PriorityClass": Columns(("NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"), _priority_class_row),
    "PodDisruptionBudget": Columns(("NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"),
                                   _pdb_row),
    "ResourceQuota": Columns(("NAME", "AGE", "REQUEST", "LIMIT"), _quota_row),
    "ControllerRevision": Columns(("NAME", "CONTROLLER", "REVISION", "AGE"), _revision_row),
    "CertificateSigningRequest": Columns(("NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"),
                                         _csr_row),
    # kubectl prints a LimitRange's creation time itself, not its age
    "LimitRange": Columns(("NAME", "CREATED AT"), lambda obj, now: [_name(obj), obj.metadata.creation_timestamp]),
}
_DEFAULT = Columns(("NAME", "AGE"), lambda obj, now: [_name(obj), _age(obj, now)])


def columns_for(kind_name: str) -> Columns:
    return COLUMNS.get(kind_name, _DEFAULT)

