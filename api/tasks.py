"""Task lifecycle helpers: every background task is owned, and stopped by cancelling and awaiting it."""
from __future__ import annotations

import asyncio


async def cancel_and_wait(task: asyncio.Task | None) -> None:
    """Cancel a task and wait until it has finished, swallowing its cancellation."""
    if task is None or task.done():
        if task is not None and task.done() and not task.cancelled():
            task.exception()  # mark a failure as seen; the owner logged it
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
