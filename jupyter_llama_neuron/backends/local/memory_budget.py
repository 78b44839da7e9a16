"""Will one more local worker fit in memory? Refuse a deploy that would push the machine into swap or the OOM
killer, and say how many endpoints of this model can run and which ones to delete.

A worker holds its model's weights as float32 tensors (the size of the converted ``*.safetensors``) plus the
Python/torch runtime. Measured for SmolLM2-135M-Instruct: 538 MB of weights, about 0.9 GB RSS per worker, so
the runtime is about 0.36 GB (``RUNTIME_BYTES``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ...errors import ServiceUnavailable

GB = 1024**3
RUNTIME_BYTES = 384 * 1024**2
# Before the stand-in is converted there are no weights to measure: the measured SmolLM2 worker.
DEFAULT_WORKER_BYTES = int(0.9 * GB)
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")
MEMINFO = Path("/proc/meminfo")


def mem_available_bytes(meminfo: Path = MEMINFO) -> int | None:
    """``MemAvailable`` (what can be allocated without swapping), or None where the kernel does not say."""
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        return None
    return None


def worker_bytes(model_dir: Path) -> int:
    """The memory a worker serving ``model_dir`` is expected to hold: its weights plus the runtime."""
    try:
        weights = sum(p.stat().st_size for p in model_dir.iterdir() if p.suffix in WEIGHT_SUFFIXES)
    except OSError:
        weights = 0
    return weights + RUNTIME_BYTES if weights else DEFAULT_WORKER_BYTES


def check_fits(
    model_dir: Path, available: int | None, running: Sequence[str], starting_bytes: int = 0
) -> None:
    """A 503 ``NotEnoughMemory`` when one more worker for ``model_dir`` does not fit in ``available`` bytes
    (less ``starting_bytes`` still to be taken by workers that are loading); ``running`` are the endpoints
    the user could delete."""
    if available is None:
        return
    need = worker_bytes(model_dir)
    free = available - starting_bytes
    if need <= free:
        return
    fit = max(0, free) // need
    delete = ", ".join(running) if running else "none are running here (close other programs)"
    raise ServiceUnavailable(
        f"Not enough memory for another local endpoint: one needs about {need / GB:.2f} GB and "
        f"{max(0, free) / GB:.2f} GB is available, so {fit} more endpoint(s) of this model can run now.",
        hint=f"Delete a local endpoint you no longer need (each frees about {need / GB:.2f} GB): {delete}.",
        code="NotEnoughMemory",
        details={
            "needed_bytes": need,
            "available_bytes": max(0, free),
            "can_run": fit,
            "running": list(running),
        },
    )
