"""A container's securityContext (with its pod's) as the Docker options that enforce it: a pure mapping.

The kubelet's rules: the container's settings win over the pod's; runAsNonRoot is checked against the
image's user; fsGroup joins the supplemental groups; net and IPC sysctls belong to the pod's sandbox;
no seccompProfile is Unconfined (a kubelet without --seccomp-default), RuntimeDefault is Docker's profile.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from proto import types_pb2


class NonRootError(ValueError):
    """runAsNonRoot cannot be honoured (CreateContainerConfigError, in the kubelet's words)."""


@dataclass(frozen=True)
class DockerSecurity:
    user: str = ""  # Config.User: "uid" or "uid:gid"; "" for the image's own
    group_add: tuple[str, ...] = ()
    read_only_rootfs: bool = False
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    security_opt: tuple[str, ...] = ()  # no-new-privileges, seccomp=unconfined, apparmor=...
    seccomp_localhost: str = ""  # a Localhost profile: the host file the runtime loads


@dataclass(frozen=True)
class Effective:
    """The settings that apply to one container, after the container's override the pod's."""

    run_as_user: int | None = None
    run_as_group: int | None = None
    run_as_non_root: bool = False
    seccomp: types_pb2.SeccompProfile = field(default_factory=types_pb2.SeccompProfile)  # type "": unset
    container: types_pb2.SecurityContext = field(default_factory=types_pb2.SecurityContext)


def effective(pod: types_pb2.Pod, container: types_pb2.Container) -> Effective:
    psc, csc = pod.spec.security_context, container.security_context

    def pick(name: str):
        for sc in (csc, psc):
            if sc.HasField(name):
                return getattr(sc, name)
        return None
    seccomp = csc.seccomp_profile if csc.HasField("seccomp_profile") else psc.seccomp_profile
    return Effective(pick("run_as_user"), pick("run_as_group"), bool(pick("run_as_non_root")), seccomp, csc)


def pod_ref(pod: types_pb2.Pod) -> str:
    """The kubelet's format.Pod: name_namespace(uid)."""
    m = pod.metadata
    return f"{m.name}_{m.namespace}({m.uid})"


def check_non_root(pod: types_pb2.Pod, container: types_pb2.Container, eff: Effective, image_user: str) -> None:
    """The kubelet's verifyRunAsNonRoot, with its messages."""
    if not eff.run_as_non_root:
        return
    where = f'(pod: "{pod_ref(pod)}", container: {container.name})'
    if eff.run_as_user is not None:
        if eff.run_as_user == 0:
            raise NonRootError(f"container's runAsUser breaks non-root policy {where}")
        return
    user = image_user.partition(":")[0]
    if user in ("", "0", "root"):
        raise NonRootError(f"container has runAsNonRoot and image will run as root {where}")
    if not user.isdigit():
        raise NonRootError(f"container has runAsNonRoot and image has non-numeric user ({user}), "
                           f"cannot verify user is non-root {where}")


def needs_image_user(pod: types_pb2.Pod, container: types_pb2.Container) -> bool:
    """Whether the mapping must know the image's user (asked of the runtime only then): a runAsUser settles
    both the non-root check and the user a runAsGroup goes with."""
    eff = effective(pod, container)
    return eff.run_as_user is None and (eff.run_as_non_root or eff.run_as_group is not None)


def _capability(name: str) -> str:
    # Kubernetes names them without the prefix (NET_ADMIN); Docker takes either, ALL included.
    return name if name == "ALL" or name.startswith("CAP_") else f"CAP_{name}"


def seccomp_options(profile: types_pb2.SeccompProfile, seccomp_root: str) -> tuple[tuple[str, ...], str]:
    """Docker's security options and the Localhost profile file for a (container's effective) profile."""
    if profile.type == "RuntimeDefault":
        return (), ""  # Docker applies its default profile when told nothing
    if profile.type == "Localhost":
        # The kubelet's <root-dir>/seccomp/<localhostProfile>; validation keeps the name inside the root.
        return (), os.path.join(seccomp_root, profile.localhost_profile)
    return ("seccomp=unconfined",), ""  # Unconfined, and unset: Kubernetes' default without --seccomp-default


def app_armor_options(profile: types_pb2.AppArmorProfile) -> tuple[str, ...]:
    """Docker's option for a (container's effective) AppArmor profile. Unset is RuntimeDefault, as the
    kubelet has it: Docker's own profile, applied when told nothing (on a host with AppArmor)."""
    if profile.type == "Unconfined":
        return ("apparmor=unconfined",)
    if profile.type == "Localhost":
        return (f"apparmor={profile.localhost_profile}",)  # a profile loaded on the node, by its name
    return ()


def docker_security(pod: types_pb2.Pod, container: types_pb2.Container, image_user: str = "",
                    seccomp_root: str = "") -> DockerSecurity:
    """The Docker options for the container; raises NonRootError for runAsNonRoot against a root user.
    `seccomp_root`: the directory of the node's Localhost seccomp profiles."""
    eff = effective(pod, container)
    check_non_root(pod, container, eff, image_user)
    user = ""
    if eff.run_as_user is not None:
        user = str(eff.run_as_user)
    if eff.run_as_group is not None:
        user = f"{user or image_user.partition(':')[0] or '0'}:{eff.run_as_group}"
    psc, csc = pod.spec.security_context, eff.container
    groups = [str(g) for g in psc.supplemental_groups]
    if psc.HasField("fs_group") and str(psc.fs_group) not in groups:
        groups.append(str(psc.fs_group))  # the volumes' group: the container must be in it to use them
    options = []
    if csc.HasField("allow_privilege_escalation") and not csc.allow_privilege_escalation:
        options.append("no-new-privileges")
    seccomp, localhost = seccomp_options(eff.seccomp, seccomp_root)
    options += seccomp
    options += app_armor_options(csc.app_armor_profile if csc.HasField("app_armor_profile")
                                 else psc.app_armor_profile)
    return DockerSecurity(
        user=user, group_add=tuple(groups),
        read_only_rootfs=csc.HasField("read_only_root_filesystem") and csc.read_only_root_filesystem,
        privileged=csc.HasField("privileged") and csc.privileged,
        cap_add=tuple(_capability(c) for c in csc.capabilities.add),
        cap_drop=tuple(_capability(c) for c in csc.capabilities.drop),
        security_opt=tuple(options), seccomp_localhost=localhost)


def sandbox_sysctls(pod: types_pb2.Pod) -> dict[str, str]:
    """The pod's sysctls: set on the sandbox, whose network and IPC namespaces every container shares."""
    return {s.name: s.value for s in pod.spec.security_context.sysctls}
