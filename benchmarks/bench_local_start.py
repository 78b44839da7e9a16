"""How long a warm local deploy takes to reach InService, and where the time goes.

Goal: a warm deploy (the stand-in already converted) is InService in <= 5 s on this machine.

* deploy, standby: ``LocalBackend.create_endpoint`` for the chat id, then ``describe_endpoint`` every 50 ms
  until InService (what the UI's Quick deploy waits for), on one backend that keeps a pre-imported worker
  (``local/standby_pool.py``, the default): after a first, untimed deploy, each timed deploy starts once the
  standby is ready, as a user's next deploy does. Each endpoint is deleted before the next run.
* deploy, cold: the same with ``local_standby_worker`` off (a new backend per run: a worker started from
  scratch), which is also what the very first deploy after a server start costs.
* breakdown: the worker started directly (``backends/local/worker.py``), as the backend
  starts it; its ready event reports wall and CPU seconds per phase (import torch, import transformers,
  tokenizer, weights) and the CPU time of the whole process; ``python -c pass`` gives the interpreter's own
  start-up. Spawn -> ready minus the phases is the interpreter, the worker module's imports and the pipe.

Wall-clock numbers depend on what else runs on the machine, so CPU seconds (what the time would be on an
idle core, for these single-threaded phases) are printed beside them with the load average. Usage:
    python benchmarks/bench_local_start.py [--repeats 3] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if entry != str(ROOT)]

from jupyter_llama_neuron.backends.base import DeploymentConfig, EndpointRequest  # noqa: E402
from jupyter_llama_neuron.backends.local.backend import LocalBackend  # noqa: E402
from jupyter_llama_neuron.backends.local.model_store import ModelStore  # noqa: E402
from jupyter_llama_neuron.errors import NotFound  # noqa: E402
from jupyter_llama_neuron.settings import ExtensionSettings  # noqa: E402

CHAT_ID = "meta-textgenerationneuron-llama-2-7b-f"


class Catalog:
    entries: dict[str, dict[str, Any]] = {
        CHAT_ID: {"id": CHAT_ID, "display_name": "Llama-2-7b-chat (Neuron)"}
    }

    def model(self, model_id: str) -> Mapping[str, Any]:
        if model_id not in self.entries:
            raise NotFound(model_id)
        return self.entries[model_id]

    def summaries(self) -> Sequence[Mapping[str, Any]]:
        return list(self.entries.values())


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


async def deploy(backend: LocalBackend, name: str) -> float:
    """Seconds from create_endpoint to InService as a poller sees it; the endpoint is deleted after."""
    config = DeploymentConfig("ml.inf2.xlarge", 1024, 2, 2, "fp16")
    started = time.perf_counter()
    await backend.create_endpoint(EndpointRequest(name, CHAT_ID, "1.*", config, "bench"))
    while True:
        endpoint = await backend.describe_endpoint(name)
        if endpoint.status == "InService":
            elapsed = time.perf_counter() - started
            break
        if endpoint.status == "Failed":
            raise RuntimeError(endpoint.failure_reason)
        await asyncio.sleep(0.05)
    await backend.delete_endpoint(name)
    return elapsed


async def cold_once(settings: ExtensionSettings, index: int) -> float:
    backend = LocalBackend(replace(settings, local_standby_worker=False), Catalog())
    try:
        return await deploy(backend, f"bench-cold-{index}")
    finally:
        await backend.close()


async def with_standby(settings: ExtensionSettings, repeats: int) -> list[float]:
    """``repeats`` deploys on one backend, each once its standby worker is ready (the first one warms it)."""
    backend = LocalBackend(replace(settings, local_standby_worker=True), Catalog())
    times: list[float] = []
    try:
        await deploy(backend, "bench-standby-first")
        for run in range(repeats):
            if await backend.standby.wait_ready() is None:
                raise RuntimeError("the standby worker did not start (see <data dir>/local/standby.log)")
            times.append(await deploy(backend, f"bench-standby-{run}"))
            print(f"  deploy -> InService with the standby: {times[-1]:.2f} s ({load_average()})", flush=True)
        return times
    finally:
        await backend.close()


def worker_once(model_dir: Path) -> tuple[float, dict[str, Any]]:
    args = [
        sys.executable, "-m", "jupyter_llama_neuron.backends.local.worker", "--model", str(model_dir),
        "--n-positions", "1024", "--concurrency", "2", "--threads", "1", "--dtype", "float32",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    ready = json.loads(cast(IO[str], process.stdout).readline())
    elapsed = time.perf_counter() - started
    cast(IO[str], process.stdin).close()
    process.wait(30)
    assert ready["event"] == "ready", ready
    return elapsed, ready


def interpreter_once() -> tuple[float, float]:
    started = time.perf_counter()
    before = os.times()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return time.perf_counter() - started, cpu


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "jupyter-llama-neuron-bench-streaming",
        help="where the converted stand-in is cached between runs (shared with the other local benchmarks)",
    )
    args = parser.parse_args()
    settings = ExtensionSettings(backend="local", data_dir=args.data_dir, local_torch_threads=1)
    store = ModelStore(settings)
    if not store.stand_in_converted():
        print("converting SmolLM2-135M-Instruct once (about 25 s) ...", flush=True)
    model_dir = asyncio.run(store.ensure_stand_in())

    standby_deploys = asyncio.run(with_standby(settings, args.repeats))
    deploys: list[float] = []
    spawns: list[float] = []
    interpreters: list[tuple[float, float]] = []
    phases: dict[str, list[tuple[float, float]]] = {}
    process_cpu: list[float] = []
    for run in range(args.repeats):
        deploys.append(asyncio.run(cold_once(settings, run)))
        spawn, ready = worker_once(model_dir)
        spawns.append(spawn)
        process_cpu.append(float(ready["process_cpu_s"]))
        for name, phase in ready["phases"].items():
            phases.setdefault(name, []).append((phase["wall_s"], phase["cpu_s"]))
        interpreters.append(interpreter_once())
        print(
            f"run {run + 1} ({load_average()}): cold deploy -> InService {deploys[-1]:.2f} s; "
            f"worker spawn -> ready {spawn:.2f} s wall, {process_cpu[-1]:.2f} s cpu",
            flush=True,
        )

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print(
        f"\nWarm local deploy of the SmolLM2-135M-Instruct stand-in, median of {args.repeats} "
        f"({load_average()}):"
    )
    print(f"  deploy -> InService, standby (default): {med(standby_deploys):6.2f} s wall  (goal <= 5 s)")
    print(f"  deploy -> InService, cold             : {med(deploys):6.2f} s wall")
    print(f"  ratio cold / standby                  : {med(deploys) / med(standby_deploys):6.2f}x")
    print(
        f"  worker spawn -> ready                 : {med(spawns):6.2f} s wall  {med(process_cpu):6.2f} s cpu"
    )
    wall, cpu = med([i[0] for i in interpreters]), med([i[1] for i in interpreters])
    print(f"    python interpreter start            : {wall:6.2f} s wall  {cpu:6.2f} s cpu")
    for name, values in phases.items():
        print(
            f"    {name:36}: {med([v[0] for v in values]):6.2f} s wall  "
            f"{med([v[1] for v in values]):6.2f} s cpu"
        )
    accounted = sum(med([v[1] for v in values]) for values in phases.values()) + cpu
    print(f"    rest (worker module imports, pipes) : {'':13}{med(process_cpu) - accounted:6.2f} s cpu")


if __name__ == "__main__":
    main()
