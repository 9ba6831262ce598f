"""Objects that `create deployment|job|cronjob|namespace|service` and `run` build from flags, as kubectl's
generators build them: pure functions from arguments to manifests.
"""
from __future__ import annotations

from cli.errors import CliError


def container_name(image: str) -> str:
    """`registry:5000/team/web:1.2@sha256:...` names its container `web`, as kubectl does."""
    base = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return base.split(":", 1)[0]


def deployment(name: str, images: list[str], replicas: int = 1, port: int = 0,
               command: list[str] | None = None, namespace: str = "") -> dict:
    if not images:
        raise CliError("required flag(s) \"image\" not set")
    labels = {"app": name}
    containers = []
    for i, image in enumerate(images):
        c: dict = {"name": container_name(image), "image": image}
        if command:
            c["command"] = list(command)
        if port and i == 0:
            c["ports"] = [{"containerPort": port}]
        containers.append(c)
    metadata = {"name": name, "labels": labels, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}}}}


def job(name: str, image: str, command: list[str] | None = None, namespace: str = "") -> dict:
    """As kubectl create job: one container named after the Job, restartPolicy Never."""
    container: dict = {"name": name, "image": image}
    if command:
        container["command"] = list(command)
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
            "spec": {"template": {"spec": {"containers": [container], "restartPolicy": "Never"}}}}


def cron_job(name: str, image: str, schedule: str, command: list[str] | None = None, restart: str = "OnFailure",
             namespace: str = "") -> dict:
    """As kubectl create cronjob: the job template named after the CronJob, one container named after it."""
    container: dict = {"name": name, "image": image}
    if command:
        container["command"] = list(command)
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    template = {"metadata": {"name": name}, "spec": {"template": {"spec": {
        "containers": [container], "restartPolicy": restart}}}}
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": metadata,
            "spec": {"schedule": schedule, "jobTemplate": template}}


MANUAL_INSTANTIATE = "cronjob.kubernetes.io/instantiate"  # kubectl's mark of a Job made from a CronJob by hand


def job_from_cron_job(name: str, cron_job: dict, uid: str, namespace: str = "") -> dict:
    """As kubectl create job --from=cronjob/X: the CronJob's job template, owned by (not blocking) the CronJob."""
    template = cron_job.get("spec", {}).get("jobTemplate", {})
    template_meta = template.get("metadata", {})
    metadata: dict = {"name": name, **({"namespace": namespace} if namespace else {}),
                      "annotations": {MANUAL_INSTANTIATE: "manual", **template_meta.get("annotations", {})},
                      "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob",
                                           "name": cron_job["metadata"]["name"], "uid": uid, "controller": True}]}
    if template_meta.get("labels"):
        metadata["labels"] = dict(template_meta["labels"])
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": template.get("spec", {})}


def label_selector(text: str) -> dict:
    """A LabelSelector in manifest form from `app=web,tier in (a,b)`, as metav1.ParseToLabelSelector:
    equalities become matchLabels, the rest matchExpressions. SelectorError when it does not parse."""
    from api import selectors
    out: dict = {}
    operators = {selectors.IN: "In", selectors.NOT_IN: "NotIn", selectors.NOT_EQUALS: "NotIn",
                 selectors.EXISTS: "Exists", selectors.DOES_NOT_EXIST: "DoesNotExist"}
    for rq in selectors.parse_label_selector(text).requirements:
        if rq.operator in (selectors.EQUALS, selectors.DOUBLE_EQUALS):
            out.setdefault("matchLabels", {})[rq.key] = rq.values[0]
        else:
            expression: dict = {"key": rq.key, "operator": operators[rq.operator]}
            if rq.values:
                expression["values"] = list(rq.values)
            out.setdefault("matchExpressions", []).append(expression)
    return out


def pod_disruption_budget(name: str, selector: str, min_available: str = "", max_unavailable: str = "",
                          namespace: str = "") -> dict:
    """As kubectl create poddisruptionbudget: a number stays an integer, `50%` a percentage."""
    spec: dict = {"selector": label_selector(selector)}
    for key, value in (("minAvailable", min_available), ("maxUnavailable", max_unavailable)):
        if value:
            spec[key] = value if value.endswith("%") else int(value)
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": metadata, "spec": spec}


def priority_class(name: str, value: int, description: str = "", global_default: bool = False,
                   preemption_policy: str = "PreemptLowerPriority") -> dict:
    """As kubectl create priorityclass (a cluster-scoped kind: no namespace)."""
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value, "globalDefault": global_default, "description": description,
            "preemptionPolicy": preemption_policy}


def namespace(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def service_port(spec: str, node_port: int = 0) -> dict:
    """`--tcp=80:8080` (port:targetPort) or `--tcp=443`, named as kubectl names them."""
    port_text, _, target_text = spec.partition(":")
    try:
        port = int(port_text)
        target = int(target_text) if target_text else port
    except ValueError:
        raise CliError(f"invalid --tcp {spec!r}: expected PORT or PORT:TARGET_PORT, e.g. 80:8080") from None
    out: dict = {"name": f"{port}-{target}" if target_text else str(port), "port": port, "protocol": "TCP",
                 "targetPort": target}
    if node_port:
        out["nodePort"] = node_port
    return out


def service(type_: str, name: str, tcp: list[str], node_port: int = 0, cluster_ip: str = "",
            namespace: str = "") -> dict:
    """`create service clusterip|nodeport NAME --tcp=...`: selects pods labelled app=NAME."""
    if not tcp and cluster_ip != "None":
        raise CliError("at least one --tcp port is required, e.g. --tcp=80:8080")
    labels = {"app": name}
    spec: dict = {"ports": [service_port(t, node_port if i == 0 else 0) for i, t in enumerate(tcp)],
                  "selector": labels, "type": type_}
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
    metadata = {"name": name, "labels": labels, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def env_vars(pairs: list[str]) -> list[dict]:
    """`--env KEY=VALUE` flags as a container's env."""
    out = []
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise CliError(f"invalid env: {pair} (expected KEY=VALUE)")
        out.append({"name": key, "value": value})
    return out


def pod(name: str, image: str, restart: str = "Always", env: list[str] | None = None,
        command: bool = False, args: list[str] | None = None, port: int = 0, labels: dict | None = None,
        stdin: bool = False, tty: bool = False, namespace: str = "") -> dict:
    """`skiff run NAME --image=...`: a pod labelled run=NAME; `--command -- CMD` sets the command,
    else the words after `--` are the image's arguments."""
    container: dict = {"name": name, "image": image}
    if args:
        container["command" if command else "args"] = list(args)
    if env:
        container["env"] = env_vars(env)
    if port:
        container["ports"] = [{"containerPort": port}]
    if stdin:
        container["stdin"] = True
    if tty:
        container["tty"] = True
    metadata = {"name": name, "labels": labels or {"run": name},
                **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": [container], "dnsPolicy": "ClusterFirst", "restartPolicy": restart}}


def _ingress_backend(text: str, flag: str) -> dict:
    """`svc:8080` or `svc:http`: a Service backend by port number or name."""
    name, sep, port = text.partition(":")
    if not name or not sep or not port:
        raise CliError(f"invalid {flag} {text!r}: expected SERVICE:PORT, e.g. web:80 or web:http")
    return {"service": {"name": name, "port": {"number": int(port)} if port.isdigit() else {"name": port}}}


def ingress(name: str, rules: list[str], class_name: str = "", default_backend: str = "",
            annotations: list[str] | None = None, namespace: str = "") -> dict:
    """`create ingress NAME --rule=host/path=svc:port[,tls[=secret]]` as kubectl builds it: a path ending in
    `*` is a Prefix, any other Exact; rules of one host share one entry; `tls` adds the host to a TLS entry."""
    by_host: dict[str, list[dict]] = {}
    tls: dict[str, list[str]] = {}
    for text in rules:
        route, _, options = text.partition(",")
        where, sep, backend = route.partition("=")
        host, slash, path = where.partition("/")
        if not sep or not slash:
            raise CliError(f"invalid --rule {text!r}: expected HOST/PATH=SERVICE:PORT[,tls[=SECRET]], "
                           f"e.g. foo.com/*=web:80")
        path = "/" + path
        path_type = "Prefix" if path.endswith("*") else "Exact"
        by_host.setdefault(host, []).append({"backend": _ingress_backend(backend, "--rule"),
                                             "path": path.rstrip("*") or "/", "pathType": path_type})
        if options:
            option, _, secret = options.partition("=")
            if option != "tls":
                raise CliError(f"invalid --rule {text!r}: the only option is tls or tls=SECRET")
            if host:
                tls.setdefault(secret, []).append(host)
    if not by_host and not default_backend:
        raise CliError("at least one --rule or a --default-backend is required")
    spec: dict = {}
    if default_backend:
        spec["defaultBackend"] = _ingress_backend(default_backend, "--default-backend")
    if class_name:
        spec["ingressClassName"] = class_name
    if by_host:
        spec["rules"] = [{**({"host": host} if host else {}), "http": {"paths": paths}}
                         for host, paths in by_host.items()]
    if tls:
        spec["tls"] = [{"hosts": hosts, **({"secretName": secret} if secret else {})} for secret, hosts in tls.items()]
    metadata: dict = {"name": name}
    if annotations:
        metadata["annotations"] = dict(pair.split("=", 1) for pair in annotations)
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata, "spec": spec}
