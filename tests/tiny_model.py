"""A tiny Llama built from scratch at test time: local-mode tests run a real model without downloads.

The tokenizer is a byte-level BPE trained on CPython standard-library docstrings (PSF licence, on every
machine with Python); the model is a randomly initialised ``LlamaForCausalLM`` (2 layers, hidden 64).
Everything is seeded, so two builds are identical. Output text is gibberish, which is fine: the tests
exercise the serving machinery, not the model's knowledge.

Use it from another test module with ``from tests.tiny_model import tiny_model_dir`` (or list
``"tests.tiny_model"`` in ``pytest_plugins`` of tests/conftest.py). The build runs in a subprocess (``python
tests/tiny_model.py OUT``) so the pytest process itself never imports torch, which keeps "importing the
extension does not import torch" checks meaningful in the same session.
"""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

VOCAB_SIZE = 2048
HIDDEN_SIZE = 64
LAYERS = 2
MAX_POSITIONS = 512
SEED = 1234
CORPUS_CHARS = 250_000  # enough for a 2k vocabulary; read and trained in about a second
SPECIAL_TOKENS = ["<|endoftext|>", "<|pad|>", "<|im_start|>", "<|im_end|>"]
# ChatML, like SmolLM2's, so chat requests render the same way for the tiny model and the stand-in.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SKIPPED_DIRS = {
    "test",
    "tests",
    "idlelib",
    "tkinter",
    "lib2to3",
    "site-packages",
    "dist-packages",
    "turtledemo",
}


def iter_docstrings(limit_chars: int = CORPUS_CHARS) -> Iterator[str]:
    """Docstrings of the standard library, in a fixed order, up to ``limit_chars`` characters."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files: list[Path] = []
    for folder, dirs, names in os.walk(root):
        # Pruned in place so the walk never descends into site-packages (which can be huge) or tests.
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith((".", "__")))
        files.extend(Path(folder) / name for name in names if name.endswith(".py"))
    total = 0
    for path in sorted(files):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc and len(doc) > 40:
                    yield doc
                    total += len(doc)
                    if total >= limit_chars:
                        return


def build_tiny_model(out_dir: Path) -> Path:
    """Train the tokenizer, create the model and save both (plus a chat template) into ``out_dir``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    # Typed as Any: transformers' and torch's own annotations are incomplete for strict mypy.
    torch: Any = importlib.import_module("torch")
    transformers: Any = importlib.import_module("transformers")

    torch.set_num_threads(1)
    torch.manual_seed(SEED)

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(list(iter_docstrings()), trainer)
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<|endoftext|>",
        eos_token="<|im_end|>",
        pad_token="<|pad|>",
        unk_token="<|endoftext|>",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    special_ids = [int(tokenizer.convert_tokens_to_ids(token)) for token in SPECIAL_TOKENS]
    eos_ids = [special_ids[0], special_ids[3]]

    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=HIDDEN_SIZE,
        intermediate_size=HIDDEN_SIZE * 8 // 3,
        num_hidden_layers=LAYERS,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=MAX_POSITIONS,
        tie_word_embeddings=True,
        bos_token_id=special_ids[0],
        eos_token_id=eos_ids,
        pad_token_id=special_ids[1],
    )
    model = transformers.LlamaForCausalLM(config)
    with torch.no_grad():
        # An untrained model picks tokens at random; zeroing the special tokens' (tied) embeddings gives them
        # a logit of exactly 0 while ordinary tokens' logits spread around it, so greedy decoding never ends
        # early on a stray EOS. Tests control length with max_new_tokens and see a deterministic token count.
        model.get_input_embeddings().weight[special_ids] = 0.0
    model.generation_config = transformers.GenerationConfig(
        bos_token_id=special_ids[0], eos_token_id=eos_ids, pad_token_id=special_ids[1]
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


_built: Path | None = None


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the tiny Llama (config.json, model.safetensors, tokenizer, chat template)."""
    global _built
    if _built is not None and (_built / "config.json").is_file():
        return _built  # imported into several modules: build once per session
    out = tmp_path_factory.mktemp("tiny-llama") / "model"
    env = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Building the tiny model failed:\n{result.stderr[-3000:]}")
    print(f"tiny model built in {time.monotonic() - started:.1f} s: {out}")
    _built = out
    return out


if __name__ == "__main__":
    build_tiny_model(Path(sys.argv[1]))
