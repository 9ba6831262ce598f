#!/bin/bash
# Install skiff on one Debian 12 VM and start its systemd units.
#
#   deploy/install.sh controlplane --config cluster.yaml [--name vm1]
#   deploy/install.sh node         --config cluster.yaml [--name vm2]
#
# Run as root from a checkout of skiff. It installs the Debian packages skiff needs, copies the
# checkout to /opt/skiff with a .venv, renders the units from the cluster config (deploy/units.py,
# the same command lines the lab uses) into /etc/systemd/system, and enables and starts them.
# --name is this machine's name in the config (default: the hostname). Re-running it is safe.
set -euo pipefail

usage() { echo "usage: $0 controlplane|node --config FILE [--name NAME]" >&2; exit 2; }

role="${1:-}"; shift || true
[[ "$role" == controlplane || "$role" == node ]] || usage
config="" name="$(hostname -s)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --config) config="${2:-}"; shift 2 ;;
    --name)   name="${2:-}"; shift 2 ;;
    *) usage ;;
  esac
done
[[ -n "$config" ]] || usage
[[ -r "$config" ]] || { echo "install: cannot read cluster config $config" >&2; exit 1; }
[[ $EUID -eq 0 ]] || { echo "install: run as root" >&2; exit 1; }

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest=/opt/skiff
units=/etc/systemd/system
config="$(realpath "$config")"

step() { echo "install: $*"; }

packages=(python3-venv iproute2 nftables)
if [[ "$role" == controlplane ]]; then packages+=(etcd-server); else packages+=(docker.io busybox-static); fi
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  step "apt packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [[ "$role" == controlplane ]]; then
  # Debian's own etcd unit would hold port 2379; skiff runs its member as skiff-etcd.
  systemctl disable --now etcd.service >/dev/null 2>&1 || true
fi

step "copying $src to $dest"
mkdir -p "$dest"
tar -C "$src" --exclude=.venv --exclude=.git --exclude='__pycache__' -cf - . | tar -C "$dest" -xf -
[[ -x "$dest/.venv/bin/python" ]] || python3 -m venv "$dest/.venv"
step "installing skiff into $dest/.venv"
"$dest/.venv/bin/python" -m pip install -q -e "$dest" --config-settings editable_mode=compat

mkdir -p /etc/skiff
cp "$config" /etc/skiff/cluster.yaml
pki=/etc/skiff/pki
if [[ "$role" == controlplane ]]; then
  step "certificates in $pki (the cluster CA and one per component and node; files 0600)"
  (cd "$dest" && .venv/bin/python -m deploy.pki --config /etc/skiff/cluster.yaml --dir "$pki")
elif [[ ! -f "$pki/nodes/$name.conf" ]]; then
  echo "install: $pki/nodes/$name.conf is missing: copy ca.crt and nodes/$name.{crt,key,conf} from" \
       "the control plane's $pki (made by 'install.sh controlplane') to $pki here" >&2
  exit 1
fi
step "rendering units for $role $name"
(cd "$dest" && .venv/bin/python -m deploy.units --config /etc/skiff/cluster.yaml --role "$role" \
   --name "$name" --out "$units" --bin-dir "$dest/.venv/bin")

if [[ "$role" == node ]]; then
  systemctl enable --now docker.service >/dev/null
  step "building the local images (busybox:latest, skiff/pause:latest)"
  (cd "$dest" && .venv/bin/python -c 'from nodeagent.runtime.images import ensure_local_images; ensure_local_images()')
  services=(skiff-agent)
else
  services=()
  [[ -f "$units/skiff-etcd.service" ]] && services+=(skiff-etcd)
  services+=(skiff-apiserver skiff-scheduler skiff-controller-manager)
  if [[ ! -f /etc/skiff/encryption.yaml ]]; then
    # made once and kept: Secrets stored under this key are unreadable without it (back it up)
    step "generating the key that encrypts Secrets in etcd (/etc/skiff/encryption.yaml)"
    (umask 077 && "$dest/.venv/bin/python" -m controlplane.apiserver.encryption > /etc/skiff/encryption.yaml)
  fi
  mkdir -p /root/.skiff
  install -m 0600 "$pki/admin.conf" /root/.skiff/config
  # stock kubectl speaks the REST API (restPort, 6444 by default); a kubeconfig of the user's own is left alone
  if [[ ! -f /root/.kube/config ]] || cmp -s "$pki/kubectl.conf" /root/.kube/config; then
    mkdir -p /root/.kube
    install -m 0600 "$pki/kubectl.conf" /root/.kube/config
  else
    step "kubectl: /root/.kube/config is yours and was left alone; skiff's is $pki/kubectl.conf"
  fi
fi
systemctl daemon-reload
step "starting ${services[*]}"
systemctl enable --now "${services[@]/%/.service}" >/dev/null
systemctl restart "${services[@]/%/.service}"
step "done; logs: journalctl -u ${services[0]} -f"
