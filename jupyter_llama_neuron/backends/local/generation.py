"""The SageMaker/TGI invocation payload mapped onto Hugging Face ``generate`` arguments, as pure functions.

The worker subprocess uses this, but nothing here imports torch, so the rules (what each parameter means,
how the deployment's context length caps a request, how stop strings cut the text) are unit-tested without a
model.

Payload: ``{"inputs": str, "parameters": {...}}`` with the parameters JumpStart documents for the Llama 2
Neuron endpoints (max_length, max_new_tokens, num_beams, no_repeat_ngram_size, temperature, early_stopping,
do_sample, top_k, top_p, stop) plus the TGI/LMI ones clients send to such endpoints (return_full_text,
truncate, repetition_penalty). The service layer validates ranges before a request gets here; these checks are
the last line of defence and produce the same kind of clear message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# JumpStart's example payloads for these models all ask for 64 new tokens; used when a request names no limit.
DEFAULT_MAX_NEW_TOKENS = 64

# Parameters clients send to SageMaker LLM endpoints that have no local effect; accepted and reported, never
# fatal, so a payload copied from a notebook works unchanged.
IGNORED_PARAMETERS = frozenset(
    {
        "details",
        "decoder_input_details",
        "seed",
        "watermark",
        "best_of",
        "typical_p",
        "top_n_tokens",
        "num_return_sequences",
        "stream",
    }
)

# finish_reason values (TGI's vocabulary, plus two local ones the UI explains).
FINISH_EOS = "eos_token"
FINISH_LENGTH = "length"
FINISH_STOP = "stop_sequence"
FINISH_CANCELLED = "cancelled"
# The model produced end-of-sequence before any visible text (e.g. SmolLM2-Instruct given a bare question
# without its chat template). The playground turns this into an explanation instead of an empty answer.
FINISH_EOS_IMMEDIATELY = "eos_immediately"


class GenerationRequestError(ValueError):
    """A request the endpoint cannot run as sent. ``code`` is the errors.py class the backend maps it to."""

    def __init__(self, message: str, *, code: str = "BadRequest", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.hint = hint


@dataclass(frozen=True)
class GenerationPlan:
    """What the worker passes to ``model.generate`` and how it post-processes the output."""

    kwargs: dict[str, Any]  # generate() keyword arguments, without input ids, tokenizer or streamer
    max_new_tokens: int
    prompt_tokens: int  # after truncation
    truncated_tokens: int = 0  # dropped from the start of the prompt because of parameters.truncate
    stop: tuple[str, ...] = ()
    return_full_text: bool = False
    # True when the request asked for more new tokens than the context length leaves room for.
    capped_by_context: bool = False
    ignored: tuple[str, ...] = field(default=())

    @property
    def streamable(self) -> bool:
        """transformers cannot stream beam search (it only knows the best beam at the end)."""
        return int(self.kwargs.get("num_beams", 1)) <= 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _int_param(params: Mapping[str, Any], name: str, minimum: int) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if not _is_int(value) or value < minimum:
        raise GenerationRequestError(f"parameters.{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _bool_param(params: Mapping[str, Any], name: str) -> bool | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise GenerationRequestError(f"parameters.{name} must be true or false, got {value!r}.")
    return value


def _stop_strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items: Sequence[Any] = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(s, str) and s for s in items):
        raise GenerationRequestError("parameters.stop must be a list of non-empty strings.")
    # Order kept, duplicates dropped: the earliest match in the text decides where it is cut anyway.
    return tuple(dict.fromkeys(items))


def plan_generation(
    parameters: Mapping[str, Any] | None, prompt_tokens: int, n_positions: int
) -> GenerationPlan:
    """Map SageMaker ``parameters`` to generate kwargs within the deployment's context length.

    ``n_positions`` caps prompt + new tokens, as the precompiled Neuron graph does on ml.inf2: a request for
    more new tokens than fit is shortened (``capped_by_context``), and a prompt that leaves no room is refused
    unless the request sets ``truncate`` (keep only the last N prompt tokens, as TGI does).
    """
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, Mapping):
        raise GenerationRequestError("parameters must be a JSON object.")
    if n_positions < 2:
        raise GenerationRequestError(
            f"The endpoint's context length ({n_positions}) is too small.", code="Internal"
        )
    params = dict(parameters)

    truncated = 0
    truncate = _int_param(params, "truncate", 1)
    if truncate is not None and prompt_tokens > truncate:
        truncated = prompt_tokens - truncate
        prompt_tokens = truncate
    if prompt_tokens < 1:
        raise GenerationRequestError("The prompt is empty.", hint="Send some text in 'inputs'.")
    if prompt_tokens >= n_positions:
        raise GenerationRequestError(
            f"The prompt is {prompt_tokens} tokens, but this endpoint's context length (n_positions) is "
            f"{n_positions} tokens for prompt and answer together, so no room is left for an answer.",
            code="Unprocessable",
            hint="Shorten the prompt, set parameters.truncate to keep only its last tokens, or deploy a "
            "configuration with a longer context length.",
        )

    requested = _int_param(params, "max_new_tokens", 1)
    max_length = _int_param(params, "max_length", 1)
    if max_length is not None:
        if max_length <= prompt_tokens:
            raise GenerationRequestError(
                f"parameters.max_length ({max_length}) counts the prompt too and must be larger than the "
                f"prompt ({prompt_tokens} tokens).",
                code="Unprocessable",
                hint="Raise max_length or use max_new_tokens, which counts only the answer.",
            )
        by_length = max_length - prompt_tokens
        requested = by_length if requested is None else min(requested, by_length)
    if requested is None:
        requested = DEFAULT_MAX_NEW_TOKENS
    room = n_positions - prompt_tokens
    max_new_tokens = min(requested, room)

    kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens}
    do_sample = bool(_bool_param(params, "do_sample"))
    kwargs["do_sample"] = do_sample
    temperature = params.get("temperature")
    top_p = params.get("top_p")
    top_k = params.get("top_k")
    if temperature is not None and (not _is_number(temperature) or temperature < 0):
        raise GenerationRequestError(f"parameters.temperature must be a number >= 0, got {temperature!r}.")
    if top_p is not None and (not _is_number(top_p) or not 0 < top_p <= 1):
        raise GenerationRequestError(f"parameters.top_p must be in (0, 1], got {top_p!r}.")
    if top_k is not None and (not _is_int(top_k) or top_k < 1):
        raise GenerationRequestError(f"parameters.top_k must be an integer >= 1, got {top_k!r}.")
    if do_sample:
        # Sampling knobs only mean something when sampling; without do_sample the endpoint decodes greedily
        # (JumpStart's example payloads send temperature/top_p without do_sample and get deterministic text).
        if temperature is not None:
            if temperature == 0:
                raise GenerationRequestError(
                    "parameters.temperature must be > 0 when do_sample is true.",
                    hint="Use do_sample=false for deterministic (greedy) output.",
                )
            kwargs["temperature"] = float(temperature)
        if top_p is not None:
            kwargs["top_p"] = float(top_p)
        if top_k is not None:
            kwargs["top_k"] = int(top_k)
    else:
        # Explicit Nones stop generate() from applying a model's own sampling defaults or warning about them.
        kwargs.update(temperature=None, top_p=None, top_k=None)

    num_beams = _int_param(params, "num_beams", 1)
    if num_beams is not None and num_beams > 1:
        kwargs["num_beams"] = num_beams
        early_stopping = _bool_param(params, "early_stopping")
        if early_stopping is not None:
            kwargs["early_stopping"] = early_stopping
    else:
        _bool_param(params, "early_stopping")  # still type-checked so a typo is reported
    no_repeat = _int_param(params, "no_repeat_ngram_size", 0)
    if no_repeat:
        kwargs["no_repeat_ngram_size"] = no_repeat
    repetition_penalty = params.get("repetition_penalty")
    if repetition_penalty is not None:
        if not _is_number(repetition_penalty) or repetition_penalty <= 0:
            raise GenerationRequestError(
                f"parameters.repetition_penalty must be a number > 0, got {repetition_penalty!r}."
            )
        kwargs["repetition_penalty"] = float(repetition_penalty)

    stop = _stop_strings(params.get("stop"))
    if stop:
        kwargs["stop_strings"] = list(stop)  # generate() also needs tokenizer=; the worker adds it
    return_full_text = bool(_bool_param(params, "return_full_text"))

    known = {
        "max_new_tokens",
        "max_length",
        "do_sample",
        "temperature",
        "top_p",
        "top_k",
        "num_beams",
        "early_stopping",
        "no_repeat_ngram_size",
        "repetition_penalty",
        "stop",
        "return_full_text",
        "truncate",
    }
    unknown = sorted(set(params) - known - IGNORED_PARAMETERS)
    if unknown:
        raise GenerationRequestError(
            f"Unknown inference parameter(s): {', '.join(unknown)}.",
            hint="Supported: " + ", ".join(sorted(known)) + ".",
        )
    return GenerationPlan(
        kwargs=kwargs,
        max_new_tokens=max_new_tokens,
        prompt_tokens=prompt_tokens,
        truncated_tokens=truncated,
        stop=stop,
        return_full_text=return_full_text,
        capped_by_context=requested > room,
        ignored=tuple(sorted(set(params) & IGNORED_PARAMETERS)),
    )


def cut_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """``text`` up to (not including) the earliest stop string, and whether one was found.

    generate(stop_strings=...) stops *after* the token that completes the string, so the raw decode usually
    ends with it (and a token may carry characters past it); SageMaker clients expect the answer without it.
    """
    cut = -1
    for s in stop:
        index = text.find(s)
        if index != -1 and (cut == -1 or index < cut):
            cut = index
    return (text, False) if cut == -1 else (text[:cut], True)


class StopStringFilter:
    """Streams text while holding back anything that might be the beginning of a stop string.

    Without the hold-back, a stream could show "###" and only then learn that "### Response" was the stop
    string. Concatenating all that ``feed`` and ``finish`` return equals ``cut_at_stop(full_text, stop)[0]``.
    """

    def __init__(self, stop: Sequence[str]) -> None:
        self._stop = tuple(s for s in stop if s)
        self._buffer = ""
        self.stopped = False

    def _held_back(self) -> int:
        """Length of the longest buffer suffix that is a proper prefix of a stop string."""
        longest = 0
        for s in self._stop:
            for size in range(min(len(s) - 1, len(self._buffer)), longest, -1):
                if self._buffer.endswith(s[:size]):
                    longest = size
                    break
        return longest

    def feed(self, chunk: str) -> str:
        if self.stopped:
            return ""
        self._buffer += chunk
        if not self._stop:
            out, self._buffer = self._buffer, ""
            return out
        text, found = cut_at_stop(self._buffer, self._stop)
        if found:
            self.stopped = True
            self._buffer = ""
            return text
        keep = self._held_back()
        out = self._buffer[: len(self._buffer) - keep]
        self._buffer = self._buffer[len(self._buffer) - keep :]
        return out

    def finish(self) -> str:
        """The held-back tail once generation is over (it turned out not to be a stop string)."""
        if self.stopped:
            return ""
        out, self._buffer = self._buffer, ""
        return out


def finish_reason(
    *,
    cancelled: bool,
    stopped_by_string: bool,
    ended_with_eos: bool,
    tokens_out: int,
    max_new_tokens: int,
    text: str,
) -> str:
    """Why generation ended, in TGI's words plus ``cancelled`` and ``eos_immediately``."""
    if cancelled:
        return FINISH_CANCELLED
    if stopped_by_string:
        return FINISH_STOP
    if ended_with_eos:
        return FINISH_EOS_IMMEDIATELY if not text.strip() else FINISH_EOS
    if tokens_out >= max_new_tokens:
        return FINISH_LENGTH
    return FINISH_EOS


def assemble_text(prompt_text: str, completion: str, plan: GenerationPlan) -> str:
    """The ``generated_text`` the endpoint returns: the completion, or prompt + completion with
    return_full_text."""
    return prompt_text + completion if plan.return_full_text else completion
