"""Incremental detokenisation in the local worker: what each streamed token event carries."""

from __future__ import annotations

import pytest


class _Ids:
    """What ``generate`` hands a streamer: something with ``tolist()``."""

    def __init__(self, ids: list[int]) -> None:
        self._ids = ids

    def tolist(self) -> list[int]:
        return self._ids


@pytest.mark.parametrize(
    "text",
    [
        'Once upon a time, a lighthouse keeper said: "Don\'t panic."\nThe end.',
        "Multi-byte: 你好世界, café, naïve 🌍🚀 - done",
        "  leading spaces and\n\nblank lines  ",
    ],
)
def test_every_token_is_streamed_at_once_and_the_pieces_add_up(text: str) -> None:
    from tokenizers import Tokenizer

    from jupyter_llama_neuron.backends.local.incremental_decoder import IncrementalDecoder
    from jupyter_llama_neuron.token_counting import TOKENIZER_PATH

    if not TOKENIZER_PATH.is_file():
        pytest.skip("the Llama 2 tokenizer is built by jlpm build:tokenizer")
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))  # SentencePiece-style: "▁" spaces, byte fallback
    ids = tokenizer.encode(text, add_special_tokens=False).ids

    def decode(window: list[int]) -> str:
        return str(tokenizer.decode(window, skip_special_tokens=True))

    chunks: list[str] = []
    emitted_after: list[int] = []
    decoder = IncrementalDecoder(decode, chunks.append, emit_text=True)
    decoder.put(_Ids([1, 2, 3]))  # the prompt comes first and is not emitted
    for index, token in enumerate(ids):
        before = len(chunks)
        decoder.put(_Ids([token]))
        emitted_after.extend([index] * (len(chunks) - before))
    decoder.end()
    assert "".join(chunks) == decode(ids)
    assert emitted_after[0] == 0  # the first token's text leaves with the first token
    assert not any(chunk.endswith("\ufffd") for chunk in chunks)  # never half a character
    # Every token that completes a character is emitted at once; only byte-fallback pieces of a multi-byte
    # character wait for the rest of it.
    waiting = [i for i in range(len(ids)) if i not in emitted_after]
    assert all(decode(ids[: i + 1]).endswith("\ufffd") for i in waiting), waiting
