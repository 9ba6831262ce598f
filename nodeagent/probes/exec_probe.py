"""The exec probe: the command runs in the container through the runtime with the probe's timeout; exit 0 is
success. A semaphore of its own bounds how many run at once, so probes never crowd out the pods' syncs.
"""
from __future__ import annotations

import asyncio

from nodeagent.probes.results import Outcome, Result
from nodeagent.runtime.base import Runtime, RuntimeError_

MAX_OUTPUT = 10 * 1024  # what the kubelet keeps of a probe's output for the event
# A runtime that ignores its own timeout must still not hold a probe worker forever.
SAFETY_MARGIN_S = 5.0


async def probe(runtime: Runtime, limit: asyncio.Semaphore, container_id: str, command: list[str],
                timeout_s: float) -> Outcome:
    async with limit:  # waiting for a slot is not the command's time: it does not count against the timeout
        try:
            ran = await asyncio.wait_for(runtime.exec(container_id, command, timeout_s=timeout_s),
                                         timeout_s + SAFETY_MARGIN_S)
        except asyncio.TimeoutError:
            return Outcome(Result.FAILURE, f'command "{" ".join(command)}" timed out')
        except RuntimeError_ as e:
            # The prober could not run the command (container gone, daemon away): not the container's fault.
            return Outcome(Result.UNKNOWN, str(e))
    output = ran.output[:MAX_OUTPUT].decode("utf-8", "replace").strip()
    if ran.timed_out:
        return Outcome(Result.FAILURE, f'command "{" ".join(command)}" timed out')
    return Outcome(Result.SUCCESS if ran.exit_code == 0 else Result.FAILURE, output)
