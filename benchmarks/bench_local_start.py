"""How long a warm local deploy takes to reach InService, and where the time goes.

Goal: a warm deploy (the stand-in already converted) is InService in <= 5 s on this machine.

* deploy: ``LocalBackend.create_endpoint`` for the chat id, then ``describe_endpoint`` every 50 ms until
  InService (what the UI's Quick deploy waits for); the endpoint is deleted before the next run.
* pre-imported: ``python -m jupyter_llama_neuron.backends.local.standby`` started and waited for (torch and
  transformers imported), then timed from the load request to its ready event: the deploy time a server that
  keeps one standby worker would see (``local/standby.py``; the backend does not use it yet).
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


async def deploy_once(settings: ExtensionSettings, index: int) -> float:
    backend = LocalBackend(settings, Catalog())
    name = f"bench-start-{index}"
    try:
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


def standby_once(model_dir: Path) -> tuple[float, dict[str, Any]]:
    """Seconds from the load request to ready for a pre-imported worker (``local/standby.py``)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_llama_neuron.backends.local.standby", "--threads", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    stdin, stdout = cast(IO[str], process.stdin), cast(IO[str], process.stdout)
    standby = json.loads(stdout.readline())
    assert standby["event"] == "standby", standby
    argv = ["--model", str(model_dir), "--n-positions", "1024", "--concurrency", "2", "--dtype", "float32"]
    started = time.perf_counter()
    stdin.write(json.dumps({"op": "load", "argv": argv}) + "\n")
    stdin.flush()
    ready = json.loads(stdout.readline())
    elapsed = time.perf_counter() - started
    stdin.close()
    process.wait(30)
    assert ready["event"] == "ready", ready
    return elapsed, {**ready, "standby": standby}


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

    deploys: list[float] = []
    spawns: list[float] = []
    interpreters: list[tuple[float, float]] = []
    phases: dict[str, list[tuple[float, float]]] = {}
    process_cpu: list[float] = []
    standbys: list[tuple[float, float]] = []
    for run in range(args.repeats):
        deploys.append(asyncio.run(deploy_once(settings, run)))
        spawn, ready = worker_once(model_dir)
        spawns.append(spawn)
        process_cpu.append(float(ready["process_cpu_s"]))
        for name, phase in ready["phases"].items():
            phases.setdefault(name, []).append((phase["wall_s"], phase["cpu_s"]))
        interpreters.append(interpreter_once())
        standby_s, standby_ready = standby_once(model_dir)
        load_cpu = sum(p["cpu_s"] for p in standby_ready["phases"].values())
        standbys.append((standby_s, load_cpu))
        print(
            f"run {run + 1} ({load_average()}): deploy -> InService {deploys[-1]:.2f} s; "
            f"worker spawn -> ready {spawn:.2f} s wall, {process_cpu[-1]:.2f} s cpu"
            f"; pre-imported worker load -> ready {standby_s:.2f} s wall, {load_cpu:.2f} s cpu",
            flush=True,
        )

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print(
        f"\nWarm local deploy of the SmolLM2-135M-Instruct stand-in, median of {args.repeats} "
        f"({load_average()}):"
    )
    print(f"  deploy -> InService (LocalBackend)   : {med(deploys):6.2f} s wall  (goal <= 5 s)")
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
    print(
        "  pre-imported worker (local/standby.py), load request -> ready: "
        f"{med([s[0] for s in standbys]):6.2f} s wall  {med([s[1] for s in standbys]):6.2f} s cpu"
    )


if __name__ == "__main__":
    main()
