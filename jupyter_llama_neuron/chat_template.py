"""Meta's Llama 2 chat prompt format, for the ``-f`` (chat) models on SageMaker.

The Llama 2 Neuron chat endpoints take one plain string in ``inputs``; the client applies the template
(reference notes §3.4). This reproduces Meta's reference ``chat_completion`` (meta-llama/llama,
``llama/generation.py``) as a string:

* an optional leading system message is merged into the first user turn as
  ``<<SYS>>\\n{system}\\n<</SYS>>\\n\\n{user}``;
* every completed exchange is ``<s>[INST] {user} [/INST] {assistant} </s>``;
* the final user turn is ``<s>[INST] {user} [/INST]`` (the model answers after it).

Meta strips each turn's surrounding whitespace; so do we (the system text and the user text are stripped
separately, so ``"  be brief "`` and ``"be brief"`` render identically). ``<s>``/``</s>`` appear as text:
Hugging Face's Llama tokenizer in the serving container reads them as the BOS/EOS special tokens, which is how
Meta's tokenizer encodes each turn.

Marker neutralisation: Meta's reference refuses a dialog whose text contains ``[INST]``, ``[/INST]``,
``<<SYS>>`` or ``<</SYS>>``. An analyst pasting a prompt that *discusses* the template should not get an
error, so instead every marker occurrence inside message text (``[INST]``, ``[/INST]``, ``<<SYS>>``,
``<</SYS>>``, ``<s>``, ``</s>``; any letter case, since tokenizer quirks vary) gets a ZERO WIDTH SPACE
(U+200B) inserted right after its first character: ``[INST]`` becomes ``[\\u200bINST]``. The text still
reads the same to a person, no longer matches the special tokens or the turn delimiters, and inserting a
character can never assemble a new marker out of the surrounding text, so one pass is enough. Everything
else is passed verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import BadRequest

B_INST, E_INST = "[INST]", "[/INST]"
B_SYS, E_SYS = "<<SYS>>\n", "\n<</SYS>>\n\n"
BOS, EOS = "<s>", "</s>"
ROLES = ("system", "user", "assistant")
ZERO_WIDTH_SPACE = "\u200b"
MAX_MESSAGES = 200

# One alternation for all six markers; ``<<SYS>>`` is listed before ``</?s>`` only for readability, the two
# cannot overlap (``<<SYS>>`` contains no ``<s>``/``</s>`` even ignoring case: the "s" is followed by "Y").
_MARKERS = re.compile(r"\[/?INST\]|<</?SYS>>|</?s>", re.IGNORECASE)


def neutralise_markers(text: str) -> str:
    """``text`` with every template marker broken by a zero-width space after its first character."""
    return _MARKERS.sub(lambda m: m.group(0)[0] + ZERO_WIDTH_SPACE + m.group(0)[1:], text)


def validate_messages(messages: Any) -> list[dict[str, str]]:
    """Check a chat ``messages`` list; return clean ``[{"role", "content"}]`` or raise ``BadRequest``.

    Shape: a non-empty list (at most ``MAX_MESSAGES``) of ``{"role", "content"}`` objects with non-empty
    string content; an optional leading ``system`` message, then strictly alternating ``user``/``assistant``,
    ending with ``user`` (the turn the model answers). Errors name the 0-based position of the offending
    message.
    """
    example = 'e.g. [{"role": "user", "content": "Hello"}]'
    if not isinstance(messages, list) or not messages:
        raise BadRequest(
            f"messages must be a non-empty list of {{role, content}} objects, {example}.",
            code="InvalidMessages",
        )
    if len(messages) > MAX_MESSAGES:
        raise BadRequest(
            f"messages has {len(messages)} entries; at most {MAX_MESSAGES} are accepted.",
            hint="Drop the oldest turns of the conversation.",
            code="InvalidMessages",
        )
    clean: list[dict[str, str]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping) or set(message) != {"role", "content"}:
            raise BadRequest(
                f"messages[{index}] must be an object with exactly the keys role and content.",
                hint=example,
                code="InvalidMessages",
            )
        role, content = message["role"], message["content"]
        if role not in ROLES:
            raise BadRequest(
                f"messages[{index}].role must be one of {', '.join(ROLES)}; got {str(role)[:40]!r}.",
                code="InvalidMessages",
            )
        if not isinstance(content, str) or not content.strip():
            raise BadRequest(f"messages[{index}].content must be a non-empty string.", code="InvalidMessages")
        clean.append({"role": role, "content": content})

    start = 1 if clean[0]["role"] == "system" else 0
    for index in range(start, len(clean)):
        expected = "user" if (index - start) % 2 == 0 else "assistant"
        if clean[index]["role"] != expected:
            where = "after the optional leading system message" if start else "from the first message"
            raise BadRequest(
                f"messages[{index}] has role {clean[index]['role']}, but {expected} was expected there: "
                f"roles must alternate user/assistant {where}.",
                hint="Only the first message may be a system message; merge consecutive turns of one role.",
                code="InvalidMessages",
                details={"position": index},
            )
    if len(clean) == start:
        raise BadRequest(
            "messages has only a system message; add a user message for the model to answer.",
            code="InvalidMessages",
            details={"position": len(clean)},
        )
    if clean[-1]["role"] != "user":
        raise BadRequest(
            f"messages[{len(clean) - 1}] is an assistant message, but the last message must be from the user "
            "(the turn the model answers).",
            code="InvalidMessages",
            details={"position": len(clean) - 1},
        )
    return clean


def render_llama2(messages: Sequence[Mapping[str, Any]]) -> str:
    """The Llama 2 chat prompt for ``messages`` (validated first; ``BadRequest`` names a bad position)."""
    dialog = validate_messages(list(messages))
    texts = [neutralise_markers(m["content"]).strip() for m in dialog]
    if dialog[0]["role"] == "system":
        # Meta merges the system prompt into the first user turn; that turn is then stripped as a whole,
        # which after stripping the parts separately changes nothing.
        texts = [f"{B_SYS}{texts[0]}{E_SYS}{texts[1]}", *texts[2:]]
    users, assistants = texts[0::2], texts[1::2]
    # Validation guarantees one more user turn than assistant turns: the last one is the open question.
    parts = [
        f"{BOS}{B_INST} {user} {E_INST} {answer} {EOS}"
        for user, answer in zip(users[:-1], assistants, strict=True)
    ]
    parts.append(f"{BOS}{B_INST} {users[-1]} {E_INST}")
    return "".join(parts)
