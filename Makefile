# skiff: set-up, tests and the local lab.
#
#   make lab     install what is missing, bring up a 3-host lab, deploy a demo
#   make test    the same set-up, then the whole test suite
#
# `setup` is idempotent and prints nothing when there is nothing to do.

SHELL        := /bin/bash
.SHELLFLAGS  := -eu -o pipefail -c
MAKEFLAGS    += --no-print-directory

PYTHON       ?= python3
VENV         := .venv
VPY          := $(VENV)/bin/python
STAMP        := $(VENV)/.installed
APT_PACKAGES := etcd-server docker.io busybox-static iproute2 nftables nginx wrk
DOCKERD_LOG  := /var/log/skiff-dockerd.log
DOCKER_WAIT  ?= 90
PYTEST_ARGS  ?=

export DEBIAN_FRONTEND := noninteractive
export NEEDRESTART_SUSPEND := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup setup-apt setup-docker setup-venv setup-prometheus proto test lab lab-down clean

# PROMETHEUS=1 adds Debian's prometheus (for `deploy.lab up --prometheus`, which also asks for it).
setup: setup-apt setup-docker setup-venv $(if $(PROMETHEUS),setup-prometheus)

# Debian packages: apt runs only when dpkg says something is missing.
setup-apt:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if ! $(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1; then \
	  dpkg -s python3-venv >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing Debian packages:$$missing"; \
	  apt-get update -qq; \
	  apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Debian's prometheus, only when asked for and missing. Its package would start a daemon of its own
# on :9090; a policy-rc.d (only if none exists) keeps it from starting: the lab runs its own.
setup-prometheus:
	@if ! dpkg -s prometheus >/dev/null 2>&1; then \
	  echo "setup: installing Debian's prometheus"; \
	  guard=""; \
	  if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; guard=1; \
	  fi; \
	  rc=0; \
	  { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null; } || rc=$$?; \
	  if [ -n "$$guard" ]; then rm -f /usr/sbin/policy-rc.d; fi; \
	  exit $$rc; \
	fi

# dockerd: started only when `docker info` does not answer. Without systemd as
# PID 1 it is launched in the background, logging to $(DOCKERD_LOG), without
# this shell's other descriptors: under `flock LOCK make ...` it would inherit
# the lock and hold it for as long as it runs (every later flock waits forever).
setup-docker:
	@if ! docker info >/dev/null 2>&1; then \
	  if [ -d /run/systemd/system ] && [ "$$(ps -p 1 -o comm=)" = systemd ]; then \
	    echo "setup: starting docker (systemctl)"; \
	    systemctl start docker; \
	  else \
	    echo "setup: starting dockerd (log: $(DOCKERD_LOG))"; \
	    setsid nohup dockerd >$(DOCKERD_LOG) 2>&1 </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- & \
	  fi; \
	  deadline=$$((SECONDS + $(DOCKER_WAIT))); \
	  until docker info >/dev/null 2>&1; do \
	    if [ $$SECONDS -ge $$deadline ]; then \
	      echo "setup: dockerd did not answer within $(DOCKER_WAIT)s" >&2; \
	      tail -n 30 $(DOCKERD_LOG) >&2 2>/dev/null || true; \
	      exit 1; \
	    fi; \
	    sleep 0.5; \
	  done; \
	fi

setup-venv: $(STAMP)

# (Re)install the project into .venv when the venv is missing or pyproject.toml
# changed since the last install. Compat editable mode puts the repo root on
# the venv's sys.path, so top-level packages added later import without a
# reinstall (for the console scripts too).
$(STAMP): pyproject.toml
	@if [ ! -x $(VPY) ]; then \
	  echo "setup: creating $(VENV)"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	@echo "setup: installing skiff into $(VENV)"
	@$(VPY) -m pip install -q -e '.[test]' --config-settings editable_mode=compat
	@touch $(STAMP)

proto: setup-venv
	$(VPY) -m grpc_tools.protoc -I. --python_out=. --pyi_out=. --grpc_python_out=. proto/*.proto

# make itself exits 2 on any failing recipe; pytest's own code is printed, and
# exit 5 (nothing collected) is called out since a run that tests nothing fails.
test: setup
	@echo "$(VPY) -m pytest -q tests $(PYTEST_ARGS)"
	@rc=0; $(VPY) -m pytest -q tests $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then \
	  echo "make test: FAILED: pytest collected no tests (exit 5)" >&2; \
	elif [ $$rc -ne 0 ]; then \
	  echo "make test: FAILED: pytest exited with $$rc" >&2; \
	fi; \
	exit $$rc

lab: setup
	$(VPY) -m deploy.lab up --nodes 3
	$(VPY) -m deploy.lab demo

lab-down: setup-venv
	$(VPY) -m deploy.lab down

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
