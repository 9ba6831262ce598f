"""Validation of pod and container securityContext and sysctls: ids in range, known Linux capabilities,
seccomp (a Localhost file under the node's root) and AppArmor profiles, only safe namespaced sysctls."""
from __future__ import annotations

from controlplane.apiserver.validation.fielderrors import Path, forbidden, invalid, not_supported, required
from proto import types_pb2

MAX_ID = 2**31 - 1
SECCOMP_TYPES = ("Localhost", "RuntimeDefault", "Unconfined")
APPARMOR_TYPES = ("Localhost", "RuntimeDefault", "Unconfined")
PROC_MOUNTS = ("", "Default")
# Kubernetes' safe sysctls (pkg/kubelet/sysctl/safe_sysctls.go): namespaced, and harmless to the node.
SAFE_SYSCTLS = ("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
                "net.ipv4.ping_group_range", "net.ipv4.tcp_syncookies", "net.ipv4.ip_local_reserved_ports",
                "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes")
# Linux capabilities (capability.h), as Kubernetes names them: without the CAP_ prefix.
CAPABILITIES = frozenset((
    "AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "CHOWN",
    "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE",
    "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST",
    "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYSLOG", "SYS_ADMIN", "SYS_BOOT",
    "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME",
    "SYS_TTY_CONFIG", "WAKE_ALARM"))


def _id(value: int, path: Path) -> list[str]:
    return [] if 0 <= value <= MAX_ID else [invalid(path, value, f"must be between 0 and {MAX_ID}, inclusive")]


def _common(sc, path: Path) -> list[str]:
    """What pod and container contexts share: user and group ids, seccomp, AppArmor, SELinux."""
    errors = []
    for field, name in (("run_as_user", "runAsUser"), ("run_as_group", "runAsGroup")):
        if sc.HasField(field):
            errors += _id(getattr(sc, field), path.child(name))
    if sc.HasField("run_as_non_root") and sc.run_as_non_root and sc.HasField("run_as_user") and sc.run_as_user == 0:
        errors.append(invalid(path.child("runAsNonRoot"), True, "must not be true when runAsUser is 0"))
    if sc.HasField("seccomp_profile"):
        errors += _seccomp(sc.seccomp_profile, path.child("seccompProfile"))
    if sc.HasField("app_armor_profile"):
        errors += _app_armor(sc.app_armor_profile, path.child("appArmorProfile"))
    if sc.HasField("se_linux_options"):
        errors.append(forbidden(path.child("seLinuxOptions"), "SELinux labels are not supported by skiff's nodes"))
    return errors


def _seccomp(profile: types_pb2.SeccompProfile, path: Path) -> list[str]:
    if not profile.type:
        return [required(path.child("type"))]
    if profile.type not in SECCOMP_TYPES:
        return [not_supported(path.child("type"), profile.type, SECCOMP_TYPES)]
    where = path.child("localhostProfile")
    if profile.type != "Localhost":
        return [invalid(where, profile.localhost_profile, "can only be set when seccomp type is Localhost")] \
            if profile.localhost_profile else []
    if not profile.localhost_profile:
        return [required(where, "must be set when seccomp type is Localhost")]
    # Kubernetes' validateLocalDescendingPath: the file must stay under the node's seccomp root.
    if profile.localhost_profile.startswith("/"):
        return [invalid(where, profile.localhost_profile, "must be a relative path")]
    if ".." in profile.localhost_profile.split("/"):
        return [invalid(where, profile.localhost_profile, "must not contain '..'")]
    return []


def _app_armor(profile: types_pb2.AppArmorProfile, path: Path) -> list[str]:
    """Kubernetes' validateAppArmorProfileField: a known type; a profile name with Localhost and only then."""
    if not profile.type:
        return [required(path.child("type"))]
    if profile.type not in APPARMOR_TYPES:
        return [not_supported(path.child("type"), profile.type, APPARMOR_TYPES)]
    where = path.child("localhostProfile")
    if profile.type != "Localhost":
        return [invalid(where, profile.localhost_profile, "can only be set when AppArmor type is Localhost")] \
            if profile.HasField("localhost_profile") else []
    if not profile.localhost_profile:
        return [required(where, "must be set when AppArmor type is Localhost")]
    if profile.localhost_profile.strip() != profile.localhost_profile:
        return [invalid(where, profile.localhost_profile, "must not be padded with whitespace")]
    return []


def validate_pod_security(sc: types_pb2.PodSecurityContext, path: Path, host_network: bool,
                          host_ipc: bool = False) -> list[str]:
    errors = _common(sc, path)
    for i, group in enumerate(sc.supplemental_groups):
        errors += _id(group, path.child("supplementalGroups").index(i))
    if sc.HasField("fs_group"):
        errors += _id(sc.fs_group, path.child("fsGroup"))
    if sc.fs_group_change_policy and sc.fs_group_change_policy not in ("Always", "OnRootMismatch"):
        errors.append(not_supported(path.child("fsGroupChangePolicy"), sc.fs_group_change_policy,
                                    ("Always", "OnRootMismatch")))
    seen: set[str] = set()
    for i, sysctl in enumerate(sc.sysctls):
        p = path.child("sysctls").index(i)
        if not sysctl.name:
            errors.append(required(p.child("name")))
            continue
        if sysctl.name in seen:
            errors.append(f'{p.child("name")}: Duplicate value: "{sysctl.name}"')
        seen.add(sysctl.name)
        if sysctl.name not in SAFE_SYSCTLS:
            errors.append(forbidden(p.child("name"), f'sysctl "{sysctl.name}" is not in the safe set '
                                                     f'({", ".join(SAFE_SYSCTLS)})'))
        elif host_network and sysctl.name.startswith("net."):
            errors.append(invalid(p.child("name"), sysctl.name, "may not be specified when 'hostNetwork' is true"))
        elif host_ipc and _ipc_sysctl(sysctl.name):
            errors.append(invalid(p.child("name"), sysctl.name, "may not be specified when 'hostIPC' is true"))
    return errors


def _ipc_sysctl(name: str) -> bool:
    """Kubernetes' sysctl namespaces (component-helpers/node/util/sysctl): these belong to the IPC namespace."""
    return name in ("kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.msgmax",
                    "kernel.msgmnb", "kernel.msgmni", "kernel.shm_rmid_forced") or name.startswith("fs.mqueue.")


def validate_container_security(sc: types_pb2.SecurityContext, path: Path) -> list[str]:
    errors = _common(sc, path)
    for field in ("add", "drop"):
        for i, name in enumerate(getattr(sc.capabilities, field)):
            bare = name.removeprefix("CAP_")
            if name != "ALL" and bare not in CAPABILITIES:
                errors.append(invalid(path.child("capabilities", field).index(i), name,
                                      "not a Linux capability (e.g. NET_ADMIN, SYS_TIME, or ALL)"))
    if sc.proc_mount not in PROC_MOUNTS:
        errors.append(not_supported(path.child("procMount"), sc.proc_mount, ("Default",)))
    no_escalation = sc.HasField("allow_privilege_escalation") and not sc.allow_privilege_escalation
    if no_escalation and sc.HasField("privileged") and sc.privileged:
        errors.append(invalid(path, "", "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
    if no_escalation and any(c.removeprefix("CAP_") == "SYS_ADMIN" for c in sc.capabilities.add):
        errors.append(invalid(path, "", "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` "
                                        "CAP_SYS_ADMIN"))
    return errors
