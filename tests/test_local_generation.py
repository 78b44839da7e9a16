"""The SageMaker payload → ``generate`` mapping of local mode (pure functions; no torch needed)."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_llama_neuron.backends.local.generation import (
    DEFAULT_MAX_NEW_TOKENS,
    FINISH_CANCELLED,
    FINISH_EOS,
    FINISH_EOS_IMMEDIATELY,
    FINISH_LENGTH,
    FINISH_STOP,
    GenerationRequestError,
    StopStringFilter,
    assemble_text,
    cut_at_stop,
    finish_reason,
    plan_generation,
)


def test_defaults_are_greedy_with_the_default_length() -> None:
    plan = plan_generation({}, prompt_tokens=10, n_positions=1024)
    assert plan.max_new_tokens == DEFAULT_MAX_NEW_TOKENS
    assert plan.kwargs["max_new_tokens"] == DEFAULT_MAX_NEW_TOKENS
    assert plan.kwargs["do_sample"] is False
    assert plan.stop == ()
    assert plan.return_full_text is False
    assert not plan.capped_by_context
    assert plan.streamable


def test_none_parameters_mean_defaults() -> None:
    assert plan_generation(None, 5, 100).max_new_tokens == DEFAULT_MAX_NEW_TOKENS


def test_sampling_knobs_only_apply_when_do_sample() -> None:
    # JumpStart's example payload: temperature/top_p without do_sample decodes greedily.
    greedy = plan_generation({"max_new_tokens": 64, "top_p": 0.9, "temperature": 0.6}, 5, 1024)
    assert greedy.kwargs["do_sample"] is False
    # Explicit None stops generate() from applying a model's own sampling defaults.
    assert greedy.kwargs["temperature"] is None
    assert greedy.kwargs["top_p"] is None
    assert greedy.kwargs["top_k"] is None

    sampled = plan_generation({"do_sample": True, "top_p": 0.9, "temperature": 0.6, "top_k": 50}, 5, 1024)
    assert sampled.kwargs["do_sample"] is True
    assert sampled.kwargs["temperature"] == pytest.approx(0.6)
    assert sampled.kwargs["top_p"] == pytest.approx(0.9)
    assert sampled.kwargs["top_k"] == 50


def test_zero_temperature_with_sampling_is_refused_like_tgi() -> None:
    with pytest.raises(GenerationRequestError, match="temperature must be > 0") as info:
        plan_generation({"do_sample": True, "temperature": 0}, 5, 1024)
    assert "greedy" in info.value.hint


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"max_new_tokens": 0}, "max_new_tokens must be an integer >= 1"),
        ({"max_new_tokens": 3.5}, "max_new_tokens must be an integer"),
        ({"max_new_tokens": True}, "max_new_tokens must be an integer"),
        ({"temperature": "hot"}, "temperature must be a number"),
        ({"temperature": float("nan")}, "temperature must be a number"),
        ({"top_p": 1.5}, "top_p must be in"),
        ({"top_p": 0}, "top_p must be in"),
        ({"top_k": 0}, "top_k must be an integer >= 1"),
        ({"do_sample": "yes"}, "do_sample must be true or false"),
        ({"num_beams": 0}, "num_beams must be an integer >= 1"),
        ({"early_stopping": 1}, "early_stopping must be true or false"),
        ({"no_repeat_ngram_size": -1}, "no_repeat_ngram_size must be an integer >= 0"),
        ({"repetition_penalty": 0}, "repetition_penalty must be a number > 0"),
        ({"stop": [""]}, "stop must be a list of non-empty strings"),
        ({"stop": 5}, "stop must be a list of non-empty strings"),
        ({"return_full_text": "no"}, "return_full_text must be true or false"),
        ({"max_new_tokn": 5}, "Unknown inference parameter"),
    ],
)
def test_invalid_parameters_get_a_clear_error(parameters: dict[str, Any], message: str) -> None:
    with pytest.raises(GenerationRequestError, match=message):
        plan_generation(parameters, 5, 1024)


def test_parameters_must_be_an_object() -> None:
    with pytest.raises(GenerationRequestError, match="JSON object"):
        plan_generation([1, 2], 5, 1024)  # type: ignore[arg-type]


def test_unknown_parameter_error_lists_the_supported_ones() -> None:
    with pytest.raises(GenerationRequestError) as info:
        plan_generation({"foo": 1}, 5, 1024)
    assert "max_new_tokens" in info.value.hint


def test_ignored_parameters_are_accepted_and_reported() -> None:
    plan = plan_generation({"details": True, "seed": 3, "max_new_tokens": 4}, 5, 1024)
    assert plan.ignored == ("details", "seed")
    assert "details" not in plan.kwargs


def test_beam_search_options() -> None:
    plan = plan_generation({"num_beams": 3, "early_stopping": True, "no_repeat_ngram_size": 2}, 5, 1024)
    assert plan.kwargs["num_beams"] == 3
    assert plan.kwargs["early_stopping"] is True
    assert plan.kwargs["no_repeat_ngram_size"] == 2
    assert not plan.streamable  # transformers cannot stream beam search

    single = plan_generation({"num_beams": 1, "early_stopping": True}, 5, 1024)
    assert "num_beams" not in single.kwargs
    assert "early_stopping" not in single.kwargs  # meaningless without beams
    assert single.streamable


def test_repetition_penalty_passes_through() -> None:
    assert plan_generation({"repetition_penalty": 1.2}, 5, 64).kwargs["repetition_penalty"] == pytest.approx(
        1.2
    )


def test_stop_strings_map_to_generate_and_dedupe() -> None:
    plan = plan_generation({"stop": ["###", "\n\n", "###"]}, 5, 1024)
    assert plan.stop == ("###", "\n\n")
    assert plan.kwargs["stop_strings"] == ["###", "\n\n"]
    assert plan_generation({"stop": "END"}, 5, 1024).stop == ("END",)


def test_max_length_counts_the_prompt() -> None:
    plan = plan_generation({"max_length": 30}, prompt_tokens=10, n_positions=1024)
    assert plan.max_new_tokens == 20
    both = plan_generation({"max_length": 30, "max_new_tokens": 5}, prompt_tokens=10, n_positions=1024)
    assert both.max_new_tokens == 5  # the stricter limit wins
    with pytest.raises(GenerationRequestError, match="max_length") as info:
        plan_generation({"max_length": 10}, prompt_tokens=10, n_positions=1024)
    assert info.value.code == "Unprocessable"


def test_context_length_caps_new_tokens() -> None:
    plan = plan_generation({"max_new_tokens": 500}, prompt_tokens=1000, n_positions=1024)
    assert plan.max_new_tokens == 24
    assert plan.kwargs["max_new_tokens"] == 24
    assert plan.capped_by_context
    exact = plan_generation({"max_new_tokens": 24}, prompt_tokens=1000, n_positions=1024)
    assert not exact.capped_by_context
    default = plan_generation({}, prompt_tokens=1020, n_positions=1024)
    assert default.max_new_tokens == 4


@pytest.mark.parametrize("prompt_tokens", [1024, 1025, 5000])
def test_prompt_that_fills_the_context_is_refused(prompt_tokens: int) -> None:
    with pytest.raises(GenerationRequestError) as info:
        plan_generation({}, prompt_tokens=prompt_tokens, n_positions=1024)
    assert info.value.code == "Unprocessable"
    assert f"{prompt_tokens} tokens" in info.value.message
    assert "n_positions" in info.value.message
    assert "truncate" in info.value.hint


def test_truncate_keeps_the_last_prompt_tokens() -> None:
    plan = plan_generation({"truncate": 1000, "max_new_tokens": 100}, prompt_tokens=3000, n_positions=1024)
    assert plan.truncated_tokens == 2000
    assert plan.prompt_tokens == 1000
    assert plan.max_new_tokens == 24
    short = plan_generation({"truncate": 1000}, prompt_tokens=10, n_positions=1024)
    assert short.truncated_tokens == 0
    with pytest.raises(GenerationRequestError):
        plan_generation({"truncate": 2000}, prompt_tokens=3000, n_positions=1024)


def test_empty_prompt_is_refused() -> None:
    with pytest.raises(GenerationRequestError, match="empty"):
        plan_generation({}, prompt_tokens=0, n_positions=1024)


def test_cut_at_stop_uses_the_earliest_match() -> None:
    assert cut_at_stop("Paris. Then ### more\n\nend", ["\n\n", "###"]) == ("Paris. Then ", True)
    assert cut_at_stop("no stop here", ["###"]) == ("no stop here", False)
    assert cut_at_stop("###", ["###"]) == ("", True)
    assert cut_at_stop("abc", []) == ("abc", False)


@pytest.mark.parametrize(
    ("chunks", "stop"),
    [
        (["Hello ", "wor", "ld. #", "## Res", "ponse: x"], ["### Response"]),
        (["Hello ", "wor", "ld. #", "#", " not a stop"], ["### Response"]),
        (["a", "b", "c", "\n", "\n", "d"], ["\n\n"]),
        (["The answer is 4", "2", ". Done"], ["42", "Done"]),
        (["no stops at all"], []),
        (["ends with a partial ##"], ["###"]),
        (["x" * 10, "STO", "P", "y"], ["STOP", "TOP!"]),
    ],
)
def test_stream_filter_matches_the_final_cut(chunks: list[str], stop: list[str]) -> None:
    flt = StopStringFilter(stop)
    emitted = [flt.feed(chunk) for chunk in chunks]
    emitted.append(flt.finish())
    assert "".join(emitted) == cut_at_stop("".join(chunks), stop)[0]


def test_stream_filter_never_shows_part_of_a_stop_string() -> None:
    flt = StopStringFilter(["### Response"])
    assert flt.feed("Answer #") == "Answer "
    assert flt.feed("##") == ""
    assert flt.feed(" Resp") == ""
    assert flt.feed("onse and more") == ""
    assert flt.stopped
    assert flt.feed("late text") == ""
    assert flt.finish() == ""


def test_stream_filter_releases_a_false_alarm() -> None:
    flt = StopStringFilter(["###"])
    assert flt.feed("a #") == "a "
    assert flt.feed("b") == "#b"
    assert not flt.stopped


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"cancelled": True, "stopped_by_string": True, "ended_with_eos": True, "text": "x"},
            FINISH_CANCELLED,
        ),
        ({"cancelled": False, "stopped_by_string": True, "ended_with_eos": False, "text": ""}, FINISH_STOP),
        (
            {"cancelled": False, "stopped_by_string": False, "ended_with_eos": True, "text": " Paris."},
            FINISH_EOS,
        ),
        (
            {"cancelled": False, "stopped_by_string": False, "ended_with_eos": True, "text": ""},
            FINISH_EOS_IMMEDIATELY,
        ),
        (
            {"cancelled": False, "stopped_by_string": False, "ended_with_eos": True, "text": " \n"},
            FINISH_EOS_IMMEDIATELY,
        ),
        (
            {"cancelled": False, "stopped_by_string": False, "ended_with_eos": False, "text": "abc"},
            FINISH_LENGTH,
        ),
    ],
)
def test_finish_reason(kwargs: dict[str, Any], expected: str) -> None:
    assert finish_reason(tokens_out=8, max_new_tokens=8, **kwargs) == expected


def test_return_full_text() -> None:
    with_prompt = plan_generation({"return_full_text": True}, 3, 64)
    without = plan_generation({}, 3, 64)
    assert (
        assemble_text("The capital of France is", " Paris.", with_prompt) == "The capital of France is Paris."
    )
    assert assemble_text("The capital of France is", " Paris.", without) == " Paris."
