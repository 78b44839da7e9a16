"""Token ids to text chunks as they arrive, for streaming (used by the worker and the batching loop)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class IncrementalDecoder:
    """A ``generate`` streamer that turns token ids into text chunks as they arrive.

    Each token's text leaves as soon as it is known, using the incremental detokenisation of Hugging Face's
    text-generation-inference: decode a window that starts one emission back, with and without the newest
    tokens, and emit the difference - unless it ends in U+FFFD, i.e. inside a multi-byte character whose
    remaining bytes are still to come. The window gives each token its correct leading space (a SentencePiece
    token decoded alone loses it). transformers' ``TextStreamer`` instead holds text back until the next
    space, which delays the first visible text, and every word, by one token. This is its own class rather
    than a ``TextIteratorStreamer`` because that one needs a second thread per request to drain its queue;
    here each chunk is handed straight to ``on_text`` from the generating thread. It also records when the
    first new token arrived (TTFT) and decodes through the worker's tokenizer lock.
    """

    def __init__(
        self, decode: Callable[[list[int]], str], on_text: Callable[[str], None], *, emit_text: bool
    ) -> None:
        self._decode = decode
        self._on_text = on_text
        self._emit_text = emit_text
        self._tokens: list[int] = []
        self._prefix_offset = 0  # start of the decode window
        self._read_offset = 0  # tokens before this have been emitted
        self._prompt_pending = True
        self.first_token_at: float | None = None

    def put(self, value: Any) -> None:
        if self._prompt_pending:
            self._prompt_pending = False  # generate() first hands over the prompt itself
            return
        ids = value.tolist()
        if ids and isinstance(ids[0], list):
            ids = ids[0]  # batch of one
        self.push([int(i) for i in ids])

    def push(self, ids: list[int]) -> None:
        """New token ids (without the prompt): the batching loop calls this directly."""
        if self.first_token_at is None:
            self.first_token_at = time.monotonic()
        if not self._emit_text:
            return
        self._tokens.extend(ids)
        chunk = self._pending_text()
        # Empty when the new token adds no text yet (a skipped special token, or a partial character).
        if chunk and not chunk.endswith("\ufffd"):
            self._prefix_offset, self._read_offset = self._read_offset, len(self._tokens)
            self._on_text(chunk)

    def _pending_text(self) -> str:
        window = self._tokens[self._prefix_offset :]
        before = self._decode(self._tokens[self._prefix_offset : self._read_offset])
        text = self._decode(window)
        return text[len(before) :] if len(text) > len(before) else ""

    def end(self) -> None:
        if self._emit_text and self._read_offset < len(self._tokens):
            chunk = self._pending_text()  # whatever is left, even an incomplete character
            self._prefix_offset = self._read_offset = len(self._tokens)
            if chunk:
                self._on_text(chunk)
