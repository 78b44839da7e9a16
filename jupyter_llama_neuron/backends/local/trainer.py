"""Local fine-tuning: LoRA on a Llama-architecture model, then merged into a plain model folder that deploys.

Run as ``python -m jupyter_llama_neuron.backends.local.trainer --model DIR --data FILE --out DIR --max-steps N
--learning-rate LR --batch-size B --max-input-length L [--response-marker TEXT] [--gradient-checkpointing
auto|on|off] [--threads T] [--job NAME]``. It runs in its own process: it imports torch, transformers and
peft, and needs GBs of memory (SmolLM2-135M at batch 8: ~5.7 GB, ~2.8 GB with gradient checkpointing, which
``auto`` turns on only when the memory available calls for it).

The recipe (reference local-mode.md §4): LoRA r=8, alpha=16, dropout 0.05 on the attention and MLP
projections (q/k/v/o/gate/up/down); AdamW with a short linear warm-up and linear decay; one torch thread by
default. Data is the Neuron container's format: one ``.jsonl`` file whose records have a ``text`` field (or a
``.txt`` file). When a record contains the response marker (the template's text before ``{response}``, by
default ``### Response:``), the loss is on the response only: labels are masked over the prompt. Otherwise the
whole text is the target (domain adaptation), with long ``.txt`` files cut into blocks.

Protocol: JSON lines on stdout (a private copy; library output goes to stderr):
``{"event": "log", "message"}``, ``{"event": "step", "step", "of", "loss", "elapsed_s"}``,
``{"event": "done", "merged_dir", ...}``, ``{"event": "error", "message"}``, and on SIGTERM (stop)
``{"event": "stopped"}`` with exit code 143. The merged model is written into a temporary sibling folder that
is renamed to ``--out`` only when complete, so a stopped or failed run leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import os
import random
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any, cast

from .convert import disk_full_text, make_4x_compatible

TRAINER_MODULE = "jupyter_llama_neuron.backends.local.trainer"
DEFAULT_RESPONSE_MARKER = "### Response:"
LORA_R = 8
LORA_ALPHA = 16
LORA_DROPOUT = 0.05
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
# Gradient checkpointing halves activation memory but costs ~1.4x the time (benchmarks/bench_lora.py: 0.72x
# the steps/s of a plain peft loop), so "auto" turns it on only when training without it would not fit in the
# memory available. The estimate is calibrated on SmolLM2-135M (30 layers x 576 hidden, vocab 49152): LoRA at
# batch 8 x ~120 tokens peaked at 5.7 GB (reference local-mode.md section 6): fp32 weights plus their
# LoRA/optimizer overhead, and per token ~260 bytes per layer x hidden unit plus 12 bytes per vocabulary
# entry (logits, their softmax and gradient).
ACTIVATION_BYTES_PER_LAYER_UNIT = 260
LOGIT_BYTES_PER_VOCAB_ENTRY = 12
WEIGHT_BYTES_PER_PARAMETER = 6
MEMORY_HEADROOM = 0.75  # use at most this share of the available memory
SEED = 42
INFO_FILE = "jupyter-llama-neuron-training.json"
TMP_PREFIX = ".tmp-"


class Stopped(Exception):
    """SIGTERM arrived: the user pressed Stop (or the server is shutting down)."""


class _StopSignal:
    """Turns the first SIGTERM into ``Stopped`` raised in the main thread, wherever training is."""

    def __init__(self) -> None:
        self.requested = False
        self.armed = True

    def handler(self, _signum: int, _frame: FrameType | None) -> None:
        if self.requested:
            return
        self.requested = True
        if self.armed:
            raise Stopped()


class ParentGone(Exception):
    """The server that started us is gone (our stdout pipe is closed): nobody would use the result."""


class Emitter:
    """Writes protocol lines (thread-safe); ``ParentGone`` when the reading end has closed."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def emit(self, event: str, **fields: Any) -> None:
        with self._lock:
            try:
                self._stream.write(json.dumps({"event": event, **fields}) + "\n")
                self._stream.flush()
            except (OSError, ValueError) as err:
                raise ParentGone(str(err)) from err

    def log(self, message: str) -> None:
        self.emit("log", message=message)


@dataclass
class Example:
    input_ids: list[int]
    labels: list[int]


def read_texts(path: Path) -> tuple[list[str], bool]:
    """The training texts and whether they are records (``.jsonl``) rather than one running text."""
    if path.suffix.lower() == ".txt":
        return [path.read_text(encoding="utf-8", errors="replace")], False
    texts: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as err:
                raise ValueError(f"line {number} of {path.name} is not valid JSON: {err}") from err
            text = record.get("text") if isinstance(record, dict) else None
            if not isinstance(text, str):
                raise ValueError(f"line {number} of {path.name} has no string 'text' field")
            if text.strip():
                texts.append(text)
    return texts, True


def build_examples(
    texts: list[str], records: bool, tokenizer: Any, max_length: int, marker: str
) -> tuple[list[Example], int, int]:
    """Tokenized examples, how many were truncated and how many had their prompt masked."""
    eos = tokenizer.eos_token_id
    eos_ids = [int(eos)] if isinstance(eos, int) else []
    examples: list[Example] = []
    truncated = masked = 0
    if not records:
        ids = [int(i) for i in tokenizer(texts[0])["input_ids"]]
        for start in range(0, len(ids), max_length):
            block = ids[start : start + max_length]
            if len(block) >= 8:
                examples.append(Example(block, list(block)))
        return examples, 0, 0
    for text in texts:
        cut = text.find(marker) if marker else -1
        if cut >= 0:
            boundary = cut + len(marker)
            prompt_ids = [int(i) for i in tokenizer(text[:boundary])["input_ids"]]
            answer_ids = [
                int(i) for i in tokenizer(text[boundary:], add_special_tokens=False)["input_ids"]
            ] + eos_ids
            ids = prompt_ids + answer_ids
            labels = [-100] * len(prompt_ids) + answer_ids
            masked += 1
        else:
            ids = [int(i) for i in tokenizer(text)["input_ids"]] + eos_ids
            labels = list(ids)
        if len(ids) > max_length:
            truncated += 1
            ids, labels = ids[:max_length], labels[:max_length]
        if any(label != -100 for label in labels[1:]):  # something left to learn after truncation
            examples.append(Example(ids, labels))
    return examples, truncated, masked


def _batch(torch: Any, examples: list[Example], pad_id: int) -> dict[str, Any]:
    width = max(len(e.input_ids) for e in examples)
    input_ids, labels, mask = [], [], []
    for example in examples:
        pad = width - len(example.input_ids)
        input_ids.append(example.input_ids + [pad_id] * pad)
        labels.append(example.labels + [-100] * pad)
        mask.append([1] * len(example.input_ids) + [0] * pad)
    return {
        "input_ids": torch.tensor(input_ids, dtype=torch.long),
        "labels": torch.tensor(labels, dtype=torch.long),
        "attention_mask": torch.tensor(mask, dtype=torch.long),
    }


def training_memory_estimate(config: Any, parameters: int, batch_size: int, tokens: int) -> int:
    """Peak bytes of LoRA training without gradient checkpointing (see ACTIVATION_BYTES_PER_LAYER_UNIT)."""
    layers = int(getattr(config, "num_hidden_layers", 0) or 0)
    hidden = int(getattr(config, "hidden_size", 0) or 0)
    vocab = int(getattr(config, "vocab_size", 0) or 0)
    per_token = layers * hidden * ACTIVATION_BYTES_PER_LAYER_UNIT + vocab * LOGIT_BYTES_PER_VOCAB_ENTRY
    return parameters * WEIGHT_BYTES_PER_PARAMETER + batch_size * tokens * per_token


def available_memory() -> int | None:
    """Bytes the kernel says can be allocated without swapping (Linux MemAvailable), else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def checkpointing_needed(estimate: int, available: int | None) -> bool:
    """``auto``: checkpoint when training without it would not fit (or when memory cannot be measured)."""
    return available is None or estimate > available * MEMORY_HEADROOM


def learning_rate_at(step: int, total: int, peak: float) -> float:
    """Linear warm-up over the first 10% (at most 10 steps), then linear decay to 10% of the peak."""
    warmup = min(10, max(1, total // 10))
    if step <= warmup:
        return peak * step / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (1.0 - 0.9 * progress)


def train(args: argparse.Namespace, out: Emitter, target: Path) -> dict[str, Any]:
    """Fine-tune, merge and save into ``target`` (a temporary folder). Returns facts for the done event."""
    started = time.monotonic()
    out.log("Loading torch, transformers and peft")
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(max(1, args.threads))
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(1)
    torch.manual_seed(SEED)
    random.seed(SEED)

    out.log(f"Loading the model from {args.model}")
    tokenizer: Any = cast(Any, AutoTokenizer.from_pretrained(args.model))
    model: Any = cast(Any, AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32))
    parameters = sum(p.numel() for p in model.parameters())
    max_positions = int(getattr(model.config, "max_position_embeddings", 0) or args.max_input_length)
    max_length = max(16, min(args.max_input_length, max_positions))

    texts, records = read_texts(Path(args.data))
    examples, truncated, masked = build_examples(texts, records, tokenizer, max_length, args.response_marker)
    if not examples:
        raise ValueError(f"{Path(args.data).name} holds no usable training text")
    out.log(
        f"{len(examples)} training examples ({masked} with the prompt masked, {truncated} truncated to "
        f"{max_length} tokens); {parameters / 1e6:.1f}M parameters"
    )

    longest = max(len(e.input_ids) for e in examples)
    estimate = training_memory_estimate(model.config, parameters, args.batch_size, longest)
    available = available_memory()
    checkpointing = args.gradient_checkpointing == "on" or (
        args.gradient_checkpointing == "auto" and checkpointing_needed(estimate, available)
    )
    if args.gradient_checkpointing == "auto":
        free = "unknown" if available is None else f"{available / 2**30:.1f} GB"
        choice = "on (slower, about half the memory)" if checkpointing else "off (faster)"
        out.log(
            f"Training needs about {estimate / 2**30:.1f} GB without gradient checkpointing; "
            f"{free} available: checkpointing {choice}"
        )
    model.config.use_cache = False
    if checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    lora = LoraConfig(
        r=LORA_R,
        lora_alpha=LORA_ALPHA,
        lora_dropout=LORA_DROPOUT,
        target_modules=list(LORA_TARGETS),
        task_type="CAUSAL_LM",
    )
    peft_model: Any = get_peft_model(model, lora)
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    out.log(
        f"LoRA r={LORA_R}, alpha={LORA_ALPHA} on {', '.join(LORA_TARGETS)}: "
        f"{sum(p.numel() for p in trainable) / 1e6:.2f}M trainable parameters; gradient checkpointing "
        f"{'on' if checkpointing else 'off'}; batch {args.batch_size}; learning rate {args.learning_rate:g}"
    )
    optimizer = torch.optim.AdamW(trainable, lr=args.learning_rate, weight_decay=0.0)
    pad_id = tokenizer.pad_token_id
    if pad_id is None:
        pad_id = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0

    order: list[int] = []
    rng = random.Random(SEED)
    peft_model.train()
    train_started = time.monotonic()
    train_cpu_started = time.process_time()
    losses: list[float] = []
    for step in range(1, args.max_steps + 1):
        batch_examples = []
        for _ in range(args.batch_size):
            if not order:
                order = list(range(len(examples)))
                rng.shuffle(order)
            batch_examples.append(examples[order.pop()])
        batch = _batch(torch, batch_examples, int(pad_id))
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(step, args.max_steps, args.learning_rate)
        loss = peft_model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        value = float(loss.detach())
        if not math.isfinite(value):
            raise ValueError(f"the loss became {value} at step {step}; try a lower learning_rate")
        losses.append(value)
        out.emit(
            "step",
            step=step,
            of=args.max_steps,
            loss=round(value, 6),
            elapsed_s=round(time.monotonic() - started, 3),
        )
    train_s = time.monotonic() - train_started
    train_cpu_s = time.process_time() - train_cpu_started

    out.log("Merging the LoRA weights into the model and saving it")
    merged: Any = peft_model.merge_and_unload()
    merged.config.use_cache = True
    if checkpointing:
        merged.gradient_checkpointing_disable()
    merged.save_pretrained(target)
    tokenizer.save_pretrained(target)
    make_4x_compatible(target)  # readable by transformers 4.x too (local-mode.md §7.3)
    info = {
        "base_model": str(args.model),
        "data": str(args.data),
        "steps": args.max_steps,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "max_input_length": max_length,
        "gradient_checkpointing": checkpointing,
        "lora": {"r": LORA_R, "alpha": LORA_ALPHA, "dropout": LORA_DROPOUT, "targets": list(LORA_TARGETS)},
        "examples": len(examples),
        "masked_examples": masked,
        "truncated_examples": truncated,
        "parameters": parameters,
        "train_s": round(train_s, 3),
        # CPU seconds of the loop: with one torch thread, what train_s would be on an idle core.
        "train_cpu_s": round(train_cpu_s, 3),
        "steps_per_s": round(args.max_steps / train_s, 4) if train_s > 0 else None,
        "first_loss": losses[0],
        "last_loss": losses[-1],
    }
    (target / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="jupyter-llama-neuron local LoRA fine-tuning")
    parser.add_argument("--model", required=True, help="Hugging Face model folder to fine-tune")
    parser.add_argument("--data", required=True, help="train.jsonl (records with 'text') or a .txt file")
    parser.add_argument("--out", required=True, type=Path, help="folder for the merged model")
    parser.add_argument("--max-steps", type=int, required=True)
    parser.add_argument("--learning-rate", type=float, required=True)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-input-length", type=int, default=512)
    parser.add_argument("--response-marker", default=DEFAULT_RESPONSE_MARKER)
    parser.add_argument(
        "--gradient-checkpointing",
        choices=["auto", "on", "off"],
        # auto: on only when training without it would not fit in the available memory.
        # JLN_GRADIENT_CHECKPOINTING=on|off overrides it.
        default=os.environ.get("JLN_GRADIENT_CHECKPOINTING", "auto"),
    )
    parser.add_argument("--threads", type=int, default=1)
    # Unused by the trainer: it names the job in the command line, so a restarted server can recognise it.
    parser.add_argument("--job", default="", help="training job name (identification only)")
    args = parser.parse_args(argv)
    if args.max_steps < 1 or args.batch_size < 1:
        parser.error("--max-steps and --batch-size must be at least 1")

    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    out = Emitter(protocol)
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, args.threads)))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    stop = _StopSignal()
    signal.signal(signal.SIGTERM, stop.handler)
    final: Path = args.out.resolve()
    tmp = final.parent / f"{TMP_PREFIX}{final.name}-{os.getpid()}"
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        info = train(args, out, tmp)
        if stop.requested:
            raise Stopped()
        # From here on the result is complete: a late stop request no longer discards it.
        stop.armed = False
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        out.emit("done", merged_dir=str(final), **info)
        return 0
    except Stopped:
        with contextlib.suppress(ParentGone):
            out.log("Stopped on request; nothing was saved.")
            out.emit("stopped")
        return 143
    except ParentGone:
        return 1  # the server died; the next one marks the job Failed
    except BaseException as exc:  # every failure is reported on the protocol stream
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or disk_full_text(message):
            message = (
                f"The disk holding {final.parent} is full ({message}): the fine-tuned model was not saved "
                "and nothing was kept. Free disk space there, then start the training again."
            )
        with contextlib.suppress(ParentGone):
            out.emit("error", message=message)
        return 1
    finally:
        stop.armed = False
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
