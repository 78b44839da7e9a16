"""The local trainer's LoRA steps/s vs a plain peft loop on the same model, batch and sequence length.

Goal: trainer / plain >= 0.95.

* trainer: ``backends/local/trainer.py`` as a training job runs it (one torch thread), on a
  generated Dolly-style ``train.jsonl``; steps/s from its ``train_s`` (the loop only: no load, merge or save)
  and, because wall time drifts with the other jobs on a shared machine, steps per CPU second from its
  ``train_cpu_s``. Run with gradient checkpointing off (what a plain loop does) and with the default
  (``auto``), which the ratio also reports.
* plain: this process loads the same model with transformers, wraps it with peft's ``get_peft_model`` and the
  same ``LoraConfig``, and runs forward / backward / AdamW step / zero_grad on the same batches (tokenised and
  padded by the trainer's own helpers, so both sides see identical tensors), one torch thread.

Sides alternate (plain, trainer off, trainer auto) per repeat. Prints per-run numbers, medians, ratios and
the load average. Usage:
    python benchmarks/bench_lora.py [--steps 5] [--batch-size 8] [--max-input-length 128] [--repeats 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if entry != str(ROOT)]

from jupyter_llama_neuron.backends.local import trainer  # noqa: E402
from jupyter_llama_neuron.backends.local.model_store import ModelStore  # noqa: E402
from jupyter_llama_neuron.settings import ExtensionSettings  # noqa: E402

CITIES = ["Lonzorden", "Zorkagar", "Ulul", "Tusel", "Marrow", "Kestrel", "Pellin", "Arvost"]


def write_dataset(path: Path, records: int = 64) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as handle:
        for _ in range(records):
            country, capital = rng.sample(CITIES, 2)
            facts = " ".join(
                f"{rng.choice(CITIES)} trades {rng.choice(['salt', 'wool', 'tin'])}." for _ in range(6)
            )
            text = (
                f"### Instruction:\nWhat is the capital of {country}?\n\n### Context:\n{facts} "
                f"The capital of {country} is {capital}.\n\n"
                f"### Response:\nThe capital of {country} is {capital}."
            )
            handle.write(json.dumps({"text": text}) + "\n")


def run_trainer(
    model_dir: Path, data: Path, out: Path, args: argparse.Namespace, checkpointing: str
) -> dict[str, Any]:
    command = [
        sys.executable, "-m", trainer.TRAINER_MODULE, "--model", str(model_dir), "--data", str(data),
        "--out", str(out), "--max-steps", str(args.steps), "--learning-rate", "2e-4",
        "--batch-size", str(args.batch_size), "--max-input-length", str(args.max_input_length),
        "--gradient-checkpointing", checkpointing, "--threads", "1",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    done = [e for e in events if e.get("event") == "done"]
    if not done:
        raise RuntimeError(f"the trainer failed: {events[-3:]} {result.stderr[-2000:]}")
    return cast(dict[str, Any], done[0])


def run_plain(model_dir: Path, data: Path, args: argparse.Namespace) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``args.steps`` plain peft steps."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(1)
    torch.manual_seed(trainer.SEED)
    tokenizer: Any = cast(Any, AutoTokenizer.from_pretrained(model_dir))
    model: Any = cast(Any, AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32))
    model.config.use_cache = False
    texts, records = trainer.read_texts(data)
    examples, _, _ = trainer.build_examples(
        texts, records, tokenizer, args.max_input_length, trainer.DEFAULT_RESPONSE_MARKER
    )
    lora = LoraConfig(
        r=trainer.LORA_R,
        lora_alpha=trainer.LORA_ALPHA,
        lora_dropout=trainer.LORA_DROPOUT,
        target_modules=list(trainer.LORA_TARGETS),
        task_type="CAUSAL_LM",
    )
    peft_model: Any = get_peft_model(model, lora)
    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=2e-4)
    peft_model.train()
    order = list(range(len(examples)))
    random.Random(trainer.SEED).shuffle(order)
    pad_id = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id)
    wall, cpu = time.perf_counter(), time.process_time()
    for step in range(args.steps):
        chosen = [examples[order[(step * args.batch_size + i) % len(order)]] for i in range(args.batch_size)]
        batch = trainer._batch(torch, chosen, pad_id)
        loss = peft_model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-input-length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "jupyter-llama-neuron-bench-streaming",
        help="where the converted stand-in is cached between runs (shared with the other local benchmarks)",
    )
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    os.environ["HF_HUB_OFFLINE"] = "1"
    store = ModelStore(ExtensionSettings(backend="local", data_dir=args.data_dir, local_torch_threads=1))
    model_dir = asyncio.run(store.ensure_stand_in())

    rates: dict[str, list[tuple[float, float]]] = {"plain": [], "off": [], "auto": []}
    loads: list[float] = []
    checkpointing_auto = False
    with tempfile.TemporaryDirectory(prefix="jln-bench-lora-") as work:
        data = Path(work) / "train.jsonl"
        write_dataset(data)
        for run in range(args.repeats):
            loads.append(os.getloadavg()[0])
            wall, cpu = run_plain(model_dir, data, args)
            rates["plain"].append((args.steps / wall, args.steps / cpu))
            for setting in ("off", "auto"):
                info = run_trainer(model_dir, data, Path(work) / f"out-{setting}-{run}", args, setting)
                rates[setting].append((args.steps / info["train_s"], args.steps / info["train_cpu_s"]))
                if setting == "auto":
                    checkpointing_auto = bool(info["gradient_checkpointing"])
            print(
                f"run {run + 1} (load {os.getloadavg()[0]:.2f}): "
                + " | ".join(
                    f"{k} {v[-1][0]:.3f} steps/s {v[-1][1]:.3f} steps/cpu-s" for k, v in rates.items()
                ),
                flush=True,
            )

    def med(key: str, index: int) -> float:
        return statistics.median(r[index] for r in rates[key])

    print(
        f"\nSmolLM2-135M-Instruct LoRA, batch {args.batch_size}, <= {args.max_input_length} tokens, "
        f"{args.steps} steps, 1 torch thread, median of {args.repeats} "
        f"(load average {min(loads):.2f}-{max(loads):.2f}):"
    )
    auto = "on" if checkpointing_auto else "off"
    for key, label in (
        ("plain", "plain peft loop"),
        ("off", "trainer, checkpointing off"),
        ("auto", f"trainer, default (auto: {auto})"),
    ):
        print(f"  {label:32}: {med(key, 0):.3f} steps/s  {med(key, 1):.3f} steps/cpu-s")
    for key, label in (("off", "checkpointing off"), ("auto", "default          ")):
        print(
            f"  ratio trainer ({label})/plain = {med(key, 0) / med('plain', 0):.3f} wall, "
            f"{med(key, 1) / med('plain', 1):.3f} cpu  (goal >= 0.95)"
        )


if __name__ == "__main__":
    main()
