"""A pre-imported local worker: torch and transformers loaded before any deploy asks for a model.

    python -m jupyter_llama_neuron.backends.local.standby --threads 1

Where a warm deploy's start-up goes (``benchmarks/bench_local_start.py``, CPU seconds on this machine):
import torch ~1.0, import transformers ~0.8, the tokenizer ~1.2 (almost all of it transformers modules
imported on first use), the weights ~0.6. So about three quarters of a worker's start is imports that do
not depend on the model. A standby process pays them ahead of time, then waits:

    standby → {"event": "standby", "pid", "import_s", "import_cpu_s"}
    → standby {"op": "load", "argv": [worker arguments, as on its command line], "log": path (optional)}

and from there on it *is* that worker (``local.worker.main(argv)``: the same ready event and protocol), with
stderr appended to ``log`` (the endpoint's log) instead of the standby log it was started with.
The local backend (``local/endpoints.py``) keeps one standby process ready and hands it the next deploy,
starting another in the background. Its command line has no ``--endpoint=`` marker, so the backend recognises
it after a restart by PID and process start time (the endpoint record's ``pid_start``). Like the worker, it
exits when stdin closes, so it never outlives the server that started it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time

# What loading a Llama-architecture folder imports (transformers imports most of it lazily, on first use).
PRELOADED = (
    "torch",
    "transformers",
    "transformers.models.auto.configuration_auto",
    "transformers.models.auto.tokenization_auto",
    "transformers.models.auto.modeling_auto",
    "transformers.models.llama.configuration_llama",
    "transformers.models.llama.modeling_llama",
    "transformers.core_model_loading",
    "transformers.cache_utils",
    "jupyter_llama_neuron.backends.local.batching",
)


def preload() -> None:
    """Import what loading a model imports, without touching any model."""
    for name in PRELOADED:
        importlib.import_module(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="jupyter-llama-neuron pre-imported local worker")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (fixed at import)")
    args = parser.parse_args(argv)
    # Before torch is imported: OpenMP reads these once.
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, args.threads)))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started, cpu = time.perf_counter(), time.process_time()
    preload()
    announce = {
        "event": "standby",
        "pid": os.getpid(),
        "import_s": round(time.perf_counter() - started, 3),
        "import_cpu_s": round(time.process_time() - cpu, 3),
    }
    sys.stdout.write(json.dumps(announce) + "\n")
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        return 0  # the server went away before it needed us
    try:
        message = json.loads(line)
        worker_argv = message["argv"]
        log = message.get("log")
        if (
            message.get("op") != "load"
            or not isinstance(worker_argv, list)
            or not all(isinstance(a, str) for a in worker_argv)
            or not (log is None or isinstance(log, str))
        ):
            raise ValueError("expected {'op': 'load', 'argv': [str, ...], 'log': str}")
    except (ValueError, KeyError, TypeError) as exc:
        sys.stdout.write(json.dumps({"event": "fatal", "message": f"Bad load request: {exc}"}) + "\n")
        sys.stdout.flush()
        return 1
    if log:
        sys.stderr.flush()
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 2)
        os.close(fd)
    from .worker import main as worker_main

    return worker_main(["--threads", str(max(1, args.threads)), *worker_argv])


if __name__ == "__main__":
    sys.exit(main())
