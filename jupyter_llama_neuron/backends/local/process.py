"""The one way local mode starts and stops a model subprocess (worker, trainer, converter).

Every child runs ``python -m <module>`` in its own session (a Ctrl-C in the terminal running Jupyter reaches
the server, which then stops the children in order), with one torch thread budget, offline Hugging Face
libraries, stderr appended to a log file (nothing has to drain it, and its tail explains a crash) and JSON
lines on stdout. All of it is asyncio: the event loop never waits on a child.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

# A JSON line can be tens of KB (a generated_text of 4096 tokens); asyncio's default limit is 64 KiB.
STREAM_LIMIT = 16 * 1024 * 1024
STDERR_TAIL_CHARS = 2000


def child_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    count = str(max(1, threads))
    env.update(
        OMP_NUM_THREADS=count,
        MKL_NUM_THREADS=count,
        JLN_TORCH_THREADS=count,
        TOKENIZERS_PARALLELISM="false",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    return env


async def launch(
    module: str,
    args: Sequence[str],
    *,
    threads: int,
    log_path: Path,
    log_mode: str = "ab",
    stdin_pipe: bool = False,
) -> asyncio.subprocess.Process:
    """Start ``python -m module *args``; the caller reads JSON lines from its stdout (``json_lines``)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    stderr = await asyncio.to_thread(open, log_path, log_mode)
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            *args,
            stdin=asyncio.subprocess.PIPE if stdin_pipe else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=child_env(threads),
            limit=STREAM_LIMIT,
            start_new_session=True,
        )
    finally:
        stderr.close()  # the child holds its own copy of the descriptor


async def json_lines(process: asyncio.subprocess.Process) -> AsyncIterator[dict[str, Any]]:
    """Each JSON object the child prints, until it closes stdout; other lines (and over-long ones) skipped."""
    stdout = process.stdout
    assert stdout is not None
    while True:
        try:
            raw = await stdout.readline()
        except ValueError:  # a line over STREAM_LIMIT: skip it rather than lose the child
            continue
        if not raw:
            return
        try:
            message = json.loads(raw)
        except ValueError:
            continue
        if isinstance(message, dict):
            yield message


async def stop(process: asyncio.subprocess.Process, grace_s: float, *, close_stdin: bool = False) -> None:
    """(Close stdin and wait,) then terminate, then kill, each after ``grace_s``."""
    if process.returncode is not None:
        return
    actions: list[Callable[[], None] | None] = [process.terminate, process.kill]
    if close_stdin:
        if process.stdin is not None and not process.stdin.is_closing():
            with contextlib.suppress(Exception):
                process.stdin.close()
        actions.insert(0, None)
    for action in actions:
        if action is not None:
            with contextlib.suppress(ProcessLookupError):
                action()
        try:
            await asyncio.wait_for(process.wait(), grace_s)
            return
        except asyncio.TimeoutError:
            continue


def runs_module(pid: int, module: str, marker: str) -> bool:
    """Whether ``pid`` still is a child we started (``module`` with the ``marker`` argument); a PID may have
    been reused since. Only Linux's /proc lets us check without running a command; elsewhere a stale child is
    left alone (it exits on its own once its stdin, the old server, is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    args = raw.decode(errors="replace").split("\0")
    return module in args and marker in args


def start_time(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot, /proc/<pid>/stat field 22): with the PID, it names one
    process for the life of the machine, whatever its command line says. ``None`` without /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 1 :].split()
    try:
        return int(fields[19])  # field 22 overall; fields[0] here is field 3 (the state)
    except (IndexError, ValueError):
        return None


async def kill_stale(
    pid: int, module: str, marker: str, grace_s: float = 5.0, *, started: int | None = None
) -> None:
    """SIGTERM, then SIGKILL, a child a previous server left behind, if it still is that child: the same
    start time when ``started`` is known (a pre-imported worker's command line names no endpoint), else
    ``module`` and ``marker`` on its command line.

    Identity is checked before each signal; the wait after it is on liveness alone. An exiting process keeps
    running (state R) with an empty command line for tens of milliseconds while the kernel frees its memory
    (50-70 ms for a 1 GB worker here), so "the command line no longer matches" is not "it is gone"."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not pid_alive(pid):
            return
        if started is not None:
            if start_time(pid) != started:
                return  # not ours (any more): a PID reused by another program
        # Not ours: a PID reused by another program. Empty = ours, still exiting.
        elif not runs_module(pid, module, marker) and _cmdline(pid) != b"":
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = loop.time() + grace_s
        while loop.time() < deadline:
            if not pid_alive(pid):
                return
            await asyncio.sleep(0.02)


def _cmdline(pid: int) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None


def signal_name(code: int) -> str:
    """``code`` is a negative return code (killed by a signal)."""
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` exists and has not exited: a zombie (exited, not yet reaped by its parent) is dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if not Path("/proc/self/stat").exists():
        return True  # no /proc (not Linux): existing is all we can tell
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # gone since os.kill
    # The state follows the parenthesised command name, which may itself contain spaces or parentheses.
    state = stat[stat.rfind(")") + 1 :].split()[:1]
    return state not in (["Z"], ["X"])


def log_tail(path: Path, lines: int = 5, separator: str = "\n") -> str:
    """The last non-empty lines of a log file, for failure messages.

    Reads only the end of the file: it is called on the event loop, and a worker's log can grow for weeks.
    """
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 16384))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    # tqdm redraws with carriage returns; each redraw counts as a line.
    kept = [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]
    return separator.join(kept[-lines:])[-STDERR_TAIL_CHARS:]
