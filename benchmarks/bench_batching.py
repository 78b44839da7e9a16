"""Continuous batching in the local worker vs ``generate`` on a batch, and a single request vs the old worker.

Goals (SmolLM2-135M-Instruct fp32, one torch thread everywhere):
* 4 concurrent requests to the batching worker reach >= 0.9x the aggregate tokens/s of ``model.generate`` on
  a batch of the same 4 prompts (ratio "batch4");
* a single streamed request loses nothing against the thread-per-request worker it replaces (``--scheduler
  threads``): TTFT ratio <= 1.05 and tokens/s ratio >= 0.95.

* direct: this process loads the converted stand-in with transformers, applies the chat template to the 4
  prompts, left-pads them and calls ``generate`` greedily; tokens/s = new tokens / wall time (tokenisation
  included). The prompts ask for stories, so no row ends early and both sides generate the same tokens.
* worker: ``backends/local/worker.py`` subprocesses (concurrency 4) driven over their
  JSON-line protocol, as the local backend drives them: 4 streamed requests written at once, tokens/s = sum of
  ``tokens_out`` / (first request written -> last ``done`` read); single: TTFT = request written -> first
  ``token`` event read, tokens/s = ``tokens_out`` / (written -> ``done``).

Runs alternate (direct, batching worker x4, batching single, threads single) after one warm-up each, so
background load affects all alike; prints per-run numbers, medians, the ratios and the load average. No
assertions. Usage:
    python benchmarks/bench_batching.py [--tokens 48] [--repeats 5] [--data-dir DIR]
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
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if entry != str(ROOT)]

from jupyter_llama_neuron.backends.local.model_store import ModelStore  # noqa: E402
from jupyter_llama_neuron.settings import ExtensionSettings  # noqa: E402

THREADS = 1
PROMPTS = [
    "Write a long story about a lighthouse keeper and a storm.",
    "Write a long story about a dragon who learns to bake bread.",
    "Write a long story about two friends crossing a desert.",
    "Write a long story about a robot that wants to paint.",
]


def convert_stand_in(data_dir: Path) -> Path:
    store = ModelStore(ExtensionSettings(backend="local", data_dir=data_dir, local_torch_threads=THREADS))
    if not store.stand_in_converted():
        print("converting SmolLM2-135M-Instruct once (about 25 s) ...", flush=True)
    return asyncio.run(store.ensure_stand_in())


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measure:
    ttft: float
    wall: float
    tokens: int
    cpu: float

    @property
    def rate(self) -> float:
        return self.tokens / self.wall

    @property
    def cpu_rate(self) -> float:
        """Tokens per CPU second: what the rate would be on an otherwise idle core."""
        return self.tokens / self.cpu

    def __str__(self) -> str:
        ttft = f"ttft {self.ttft * 1000:4.0f} ms " if self.ttft else ""
        return f"{ttft}{self.rate:5.1f} tok/s {self.cpu_rate:5.1f} tok/cpu-s ({self.tokens} tok)"


class Worker:
    def __init__(self, model_dir: Path, scheduler: str, concurrency: int = 4) -> None:
        args = [
            sys.executable, "-m", "jupyter_llama_neuron.backends.local.worker", "--model", str(model_dir),
            "--n-positions", "2048", "--concurrency", str(concurrency), "--threads", str(THREADS),
            "--dtype", "float32", "--scheduler", scheduler,
        ]  # fmt: skip
        env = {**os.environ, "OMP_NUM_THREADS": str(THREADS), "TOKENIZERS_PARALLELISM": "false"}
        self.name = scheduler
        self.process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        self._in = cast(IO[str], self.process.stdin)
        self._out = cast(IO[str], self.process.stdout)
        ready = json.loads(self._out.readline())
        assert ready["event"] == "ready", ready
        self._counter = 0

    def _send(self, prompt: str, tokens: int) -> str:
        self._counter += 1
        request_id = f"r{self._counter}"
        message = {
            "id": request_id,
            "op": "generate",
            "messages": [{"role": "user", "content": prompt}],
            "parameters": {"max_new_tokens": tokens},
            "stream": True,
        }
        self._in.write(json.dumps(message) + "\n")
        return request_id

    def run(self, prompts: list[str], tokens: int) -> Measure:
        """Time to the first token event, wall time, total tokens and worker CPU time for ``prompts`` sent
        at once."""
        cpu = cpu_seconds(self.process.pid)
        started = time.perf_counter()
        pending = {self._send(prompt, tokens) for prompt in prompts}
        self._in.flush()
        first: float | None = None
        total = 0
        while pending:
            message = json.loads(self._out.readline())
            if message["event"] == "token" and first is None:
                first = time.perf_counter() - started
            elif message["event"] == "done":
                pending.discard(message["id"])
                total += int(message["tokens_out"])
            elif message["event"] == "error":
                raise RuntimeError(message)
        assert first is not None
        return Measure(first, time.perf_counter() - started, total, cpu_seconds(self.process.pid) - cpu)

    def close(self) -> None:
        self._in.close()
        self.process.wait(30)


class Direct:
    def __init__(self, model_dir: Path) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(THREADS)
        self.torch = torch
        self.tokenizer: Any = cast(Any, AutoTokenizer.from_pretrained(model_dir, padding_side="left"))
        self.model: Any = cast(Any, AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32))
        self.model.eval()

    def run(self, prompts: list[str], tokens: int) -> Measure:
        """Wall time, new tokens that are not padding, and CPU time for ``generate`` on ``prompts``."""
        cpu = time.process_time()
        started = time.perf_counter()
        template = self.tokenizer.apply_chat_template
        texts = [
            template([{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=False)
            for prompt in prompts
        ]
        batch = self.tokenizer(texts, add_special_tokens=False, return_tensors="pt", padding=True)
        pad = self.tokenizer.pad_token_id
        with self.torch.inference_mode():
            output = self.model.generate(**batch, max_new_tokens=tokens, do_sample=False, pad_token_id=pad)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        new = output[:, batch["input_ids"].shape[1] :]
        eos = self.tokenizer.eos_token_id
        count = 0
        for row in new.tolist():
            # Tokens up to and including the first end-of-sequence; the rest is padding.
            count += row.index(eos) + 1 if eos in row else len(row)
        return Measure(0.0, elapsed, count, cpu)


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "jupyter-llama-neuron-bench-streaming",
        help="where the converted stand-in is cached between runs (shared with bench_streaming.py)",
    )
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    os.environ["HF_HUB_OFFLINE"] = "1"

    model_dir = convert_stand_in(args.data_dir)
    direct = Direct(model_dir)
    batching = Worker(model_dir, "batch")
    threads = Worker(model_dir, "threads")
    rows: dict[str, list[Measure]] = {"direct": [], "batch4": [], "single": [], "old": []}
    loads: list[float] = []
    try:
        # Warm-ups: first-call allocations and lazy imports on every side.
        direct.run(PROMPTS, 4)
        batching.run(PROMPTS, 4)
        threads.run(PROMPTS[:1], 4)
        for run in range(args.repeats):
            loads.append(os.getloadavg()[0])
            rows["direct"].append(direct.run(PROMPTS, args.tokens))
            rows["batch4"].append(batching.run(PROMPTS, args.tokens))
            rows["single"].append(batching.run(PROMPTS[:1], args.tokens))
            rows["old"].append(threads.run(PROMPTS[:1], args.tokens))
            d, b, s, o = (rows[k][-1] for k in ("direct", "batch4", "single", "old"))
            print(
                f"run {run + 1} ({load_average()}): generate x4 {d} | worker x4 {b} | single: batching {s}, "
                f"threads {o}",
                flush=True,
            )
    finally:
        batching.close()
        threads.close()

    def median(key: str, what: str) -> float:
        return statistics.median(float(getattr(m, what)) for m in rows[key])

    print(
        f"\nSmolLM2-135M-Instruct fp32, {args.tokens} new tokens, {THREADS} torch thread, median of "
        f"{args.repeats} (1-minute load average during the runs: {min(loads):.2f}-{max(loads):.2f}).\n"
        "tok/cpu-s = tokens per CPU second of the generating process, the rate on an idle core; wall-clock\n"
        "rates drift with the other jobs on this machine."
    )

    def line(label: str, key: str) -> str:
        ttft = f"ttft {median(key, 'ttft') * 1000:6.1f} ms  " if key in ("single", "old") else ""
        return (
            f"  {label:29}: {ttft}{median(key, 'rate'):6.1f} tok/s  {median(key, 'cpu_rate'):6.1f} tok/cpu-s"
        )

    print(line("generate, batch of 4", "direct"))
    print(line("batching worker, 4 at once", "batch4"))
    print(line("single, batching worker", "single"))
    print(line("single, thread-per-request", "old"))
    for what, unit in (("rate", "wall"), ("cpu_rate", "cpu")):
        ratio = median("batch4", what) / median("direct", what)
        print(f"  batch4 ratio worker/generate ({unit}) = {ratio:.3f}  (goal >= 0.9)")
    for what, unit in (("rate", "wall"), ("cpu_rate", "cpu")):
        ratio = median("single", what) / median("old", what)
        print(f"  single tok/s ratio new/old ({unit})   = {ratio:.3f}  (goal >= 0.95)")
    ratio = median("single", "ttft") / median("old", "ttft")
    print(f"  single ttft ratio new/old          = {ratio:.3f}  (goal <= 1.05)")


if __name__ == "__main__":
    main()
