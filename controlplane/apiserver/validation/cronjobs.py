"""Validation of CronJobs, in Kubernetes' words (pkg/apis/batch/validation): the name's length, a schedule
robfig/cron parses without a TZ inside it, a time zone Go can load, the concurrency policy, the job template.
"""
from __future__ import annotations

import re

from api import cron
from controlplane.apiserver.validation.fielderrors import Path, at_least, invalid, not_supported, required
from controlplane.apiserver.validation.jobs import validate_job_template_spec
from proto import types_pb2

CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")
# Jobs are named NAME-<minutes since the epoch> (11 more characters) and must stay DNS-1035 labels.
MAX_NAME_LENGTH = 63 - 11
_ZONE_PART = re.compile(r"^[A-Za-z.\-_0-9+]{1,14}$")


def validate_cron_job(cj: types_pb2.CronJob) -> list[str]:
    errors = []
    if len(cj.metadata.name) > MAX_NAME_LENGTH:
        errors.append(invalid(Path("metadata.name"), cj.metadata.name,
                              f"must be no more than {MAX_NAME_LENGTH} characters"))
    spec, path = cj.spec, Path("spec")
    if not spec.schedule:
        errors.append(required(path.child("schedule")))
    else:
        errors += validate_schedule(spec.schedule, path.child("schedule"))
    if spec.HasField("starting_deadline_seconds"):
        errors += at_least(spec.starting_deadline_seconds, 0, path.child("startingDeadlineSeconds"))
    errors += validate_time_zone(spec, path.child("timeZone"))
    policy = spec.concurrency_policy
    if not policy:
        errors.append(required(path.child("concurrencyPolicy")))
    elif policy not in CONCURRENCY_POLICIES:
        errors.append(not_supported(path.child("concurrencyPolicy"), policy, CONCURRENCY_POLICIES))
    errors += validate_job_template_spec(spec.job_template, path.child("jobTemplate"))
    for field, name in (("successful_jobs_history_limit", "successfulJobsHistoryLimit"),
                        ("failed_jobs_history_limit", "failedJobsHistoryLimit")):
        if spec.HasField(field):
            errors += at_least(getattr(spec, field), 0, path.child(name))
    return errors


def validate_schedule(schedule: str, path: Path) -> list[str]:
    """robfig's parse, and no TZ= inside (Kubernetes 1.27+ refuses it on create; skiff has no older objects
    that could keep one)."""
    errors = []
    try:
        cron.parse(schedule)
    except cron.CronError as e:
        errors.append(invalid(path, schedule, str(e)))
    if "TZ" in schedule:
        errors.append(invalid(path, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
    return errors


def validate_time_zone(spec: types_pb2.CronJobSpec, path: Path) -> list[str]:
    if not spec.HasField("time_zone"):
        return []
    zone = spec.time_zone
    if not zone:
        return [invalid(path, zone, "timeZone must be nil or non-empty string")]
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _ZONE_PART.match(part):
            return [invalid(path, zone, f"unknown time zone {zone}")]
    errors = []
    if zone.lower() == "local":
        errors.append(invalid(path, zone, "timeZone must be an explicit time zone as defined in "
                                          "https://www.iana.org/time-zones"))
    try:
        cron.load_zone(zone)
    except cron.CronError as e:
        errors.append(invalid(path, zone, str(e)))
    return errors

