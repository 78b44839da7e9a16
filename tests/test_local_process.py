"""``local/process.py``: liveness (a zombie is dead) and the stale-child kill."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from jupyter_llama_neuron.backends.local.process import kill_stale, pid_alive

MODULE = "jupyter_llama_neuron_sleeper"


def _sleeper(marker: str) -> subprocess.Popen[bytes]:
    # A child whose command line carries ``MODULE`` and the marker as separate arguments, like a worker's.
    code = "import sys, time; time.sleep(60)"
    return subprocess.Popen([sys.executable, "-c", code, MODULE, marker])


def test_an_exited_child_nobody_reaped_yet_is_dead() -> None:
    process = _sleeper("--endpoint=z")
    try:
        assert pid_alive(process.pid)
        process.kill()
        # The zombie keeps its PID until waited for; liveness must not count it.
        for _ in range(200):
            if not pid_alive(process.pid):
                break
            subprocess.run(["sleep", "0.01"], check=True)
        assert not pid_alive(process.pid)
    finally:
        process.wait(10)


async def test_kill_stale_kills_only_the_child_it_names_and_returns_once_it_is_dead() -> None:
    ours, other = _sleeper("--endpoint=a"), _sleeper("--endpoint=b")
    try:
        await asyncio.wait_for(kill_stale(ours.pid, MODULE, "--endpoint=a", grace_s=5), 10)
        assert not pid_alive(ours.pid)
        # A process that is not the named child (a reused PID) is left alone.
        await kill_stale(other.pid, MODULE, "--endpoint=a", grace_s=5)
        assert pid_alive(other.pid)
    finally:
        for process in (ours, other):
            process.kill()
            process.wait(10)
