"""The evaluation metrics against values computed by hand (the comments show the arithmetic)."""

from __future__ import annotations

import pytest

from jupyter_llama_neuron.evaluation_metrics import (
    _percentile,
    bootstrap_interval,
    exact_match,
    normalize_answer,
    paired_difference,
    rouge_l,
    score_answer,
    summarize,
    token_f1,
    win_tie_loss,
)


def test_squad_normalisation() -> None:
    # lower case, punctuation gone, articles gone, whitespace collapsed
    assert normalize_answer("  The Cat,  sat on A mat!  ") == "cat sat on mat"
    assert normalize_answer("Theory of an anthem") == "theory of anthem"  # only whole-word articles


def test_exact_match() -> None:
    assert exact_match("The capital of Velmor is Zorka.", "the capital of velmor is zorka") == 1.0
    assert exact_match("Zorka", "The capital is Zorka.") == 0.0
    assert exact_match("", "") == 1.0


def test_token_f1_by_hand() -> None:
    # answer tokens [cat, sat, on, mat] (4), reference [cat, sat] (2), 2 shared:
    # P = 2/4, R = 2/2, F1 = 2 * 0.5 * 1 / 1.5 = 2/3
    assert token_f1("The cat sat on the mat", "a cat sat") == pytest.approx(2 / 3)
    # multiset overlap: x x y vs x y y shares one x and one y: P = R = 2/3, F1 = 2/3
    assert token_f1("x x y", "x y y") == pytest.approx(2 / 3)
    assert token_f1("dog", "cat") == 0.0
    assert token_f1("", "") == 1.0
    assert token_f1("the", "cat") == 0.0  # "the" normalises to nothing


def test_rouge_l_by_hand() -> None:
    # [the cat sat on the mat] vs [the cat was on the mat]: LCS = the cat on the mat = 5 tokens,
    # P = R = 5/6, F = 5/6
    assert rouge_l("the cat sat on the mat", "the cat was on the mat") == pytest.approx(5 / 6)
    # [cat the] vs [the cat]: LCS 1, P = R = 1/2
    assert rouge_l("cat the", "the cat") == pytest.approx(0.5)
    # rouge-score lower-cases and drops punctuation
    assert rouge_l("Paris.", "paris") == 1.0
    # [a b c d] vs [a b]: LCS 2, P = 2/4, R = 2/2, F = 2/3
    assert rouge_l("a b c d", "a b") == pytest.approx(2 / 3)
    assert rouge_l("", "anything") == 0.0


def test_score_answer_rounds_and_selects() -> None:
    assert score_answer("a b c d", "a b", ["rouge_l"]) == {"rouge_l": 0.666667}
    assert set(score_answer("x", "x")) == {"exact_match", "token_f1", "rouge_l"}


def test_percentile_interpolates_like_numpy() -> None:
    assert _percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5  # position 1.5
    assert _percentile([1.0, 2.0, 3.0, 4.0], 0.025) == pytest.approx(1.075)  # 1 + 0.075 * 1


def test_bootstrap_interval() -> None:
    assert bootstrap_interval([]) == {"mean": None, "low": None, "high": None, "n": 0}
    assert bootstrap_interval([0.4]) == {"mean": 0.4, "low": 0.4, "high": 0.4, "n": 1}
    assert bootstrap_interval([1.0] * 10) == {"mean": 1.0, "low": 1.0, "high": 1.0, "n": 10}
    # [0, 1]: resampled means are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4, so the 2.5th and 97.5th
    # percentiles of 2000 resamples are 0 and 1.
    assert bootstrap_interval([0.0, 1.0]) == {"mean": 0.5, "low": 0.0, "high": 1.0, "n": 2}
    values = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0]
    first, again = bootstrap_interval(values, seed=3), bootstrap_interval(values, seed=3)
    assert first == again  # seeded: a report is reproducible
    assert first["mean"] == 0.7
    assert 0.0 <= first["low"] < 0.7 < first["high"] <= 1.0


def test_paired_difference_and_wins() -> None:
    zero_to_ten = paired_difference([0.0] * 10, [1.0] * 10)
    assert zero_to_ten == {"mean": 1.0, "low": 1.0, "high": 1.0, "n": 10, "excludes_zero": True}
    same = paired_difference([0.5, 0.2], [0.5, 0.2])
    assert same["excludes_zero"] is False
    assert same["mean"] == 0.0
    mixed = paired_difference([0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0])
    assert mixed["mean"] == 0.0
    assert mixed["low"] < 0 < mixed["high"]
    assert not mixed["excludes_zero"]
    assert win_tie_loss([0.5, 0.2, 0.3], [0.6, 0.2, 0.1]) == {"wins": 1, "ties": 1, "losses": 1}
    with pytest.raises(ValueError, match="same rows"):
        paired_difference([1.0], [1.0, 0.0])


def test_summarize_two_endpoints() -> None:
    base = [score_answer("I do not know", "Zorka"), score_answer("Zorka", "Zorka")]
    tuned = [score_answer("Zorka", "Zorka"), score_answer("Zorka", "Zorka")]
    result = summarize({"base": base, "tuned": tuned})
    assert result["summary"]["base"]["exact_match"]["mean"] == 0.5
    assert result["summary"]["tuned"]["exact_match"] == {"mean": 1.0, "low": 1.0, "high": 1.0, "n": 2}
    assert result["differences"]["exact_match"]["mean"] == 0.5
    assert result["wins"] == {"metric": "rouge_l", "endpoint": "tuned", "against": "base",
                              "wins": 1, "ties": 1, "losses": 0}
    single = summarize({"only": tuned}, ["token_f1"])
    assert single["differences"] is None
    assert single["wins"] is None
    assert list(single["summary"]["only"]) == ["token_f1"]
    assert summarize({"a": base, "b": tuned}, ["exact_match"])["wins"]["metric"] == "exact_match"
