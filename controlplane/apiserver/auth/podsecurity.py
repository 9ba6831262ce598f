"""Pod Security Standards (baseline, restricted) as Kubernetes' pod-security admission checks them,
with its words: each check returns "name (detail)" for a pod that violates it, or nothing.

Pure functions of the pod spec; the namespace's `pod-security.kubernetes.io/<mode>` labels pick the level.
"""
from __future__ import annotations

from collections.abc import Callable

from proto import types_pb2

LEVELS = ("privileged", "baseline", "restricted")
MODES = ("enforce", "warn", "audit")
LABEL_PREFIX = "pod-security.kubernetes.io/"
# What baseline lets a container add (the container runtime's defaults).
BASELINE_CAPABILITIES = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                         "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
RESTRICTED_VOLUMES = ("config_map", "csi", "downward_api", "empty_dir", "ephemeral", "persistent_volume_claim",
                      "projected", "secret")
VOLUME_NAMES = {"host_path": "hostPath", "nfs": "nfs", "iscsi": "iscsi", "gce_persistent_disk": "gcePersistentDisk"}


def _containers(pod: types_pb2.Pod):
    return [*pod.spec.init_containers, *pod.spec.containers, *pod.spec.ephemeral_containers]


def _quote(names) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _who(names, singular: str = "container") -> str:
    return f"{singular}s {_quote(names)}" if len(names) > 1 else f"{singular} {_quote(names)}"


def _must(names, verb_singular: str, verb_plural: str) -> str:
    return verb_plural if len(names) > 1 else verb_singular


# ---------------------------------------------------------------- baseline

def host_namespaces(pod):
    shared = [name for on, name in ((pod.spec.host_network, "hostNetwork=true"), (pod.spec.host_pid, "hostPID=true"),
                                    (pod.spec.host_ipc, "hostIPC=true")) if on]
    if shared:
        return f"host namespaces ({', '.join(shared)})"


def privileged(pod):
    names = [c.name for c in _containers(pod) if c.security_context.privileged]
    if names:
        return f"privileged ({_who(names)} must not set securityContext.privileged=true)"


def host_path_volumes(pod):
    names = [v.name for v in pod.spec.volumes if v.HasField("host_path")]
    if names:
        return f"hostPath volumes ({_who(names, 'volume')})"


def host_ports(pod):
    used = [(c.name, p.host_port) for c in _containers(pod) for p in c.ports if p.host_port]
    if used:
        names = list(dict.fromkeys(n for n, _ in used))
        ports = ", ".join(str(p) for _, p in used)
        return f"hostPort ({_who(names)} {_must(names, 'uses', 'use')} hostPort{'s' if len(used) > 1 else ''} {ports})"


def capabilities_baseline(pod):
    bad = [(c.name, a) for c in _containers(pod) for a in c.security_context.capabilities.add
           if a not in BASELINE_CAPABILITIES]
    if bad:
        names = list(dict.fromkeys(n for n, _ in bad))
        caps = _quote(dict.fromkeys(a for _, a in bad))
        return f"non-default capabilities ({_who(names)} must not include {caps} in securityContext.capabilities.add)"


def app_armor_baseline(pod):
    if pod.spec.security_context.app_armor_profile.type == "Unconfined":
        return 'forbidden AppArmor profile (pod must not set securityContext.appArmorProfile.type to "Unconfined")'
    names = [c.name for c in _containers(pod) if c.security_context.app_armor_profile.type == "Unconfined"]
    if names:
        return (f'forbidden AppArmor profile ({_who(names)} must not set securityContext.appArmorProfile.type '
                f'to "Unconfined")')


def seccomp_baseline(pod):
    if pod.spec.security_context.seccomp_profile.type == "Unconfined":
        return 'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")'
    names = [c.name for c in _containers(pod) if c.security_context.seccomp_profile.type == "Unconfined"]
    if names:
        return (f'seccompProfile ({_who(names)} must not set securityContext.seccompProfile.type to '
                f'"Unconfined")')


def host_process(pod):
    """Windows HostProcess containers run on the node itself, as privileged ones do on Linux."""
    setters = ["pod"] if pod.spec.security_context.windows_options.host_process else []
    names = [c.name for c in _containers(pod) if c.security_context.windows_options.host_process]
    if names:
        setters.append(_who(names))
    if setters:
        return f"hostProcess ({' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true)"


# ---------------------------------------------------------------- restricted

def volume_types(pod):
    bad = [(v.name, _volume_type(v)) for v in pod.spec.volumes if _volume_type(v) not in RESTRICTED_VOLUMES]
    if bad:
        names = [n for n, _ in bad]
        kinds = _quote(dict.fromkeys(VOLUME_NAMES.get(t, t) for _, t in bad))
        return (f"restricted volume types ({_who(names, 'volume')} {_must(names, 'uses', 'use')} restricted "
                f"volume type{'s' if len(bad) > 1 else ''} {kinds})")


def _volume_type(volume: types_pb2.Volume) -> str:
    for field, _ in volume.ListFields():
        if field.name != "name":
            return field.name
    return "empty_dir"  # a volume naming no source is an emptyDir, as Kubernetes defaults it


def _windows(pod) -> bool:
    """A windows pod cannot set these Linux fields, so restricted (since 1.25) does not ask for them."""
    return pod.spec.os.name == "windows"


def privilege_escalation(pod):
    if _windows(pod):
        return None
    names = [c.name for c in _containers(pod) if not (c.security_context.HasField("allow_privilege_escalation")
                                                      and not c.security_context.allow_privilege_escalation)]
    if names:
        return (f"allowPrivilegeEscalation != false ({_who(names)} must set "
                f"securityContext.allowPrivilegeEscalation=false)")


def capabilities_restricted(pod):
    if _windows(pod):
        return None
    names = [c.name for c in _containers(pod) if "ALL" not in c.security_context.capabilities.drop]
    if names:
        return f'unrestricted capabilities ({_who(names)} must set securityContext.capabilities.drop=["ALL"])'


def run_as_non_root(pod):
    pod_says = pod.spec.security_context.run_as_non_root if pod.spec.security_context.HasField("run_as_non_root") \
        else None
    names = []
    for c in _containers(pod):
        says = c.security_context.run_as_non_root if c.security_context.HasField("run_as_non_root") else pod_says
        if says is not True:
            names.append(c.name)
    if names:
        return f"runAsNonRoot != true (pod or {_who(names)} must set securityContext.runAsNonRoot=true)"


def run_as_user_root(pod):
    if pod.spec.security_context.HasField("run_as_user") and pod.spec.security_context.run_as_user == 0:
        return "runAsUser=0 (pod must not set runAsUser=0)"
    names = [c.name for c in _containers(pod)
             if c.security_context.HasField("run_as_user") and c.security_context.run_as_user == 0]
    if names:
        return f"runAsUser=0 ({_who(names)} must not set runAsUser=0)"


def seccomp_restricted(pod):
    if _windows(pod):
        return None
    allowed = ("RuntimeDefault", "Localhost")
    pod_ok = pod.spec.security_context.seccomp_profile.type in allowed
    names = [c.name for c in _containers(pod)
             if c.security_context.seccomp_profile.type not in allowed
             and not (pod_ok and not c.security_context.seccomp_profile.type)]
    if names:
        return (f'seccompProfile (pod or {_who(names)} must set securityContext.seccompProfile.type to '
                f'"RuntimeDefault" or "Localhost")')


Check = Callable[[types_pb2.Pod], "str | None"]
BASELINE: tuple[Check, ...] = (host_namespaces, privileged, capabilities_baseline, host_path_volumes, host_ports,
                               app_armor_baseline, seccomp_baseline, host_process)
RESTRICTED: tuple[Check, ...] = BASELINE + (volume_types, privilege_escalation, capabilities_restricted,
                                            run_as_non_root, run_as_user_root, seccomp_restricted)


def violations(pod: types_pb2.Pod, level: str) -> list[str]:
    """What the pod does that `level` forbids, in Kubernetes' order and words ([] when it complies)."""
    checks = {"baseline": BASELINE, "restricted": RESTRICTED}.get(level, ())
    found = [check(pod) for check in checks]
    return [f for f in found if f]


def levels(namespace_labels) -> dict[str, str]:
    """mode -> level from a namespace's labels (unset or unknown: privileged, which allows everything).
    An unset warn or audit level follows the enforce level, as Kubernetes defaults them."""
    found = {mode: namespace_labels.get(LABEL_PREFIX + mode, "privileged") for mode in MODES}
    for mode in ("warn", "audit"):
        if LABEL_PREFIX + mode not in namespace_labels and _rank(found["enforce"]) > _rank(found[mode]):
            found[mode] = found["enforce"]
    return found


def _rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


def message(level: str, found: list[str]) -> str:
    """`PodSecurity "restricted:latest": check (detail), ...` (after "violates" or "would violate")."""
    return f'PodSecurity "{level}:latest": ' + ", ".join(found)


def evaluate(pod: types_pb2.Pod, namespace_labels) -> tuple[str | None, list[str], list[str]]:
    """(the refusal when enforce is violated, warnings, audit annotations) for creating the pod."""
    modes = levels(namespace_labels)
    refusal, warnings, audits = None, [], []
    for mode, level in modes.items():
        found = violations(pod, level)
        if not found:
            continue
        if mode == "enforce":
            refusal = f'pods "{pod.metadata.name}" is forbidden: violates {message(level, found)}'
        elif mode == "warn":
            warnings.append(f"would violate {message(level, found)}")
        else:
            audits.append(f"violates {message(level, found)}")
    return refusal, warnings, audits


def existing_pod_warnings(namespace: str, level: str, pods) -> list[str]:
    """What a namespace newly labelled `enforce: level` warns about its running pods, as Kubernetes words
    it: a first line, then one line per distinct violation naming a pod (and how many others share it)."""
    found: dict[str, list[str]] = {}
    for pod in pods:
        problems = violations(pod, level)
        if problems:
            found.setdefault(", ".join(problems), []).append(pod.metadata.name)
    if not found:
        return []
    lines = [f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce level "{level}:latest"']
    for reason, names in found.items():
        first = min(names)
        lines.append(f"{first}: {reason}" if len(names) == 1 else f"{first} (and {len(names) - 1} other pods): {reason}")
    return lines
