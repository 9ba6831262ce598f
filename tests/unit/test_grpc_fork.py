"""Programs that fork a tool while a gRPC stream is open (the ingress controller's `nginx -t`, the agent's
nft) do not run gRPC's fork handlers in the child, which could abort it before exec."""
from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A gRPC server streaming to a client in this process, and 20 tools spawned meanwhile, as the controller does.
SPAWN_BESIDE_A_STREAM = """
import api  # first, as every skiff program imports it before gRPC
import asyncio, grpc, uvloop

async def ticks(request, context):
    while True:
        yield b"x"
        await asyncio.sleep(0.001)

async def main():
    server = grpc.aio.server()
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
        "t.T", {"S": grpc.unary_stream_rpc_method_handler(ticks)})])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_stream("/t.T/S")(b"")
        await call.read()
        codes = []
        for _ in range(20):
            proc = await asyncio.create_subprocess_exec("true")
            codes.append(await proc.wait())
        call.cancel()
    await server.stop(None)
    print(codes)

uvloop.run(main())
"""


def test_a_tool_spawned_beside_a_live_grpc_stream_runs_no_grpc_fork_handler():
    env = {k: v for k, v in os.environ.items() if k != "GRPC_ENABLE_FORK_SUPPORT"}
    done = subprocess.run([sys.executable, "-c", SPAWN_BESIDE_A_STREAM], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str([0] * 20)
    # With gRPC's handlers on, each fork logs "skipping fork() handlers" (and now and then the child aborts).
    assert "fork()" not in done.stderr
