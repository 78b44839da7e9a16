"""Scores of generated answers against reference answers, and their uncertainty.

* ``exact_match`` and ``token_f1`` follow the SQuAD v1.1 evaluation script: answers are normalised
  (lower case, punctuation removed, the articles a/an/the removed, whitespace collapsed) before comparing;
  token F1 is the harmonic mean of precision and recall over the multiset of normalised tokens.
* ``rouge_l`` is the ROUGE-L F-measure of Google's ``rouge-score`` package (longest common subsequence of
  tokens; its own tokenizer lower-cases and keeps letters and digits), without stemming.
* Means come with a percentile bootstrap 95 % interval (``BOOTSTRAP_RESAMPLES`` resamples of the rows with a
  seeded ``random.Random``, so a report is reproducible); two endpoints answering the same rows are compared
  with the bootstrap interval of the paired per-row difference (B minus A), and a win / tie / loss count.

Pure functions, no I/O; ``rouge_score`` (which imports nltk and numpy) is imported on first use.
"""

from __future__ import annotations

import random
import re
import string
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

METRICS: tuple[str, ...] = ("exact_match", "token_f1", "rouge_l")
METRIC_LABELS = {"exact_match": "Exact match", "token_f1": "Token F1", "rouge_l": "ROUGE-L"}
WIN_METRIC = "rouge_l"
BOOTSTRAP_RESAMPLES = 2000
CONFIDENCE = 0.95
DEFAULT_SEED = 20240
# Scores closer than this are a tie (ROUGE-L is a ratio of small integers; float noise is far below it).
TIE_EPSILON = 1e-9

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    lowered = text.lower()
    without_punctuation = "".join(ch for ch in lowered if ch not in _PUNCTUATION)
    without_articles = _ARTICLES.sub(" ", without_punctuation)
    return " ".join(without_articles.split())


def exact_match(answer: str, reference: str) -> float:
    return 1.0 if normalize_answer(answer) == normalize_answer(reference) else 0.0


def token_f1(answer: str, reference: str) -> float:
    answer_tokens = normalize_answer(answer).split()
    reference_tokens = normalize_answer(reference).split()
    if not answer_tokens or not reference_tokens:
        # SQuAD 2.0's rule: two empty answers agree, an empty and a non-empty one do not.
        return 1.0 if answer_tokens == reference_tokens else 0.0
    common = Counter(answer_tokens) & Counter(reference_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(answer_tokens)
    recall = same / len(reference_tokens)
    return 2 * precision * recall / (precision + recall)


@lru_cache(maxsize=1)
def _rouge_scorer() -> Any:
    from rouge_score import rouge_scorer  # type: ignore[import-untyped]  # deferred: nltk, numpy

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def rouge_l(answer: str, reference: str) -> float:
    """ROUGE-L F-measure (``rouge-score``): 0 when either side has no letters or digits."""
    score = _rouge_scorer().score(reference, answer)["rougeL"]
    return float(score.fmeasure)


SCORERS: dict[str, Callable[[str, str], float]] = {
    "exact_match": exact_match,
    "token_f1": token_f1,
    "rouge_l": rouge_l,
}


def score_answer(answer: str, reference: str, metrics: Sequence[str] = METRICS) -> dict[str, float]:
    return {name: round(SCORERS[name](answer, reference), 6) for name in metrics}


# --- uncertainty --------------------------------------------------------------------------------------------


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), on an already sorted sequence."""
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def bootstrap_interval(
    values: Sequence[float], *, seed: int = DEFAULT_SEED, resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = CONFIDENCE,
) -> dict[str, Any]:
    """``{"mean", "low", "high", "n"}``: the mean and its percentile bootstrap interval (None when empty)."""
    n = len(values)
    if n == 0:
        return {"mean": None, "low": None, "high": None, "n": 0}
    mean = sum(values) / n
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    tail = (1.0 - confidence) / 2
    return {
        "mean": round(mean, 6),
        "low": round(_percentile(means, tail), 6),
        "high": round(_percentile(means, 1.0 - tail), 6),
        "n": n,
    }


def paired_difference(
    a: Sequence[float], b: Sequence[float], *, seed: int = DEFAULT_SEED, resamples: int = BOOTSTRAP_RESAMPLES
) -> dict[str, Any]:
    """B minus A on the same rows: mean difference, its bootstrap interval, and whether it excludes zero."""
    if len(a) != len(b):
        raise ValueError("paired scores need the same rows")
    result = bootstrap_interval([y - x for x, y in zip(a, b, strict=True)], seed=seed, resamples=resamples)
    low, high = result["low"], result["high"]
    result["excludes_zero"] = low is not None and (low > 0 or high < 0)
    return result


def win_tie_loss(a: Sequence[float], b: Sequence[float]) -> dict[str, int]:
    """How often B scores above, equal to, or below A on the same row."""
    wins = ties = losses = 0
    for x, y in zip(a, b, strict=True):
        if y > x + TIE_EPSILON:
            wins += 1
        elif y < x - TIE_EPSILON:
            losses += 1
        else:
            ties += 1
    return {"wins": wins, "ties": ties, "losses": losses}


def summarize(
    scores: dict[str, list[dict[str, float]]], metrics: Sequence[str] = METRICS, *, seed: int = DEFAULT_SEED
) -> dict[str, Any]:
    """Per endpoint (in order) and metric the mean with its interval; with two endpoints also the paired
    difference of the second against the first for each metric and the win / tie / loss count on
    ``WIN_METRIC`` (or the first metric asked for when ROUGE-L is not among them).

    ``scores`` maps endpoint name -> per-row score dicts, rows aligned across endpoints.
    """
    names = list(scores)
    summary = {
        name: {metric: bootstrap_interval([row[metric] for row in rows], seed=seed) for metric in metrics}
        for name, rows in scores.items()
    }
    result: dict[str, Any] = {"summary": summary, "differences": None, "wins": None}
    if len(names) == 2 and metrics:
        a_rows, b_rows = scores[names[0]], scores[names[1]]
        result["differences"] = {
            metric: paired_difference(
                [row[metric] for row in a_rows], [row[metric] for row in b_rows], seed=seed
            )
            for metric in metrics
        }
        win_metric = WIN_METRIC if WIN_METRIC in metrics else metrics[0]
        result["wins"] = {
            "metric": win_metric,
            "endpoint": names[1],
            "against": names[0],
            **win_tie_loss([row[win_metric] for row in a_rows], [row[win_metric] for row in b_rows]),
        }
    return result
