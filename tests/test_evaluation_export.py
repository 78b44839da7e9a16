"""Exports of an evaluation report: Amazon Bedrock's bring-your-own-inference-responses JSON Lines checked
against the record shape the Bedrock documentation gives, CSV that spreadsheets cannot run, Markdown tables
that user text cannot break."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import jsonschema
import pytest

from jupyter_llama_neuron.errors import Conflict
from jupyter_llama_neuron.evaluation_export import export, safe_cell, to_markdown

# The record shape of a prompt dataset with your own inference responses, written from the Amazon Bedrock
# User Guide, "Create a prompt dataset for a model evaluation job that uses a model as judge" > "Prepare a
# dataset for an evaluation job using your own inference response data"
# (https://docs.aws.amazon.com/bedrock/latest/userguide/model-evaluation-prompt-datasets-judge.html): keys
# prompt, referenceResponse (optional), category (optional), modelResponses with exactly one
# {response, modelIdentifier}; and the API reference's EvaluationPrecomputedInferenceSource
# (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_EvaluationPrecomputedInferenceSource.html):
# inferenceSourceIdentifier (which modelIdentifier must equal) is 1-256 characters of
# [a-zA-Z0-9]([a-zA-Z0-9._-]){0,255}. A dataset holds at most 1000 prompts.
BEDROCK_RECORD = {
    "type": "object",
    "additionalProperties": False,
    "required": ["prompt", "modelResponses"],
    "properties": {
        "prompt": {"type": "string", "minLength": 1},
        "referenceResponse": {"type": "string"},
        "category": {"type": "string"},
        "modelResponses": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["response", "modelIdentifier"],
                "properties": {
                    "response": {"type": "string"},
                    "modelIdentifier": {"type": "string", "pattern": "^[a-zA-Z0-9][a-zA-Z0-9._-]{0,255}$"},
                },
            },
        },
    },
}


def answer(endpoint: str, text: str | None, error: str | None = None) -> dict[str, Any]:
    scores = None if error else {"exact_match": 1.0, "rouge_l": 0.5}
    return {"endpoint": endpoint, "text": text, "error": error, "scores": scores, "latency_s": 0.5,
            "tokens_out": 3, "finish_reason": "stop"}


REPORT: dict[str, Any] = {
    "id": "eval-20240101-000000-abcdef",
    "status": "completed",
    "reason": None,
    "training_job": "job-1",
    "endpoints": [{"name": "llama-base", "model_id": "m"}, {"name": "llama-tuned", "model_id": "m"}],
    "parameters": {"max_new_tokens": 8},
    "metrics": ["exact_match", "rouge_l"],
    "progress": {"done": 3, "total": 3},
    "scored_rows": 2,
    "summary": {
        "llama-base": {"exact_match": {"mean": 0.5, "low": 0.0, "high": 1.0, "n": 2},
                       "rouge_l": {"mean": 0.5, "low": 0.5, "high": 0.5, "n": 2}},
        "llama-tuned": {"exact_match": {"mean": 1.0, "low": 1.0, "high": 1.0, "n": 2},
                        "rouge_l": {"mean": 0.5, "low": 0.5, "high": 0.5, "n": 2}},
    },
    "differences": {"exact_match": {"mean": 0.5, "low": 0.0, "high": 1.0, "n": 2, "excludes_zero": False},
                    "rouge_l": {"mean": 0.0, "low": 0.0, "high": 0.0, "n": 2, "excludes_zero": False}},
    "wins": {"metric": "rouge_l", "endpoint": "llama-tuned", "against": "llama-base", "wins": 0, "ties": 2,
             "losses": 0},
    "latency": {"llama-base": {"mean_latency_s": 0.5, "mean_tokens_out": 3.0},
                "llama-tuned": {"mean_latency_s": 0.5, "mean_tokens_out": 3.0}},
    "rows": [
        {"index": 0, "prompt": "=HYPERLINK(\"http://x\")", "reference": "+1", "difference": None,
         "answers": [answer("llama-base", "-2"), answer("llama-tuned", "@SUM(A1)")]},
        {"index": 1, "prompt": "Pipes | and <b>tags</b>\nsecond line", "reference": "ok", "difference": None,
         "answers": [answer("llama-base", "a|b"), answer("llama-tuned", " ok \n")]},
        {"index": 2, "prompt": "Failed row", "reference": "x", "difference": None,
         "answers": [answer("llama-base", None, "ContextLengthExceeded: too long"),
                     answer("llama-tuned", "x")]},
    ],
}


def test_bedrock_export_matches_the_documented_record_shape() -> None:
    filename, content_type, text = export(REPORT, "bedrock")
    assert filename == "eval-20240101-000000-abcdef-llama-tuned-bedrock.jsonl"
    assert content_type.startswith("application/jsonl")
    records = [json.loads(line) for line in text.splitlines()]
    assert text.endswith("\n")
    assert len(records) == 3
    for record in records:
        jsonschema.Draft202012Validator(BEDROCK_RECORD).validate(record)
    assert records[1] == {"prompt": REPORT["rows"][1]["prompt"], "referenceResponse": "ok",
                          "modelResponses": [{"response": "ok", "modelIdentifier": "llama-tuned"}]}
    # The base endpoint's file leaves out the row it did not answer: every prompt needs a response.
    _, _, base = export(REPORT, "bedrock", "llama-base")
    base_records = [json.loads(line) for line in base.splitlines()]
    assert [r["prompt"] for r in base_records] == [REPORT["rows"][0]["prompt"], REPORT["rows"][1]["prompt"]]
    for record in base_records:
        jsonschema.Draft202012Validator(BEDROCK_RECORD).validate(record)
        assert record["modelResponses"][0]["modelIdentifier"] == "llama-base"


def test_the_schema_itself_rejects_what_bedrock_would() -> None:
    validator = jsonschema.Draft202012Validator(BEDROCK_RECORD)
    bad = [
        {"prompt": "p"},
        {"prompt": "p", "modelResponses": []},
        {"prompt": "p", "modelResponses": [{"response": "r", "modelIdentifier": "a"}] * 2},
        {"prompt": "p", "modelResponses": [{"response": "r", "modelIdentifier": "-bad"}]},
        {"prompt": "p", "modelResponses": [{"output": "r", "modelIdentifier": "a"}]},
    ]
    for record in bad:
        assert not validator.is_valid(record), record


def test_csv_cells_cannot_become_formulas() -> None:
    assert [safe_cell(v) for v in ("=1+1", "+1", "-2", "@SUM(A1)", "plain", None, 0.5)] == [
        "'=1+1", "'+1", "'-2", "'@SUM(A1)", "plain", "", "0.5"]
    _, content_type, text = export(REPORT, "csv")
    assert content_type.startswith("text/csv")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["row", "prompt", "reference",
                        "llama-base answer", "llama-base exact_match", "llama-base rouge_l",
                        "llama-base latency_s", "llama-base tokens_out", "llama-base error",
                        "llama-tuned answer", "llama-tuned exact_match", "llama-tuned rouge_l",
                        "llama-tuned latency_s", "llama-tuned tokens_out", "llama-tuned error"]
    first = table[1]
    assert first[1] == "'=HYPERLINK(\"http://x\")"
    assert first[2] == "'+1"
    assert first[3] == "'-2"
    assert first[9] == "'@SUM(A1)"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)
    assert table[3][8] == "ContextLengthExceeded: too long"


def test_markdown_report() -> None:
    text = to_markdown(REPORT)
    assert text.startswith("# Evaluation eval-20240101-000000-abcdef\n")
    assert "| llama-tuned | 100.0 [100.0, 100.0] | 50.0 [50.0, 50.0] | 0.5 | 3.0 |" in text
    assert "- Exact match: 50.0 [0.0, 100.0] (includes zero)" in text
    assert "0 wins, 2 ties, 0 losses for llama-tuned" in text
    # User text stays inside its cell: pipes escaped, tags neutralised, lines joined with <br>.
    assert "Pipes \\| and &lt;b&gt;tags&lt;/b&gt;<br>second line" in text
    assert "error: ContextLengthExceeded: too long" in text


def test_running_reports_and_unknown_formats_are_refused() -> None:
    with pytest.raises(Conflict):
        export({**REPORT, "status": "running"}, "csv")
    with pytest.raises(Exception, match="Unknown export format"):
        export(REPORT, "xlsx")
