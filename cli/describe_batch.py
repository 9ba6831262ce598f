"""`skiff describe` bodies of Jobs, CronJobs and DaemonSets, in kubectl's layout: the counts in words, times,
the update strategy, the pod template and conditions."""
from __future__ import annotations

from api import meta, selectors
from api.age import human_duration
from cli.describe_layout import NONE, field, table
from cli.describe_pods import template_lines

MAX_SHOWN_INDEXES = 50


def _selector(obj) -> str:
    return str(selectors.from_match(obj.spec.selector.match_labels, obj.spec.selector.match_expressions)) or NONE


def _time(text: str) -> str:
    """kubectl's RFC 1123 form with a numeric zone: `Mon, 02 Jan 2006 15:04:05 +0000`."""
    moment = meta.parse_time(text)
    return moment.strftime("%a, %d %b %Y %H:%M:%S %z") if moment else text


def _indexes(text: str) -> str:
    if not text:
        return NONE
    return text if len(text) <= MAX_SHOWN_INDEXES else text[:MAX_SHOWN_INDEXES] + "..."


def job_body(job) -> list[str]:
    spec, s = job.spec, job.status
    lines = [field("Selector", _selector(job))]
    if spec.HasField("parallelism"):
        lines.append(field("Parallelism", spec.parallelism))
    lines.append(field("Completions", spec.completions if spec.HasField("completions") else "<unset>"))
    if spec.HasField("completion_mode"):
        lines.append(field("Completion Mode", spec.completion_mode))
    if spec.HasField("suspend"):
        lines.append(field("Suspend", str(spec.suspend).lower()))
    if spec.HasField("backoff_limit"):
        lines.append(field("Backoff Limit", spec.backoff_limit))
    if spec.HasField("ttl_seconds_after_finished"):
        lines.append(field("TTL Seconds After Finished", spec.ttl_seconds_after_finished))
    if s.start_time:
        lines.append(field("Start Time", _time(s.start_time)))
    if s.completion_time:
        lines.append(field("Completed At", _time(s.completion_time)))
    start, end = meta.parse_time(s.start_time), meta.parse_time(s.completion_time)
    if start and end:
        lines.append(field("Duration", human_duration(end - start)))
    if spec.HasField("active_deadline_seconds"):
        lines.append(field("Active Deadline Seconds", f"{spec.active_deadline_seconds}s"))
    if s.HasField("ready"):
        statuses = f"{s.active} Active ({s.ready} Ready) / {s.succeeded} Succeeded / {s.failed} Failed"
    else:
        statuses = f"{s.active} Active / {s.succeeded} Succeeded / {s.failed} Failed"
    lines.append(field("Pods Statuses", statuses))
    if spec.completion_mode == "Indexed":
        lines.append(field("Completed Indexes", _indexes(s.completed_indexes)))
    return lines + template_lines(spec.template)


def cron_job_body(cj) -> list[str]:
    spec, s = cj.spec, cj.status
    unset = "<unset>"
    lines = [field("Schedule", spec.schedule), field("Concurrency Policy", spec.concurrency_policy),
             field("Suspend", str(spec.suspend) if spec.HasField("suspend") else unset),
             field("Successful Job History Limit", spec.successful_jobs_history_limit
                   if spec.HasField("successful_jobs_history_limit") else unset)]
    if spec.HasField("failed_jobs_history_limit"):
        lines.append(field("Failed Job History Limit", spec.failed_jobs_history_limit))
    lines.append(field("Starting Deadline Seconds", f"{spec.starting_deadline_seconds}s"
                       if spec.HasField("starting_deadline_seconds") else unset))
    job = spec.job_template.spec
    lines.append(field("Selector", _selector(spec.job_template) if job.HasField("selector") else unset))
    lines.append(field("Parallelism", job.parallelism if job.HasField("parallelism") else unset))
    lines.append(field("Completions", job.completions if job.HasField("completions") else unset))
    if job.HasField("active_deadline_seconds"):
        lines.append(field("Active Deadline Seconds", f"{job.active_deadline_seconds}s"))
    lines += template_lines(job.template)
    lines.append(field("Last Schedule Time", _time(s.last_schedule_time) if s.last_schedule_time else unset))
    lines.append(field("Active Jobs", ", ".join(ref.name for ref in s.active) or NONE))
    return lines


def daemon_set_body(ds) -> list[str]:
    spec, s = ds.spec, ds.status
    lines = [field("Selector", _selector(ds)),
             field("Node-Selector", ",".join(f"{k}={v}" for k, v in sorted(spec.template.spec.node_selector.items()))
                   or NONE),
             field("Desired Number of Nodes Scheduled", s.desired_number_scheduled),
             field("Current Number of Nodes Scheduled", s.current_number_scheduled),
             field("Number of Nodes Scheduled with Up-to-date Pods", s.updated_number_scheduled),
             field("Number of Nodes Scheduled with Available Pods", s.number_available),
             field("Number of Nodes Misscheduled", s.number_misscheduled),
             field("Pods Status", f"{s.number_ready} Running / {max(0, s.current_number_scheduled - s.number_ready)} "
                                  f"Waiting / 0 Succeeded / 0 Failed")]
    lines += template_lines(spec.template)
    if s.conditions:
        lines += ["Conditions:"] + table(["Type", "Status", "Reason"],
                                         [[c.type, c.status, c.reason or NONE] for c in s.conditions])
    return lines
