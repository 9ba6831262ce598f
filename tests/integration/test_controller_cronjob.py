"""The CronJob controller against a real API server and etcd, on a clock the test moves: Jobs named by
their scheduled minute, concurrency policies, missed schedules, status and history limits."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from api import meta, retry
from controlplane.controllers.cronjob import plan
from tests.fixtures.api_calls import recorded_event
from tests.fixtures.clock import FakeClock
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.objects import cron_job
from tests.fixtures.wait import eventually


def _minute_after(moment: datetime, minutes: int = 1) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=minutes)


async def _nudge(client, name):
    """The controller looks again when its CronJob changes (it would at the next minute, in real time)."""
    async def attempt():
        cj = await client.get("CronJob", name)
        cj.metadata.annotations["test/nudge"] = meta.format_micro_time(datetime.now(timezone.utc))
        await client.update(cj)
    await retry.on_conflict(attempt)  # the controller writes the status meanwhile


async def _jobs(client, name):
    return sorted((j for j in (await client.list("Job", "default")).items
                   if j.metadata.name.startswith(name + "-") and not j.metadata.deletion_timestamp),
                  key=lambda j: j.metadata.name)


async def _jobs_count(client, name, n):
    jobs = await _jobs(client, name)
    return jobs if len(jobs) == n else None


async def _finish(client, job, condition="Complete", when: datetime | None = None):
    job = await client.get("Job", job.metadata.name)
    stamp = meta.format_time(when or datetime.now(timezone.utc))
    job.status.start_time = job.status.start_time or stamp
    if condition == "Complete":
        job.status.completion_time = stamp
        job.status.succeeded = 1
    else:
        job.status.failed = 1
    meta.set_condition(job.status.conditions, condition, "True", reason="Test")
    await client.update_status(job)


async def test_cronjob_starts_a_job_named_by_its_scheduled_minute(client):
    clock = FakeClock()
    async with running_manager(client, ["cronjob"], cronjob_clock=clock):
        created = await client.create(cron_job("tick", jobTemplate={"metadata": {"labels": {"team": "a"}},
                                                                   "spec": {"template": {"spec": {
                                                                       "restartPolicy": "OnFailure",
                                                                       "containers": [{"name": "app",
                                                                                       "image": "busybox"}]}}}}))
        origin = meta.parse_time(created.metadata.creation_timestamp)
        clock.moment = _minute_after(origin) + timedelta(seconds=5)
        await _nudge(client, "tick")
        [job] = await eventually(lambda: _jobs_count(client, "tick", 1))
        scheduled = _minute_after(origin)
        assert job.metadata.name == f"tick-{int(scheduled.timestamp()) // 60}"
        assert job.metadata.annotations[plan.SCHEDULED_TIMESTAMP] == scheduled.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert job.metadata.labels["team"] == "a"
        ref = meta.controller_of(job)
        assert (ref.kind, ref.name, ref.uid) == ("CronJob", "tick", created.metadata.uid)

        async def active():
            cj = await client.get("CronJob", "tick")
            return cj if [r.name for r in cj.status.active] == [job.metadata.name] else None
        cj = await eventually(active)
        assert cj.status.last_schedule_time == meta.format_time(scheduled)
        assert cj.status.active[0].uid == job.metadata.uid and cj.status.active[0].kind == "Job"
        await recorded_event(client, "SuccessfulCreate", "tick", f"Created job {job.metadata.name}")

        # the Job ends: it leaves status.active and gives lastSuccessfulTime
        await _finish(client, job)

        async def done():
            cj = await client.get("CronJob", "tick")
            return cj if not cj.status.active and cj.status.last_successful_time else None
        await eventually(done)
        await recorded_event(client, "SawCompletedJob", "tick",
                             f"Saw completed job: {job.metadata.name}, condition: Complete")


async def test_forbid_skips_a_time_while_a_job_runs_and_replace_replaces_it(client):
    clock = FakeClock()
    async with running_manager(client, ["cronjob"], cronjob_clock=clock):
        created = await client.create(cron_job("solo", concurrencyPolicy="Forbid"))
        await client.create(cron_job("swap", concurrencyPolicy="Replace"))
        origin = meta.parse_time(created.metadata.creation_timestamp)
        clock.moment = _minute_after(origin) + timedelta(seconds=5)
        for name in ("solo", "swap"):
            await _nudge(client, name)
        [first_solo] = await eventually(lambda: _jobs_count(client, "solo", 1))
        [first_swap] = await eventually(lambda: _jobs_count(client, "swap", 1))

        async def active(name, job_name):
            cj = await client.get("CronJob", name)
            return cj if [r.name for r in cj.status.active] == [job_name] else None
        await eventually(lambda: active("solo", first_solo.metadata.name))
        await eventually(lambda: active("swap", first_swap.metadata.name))

        clock.advance(60)
        for name in ("solo", "swap"):
            await _nudge(client, name)
        await recorded_event(client, "JobAlreadyActive", "solo", "concurrency policy is Forbid")
        await recorded_event(client, "SuccessfulDelete", "swap", f"Deleted job {first_swap.metadata.name}")

        async def replaced():
            jobs = await _jobs(client, "swap")
            return jobs if [j.metadata.name for j in jobs] != [first_swap.metadata.name] and len(jobs) == 1 else None
        [second_swap] = await eventually(replaced)
        await eventually(lambda: active("swap", second_swap.metadata.name))
        assert [j.metadata.name for j in await _jobs(client, "solo")] == [first_solo.metadata.name]


async def test_too_many_missed_times_warn_once_and_start_only_the_latest(client):
    clock = FakeClock()
    async with running_manager(client, ["cronjob"], cronjob_clock=clock):
        created = await client.create(cron_job("late"))
        origin = meta.parse_time(created.metadata.creation_timestamp)
        clock.moment = _minute_after(origin, 150) + timedelta(seconds=5)
        await _nudge(client, "late")
        [job] = await eventually(lambda: _jobs_count(client, "late", 1))
        assert job.metadata.name == f"late-{int(_minute_after(origin, 150).timestamp()) // 60}"
        await recorded_event(client, "TooManyMissedTimes", "late", "too many missed start times: 150")


async def test_history_limits_delete_the_oldest_finished_jobs(client):
    clock = FakeClock()
    async with running_manager(client, ["cronjob"], cronjob_clock=clock):
        created = await client.create(cron_job("keep", successfulJobsHistoryLimit=1, failedJobsHistoryLimit=0))
        origin = meta.parse_time(created.metadata.creation_timestamp)
        names = []
        for minute, outcome in ((1, "Complete"), (2, "Complete"), (3, "Failed")):
            clock.moment = _minute_after(origin, minute) + timedelta(seconds=5)
            await _nudge(client, "keep")
            jobs = await eventually(lambda: _jobs_count(client, "keep", len(names) + 1)
                                    if minute == 1 else _new_job(client, "keep", names))
            job = next(j for j in jobs if j.metadata.name not in names)
            names.append(job.metadata.name)
            await _finish(client, job, outcome, when=clock.moment)
        # one success kept (the latest), no failure kept
        await eventually(lambda: _names_are(client, "keep", [names[1]]))


async def _new_job(client, name, known):
    jobs = await _jobs(client, name)
    return jobs if any(j.metadata.name not in known for j in jobs) else None


async def _names_are(client, name, expected):
    return [j.metadata.name for j in await _jobs(client, name)] == expected


async def test_suspended_cronjob_starts_nothing(client):
    clock = FakeClock()
    async with running_manager(client, ["cronjob"], cronjob_clock=clock):
        created = await client.create(cron_job("idle", suspend=True))
        clock.moment = _minute_after(meta.parse_time(created.metadata.creation_timestamp), 3)
        await _nudge(client, "idle")
        # a sibling that is not suspended shows the controller has looked since
        await client.create(cron_job("busy"))
        busy = await client.get("CronJob", "busy")
        clock.moment = _minute_after(meta.parse_time(busy.metadata.creation_timestamp), 3)
        await _nudge(client, "busy")
        await _nudge(client, "idle")
        await eventually(lambda: _jobs_count(client, "busy", 1))
        assert await _jobs(client, "idle") == []
