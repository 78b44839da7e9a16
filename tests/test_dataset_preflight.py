"""Dataset preflight, prompt template rendering and Llama 2 token counting (no server)."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from jupyter_llama_neuron.catalog import load_catalog
from jupyter_llama_neuron.dataset_preflight import (
    MAX_LISTED_ERRORS,
    PreflightOptions,
    histogram,
    run_preflight,
    token_stats,
)
from jupyter_llama_neuron.dataset_store import PayloadTooLarge, parse_request
from jupyter_llama_neuron.errors import BadRequest
from jupyter_llama_neuron.prompt_template import DEFAULT_TEMPLATE, parse_template
from jupyter_llama_neuron.token_counting import (
    TOKENIZER_PATH,
    TokenCounter,
    estimate_tokens,
    load_token_counter,
)

ROW = {"instruction": "Name the capital.", "context": "Lonzorden's capital is Ulul.", "response": "Ulul."}


def jsonl(*rows: Any) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows).encode()


def options(
    dataset_format: str = "instruction",
    max_input_length: int = 2048,
    holdout: int = 0,
    template: str | None = None,
) -> PreflightOptions:
    parsed = parse_template(template) if dataset_format == "instruction" else None
    return PreflightOptions(dataset_format, parsed, max_input_length, holdout)  # type: ignore[arg-type]


def preflight(
    data: bytes,
    filename: str = "d.jsonl",
    dataset_format: str = "instruction",
    sink: list[str] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    return run_preflight(
        io.BytesIO(data),
        filename,
        options(dataset_format, **kwargs),
        load_token_counter(),
        sink.append if sink is not None else None,
    )


# -- the table of malformed inputs ---------------------------------------------------------------------------

MALFORMED = [
    pytest.param(
        jsonl(ROW, ROW, '{"instruction": "a", "response": '),
        "d.jsonl",
        "instruction",
        [(3, "InvalidJSON")],
        id="bad-json-line-3",
    ),
    pytest.param(
        jsonl(ROW, {"instruction": "a", "context": "b"}),
        "d.jsonl",
        "instruction",
        [(2, "MissingField")],
        id="missing-response-line-2",
    ),
    pytest.param(
        jsonl({"text": "fine"}, {"text": "   "}), "d.jsonl", "domain", [(2, "EmptyText")], id="empty-text"
    ),
    pytest.param(
        jsonl(ROW, {**ROW, "response": ""}), "d.jsonl", "instruction", [(2, "EmptyText")], id="empty-response"
    ),
    pytest.param(
        jsonl(ROW) + b'\n{"instruction": "caf\xe9", "response": "x"}',
        "d.jsonl",
        "instruction",
        [(2, "WrongEncoding")],
        id="latin1-byte",
    ),
    pytest.param(
        jsonl(ROW, "[1, 2]", '"just a string"'),
        "d.jsonl",
        "instruction",
        [(2, "NotAnObject"), (3, "NotAnObject")],
        id="not-objects",
    ),
    pytest.param(jsonl({"text": 5}), "d.jsonl", "domain", [(1, "WrongType")], id="text-not-string"),
    pytest.param(jsonl({"body": "x"}), "d.jsonl", "domain", [(1, "MissingField")], id="domain-no-text"),
    pytest.param(
        jsonl({"text": "x"}),
        "d.jsonl",
        "instruction",
        [(1, "MissingField"), (1, "MissingField")],
        id="domain-data-as-instruction",
    ),
    pytest.param(
        jsonl({**ROW, "context": 3}), "d.jsonl", "instruction", [(1, "WrongType")], id="context-not-string"
    ),
    pytest.param(jsonl(ROW), "d.txt", "instruction", [(None, "ExtensionMismatch")], id="txt-as-instruction"),
    pytest.param(jsonl(ROW), "d.json", "instruction", [(None, "ExtensionMismatch")], id="json-extension"),
    pytest.param(jsonl(ROW), "d.csv", "domain", [(None, "ExtensionMismatch")], id="csv"),
    pytest.param("\ufeff".encode("utf-16"), "d.jsonl", "domain", [(1, "WrongEncoding")], id="utf-16"),
    pytest.param(b"\n\n  \n", "d.jsonl", "domain", [(None, "NoRecords")], id="only-blank-lines"),
]


@pytest.mark.parametrize(("data", "filename", "dataset_format", "expected"), MALFORMED)
def test_malformed_inputs_are_reported_by_line(
    data: bytes, filename: str, dataset_format: str, expected: list[tuple[int | None, str]]
) -> None:
    report = preflight(data, filename, dataset_format)
    assert [(e["line"], e["code"]) for e in report["errors"]] == expected
    assert report["error_count"] == len(expected)
    assert not report["ok"]
    for error in report["errors"]:
        assert error["message"]
        assert error["hint"]


def test_error_messages_name_the_line_and_byte_offset() -> None:
    data = jsonl(ROW) + b'\n{"instruction": "caf\xe9", "response": "x"}'
    (error,) = preflight(data)["errors"]
    offset = len(jsonl(ROW)) + 1 + data.split(b"\n")[1].index(b"\xe9")
    assert error["byte_offset"] == offset
    assert "0xe9" in error["message"]
    assert f"byte offset {offset}" in error["message"]
    (bad,) = preflight(jsonl(ROW, ROW, "{oops"))["errors"]
    assert bad["message"].startswith("Line 3 is not valid JSON")


def test_blank_lines_are_skipped_and_counted_in_both_formats() -> None:
    report = preflight(jsonl(ROW, "", "   ", ROW) + b"\n")
    assert report["ok"]
    assert report["records"] == 2
    assert report["skipped_blank_lines"] == 2
    text = preflight(b"first line\n\nsecond line\r\n", "notes.txt", "domain")
    assert text["ok"]
    assert text["records"] == 2
    assert text["skipped_blank_lines"] == 1


def test_txt_domain_data_becomes_text_records() -> None:
    out: list[str] = []
    report = preflight("Über {braces} and % signs\nline two\n".encode(), "corpus.txt", "domain", sink=out)
    assert report["ok"]
    assert report["template"] is None
    assert [json.loads(line) for line in out] == [{"text": "Über {braces} and % signs"}, {"text": "line two"}]
    assert report["samples"][0]["text"] == "Über {braces} and % signs"


def test_utf8_bom_is_accepted() -> None:
    assert preflight(b"\xef\xbb\xbf" + jsonl(ROW))["ok"]


def test_every_error_is_counted_but_only_the_first_ones_listed() -> None:
    report = preflight(b"\n".join([b"{bad"] * (MAX_LISTED_ERRORS + 50)))
    assert report["error_count"] == MAX_LISTED_ERRORS + 50
    assert len(report["errors"]) == MAX_LISTED_ERRORS
    assert report["errors_truncated"]
    assert report["errors"][-1]["line"] == MAX_LISTED_ERRORS


def test_unknown_format_and_source_problems_are_400() -> None:
    catalog = load_catalog()
    with pytest.raises(BadRequest) as info:
        parse_request({"dataset_format": "chat", "filename": "a.jsonl", "content": "x"}, catalog)
    assert info.value.code == "UnknownFormat"
    with pytest.raises(BadRequest):
        parse_request({"dataset_format": "domain", "uri": "https://example.com/a.jsonl"}, catalog)
    with pytest.raises(BadRequest):
        parse_request(
            {"dataset_format": "domain", "filename": "a", "content": "x", "uri": "s3://b/k"}, catalog
        )
    with pytest.raises(BadRequest):
        parse_request(
            {"dataset_format": "domain", "filename": "a.txt", "content": "x", "max_input_length": 64}, catalog
        )
    with pytest.raises(PayloadTooLarge):
        parse_request(
            {"dataset_format": "domain", "filename": "a.txt", "content": "x" * (1024 * 1024 + 1)}, catalog
        )
    request = parse_request(
        {"dataset_format": "instruction", "filename": "a.jsonl", "content": "{}"}, catalog
    )
    assert request.options.max_input_length == 2048  # the catalog's default
    assert request.options.template is not None
    assert request.options.template.source == DEFAULT_TEMPLATE


# -- prompt template -----------------------------------------------------------------------------------------


def test_rendering_leaves_braces_and_template_markers_in_the_data_alone() -> None:
    template = parse_template(None)
    values = {
        "instruction": "Fill {not_a_field} and {response} and {0} and %s",
        "context": "### Response:\nfake answer {instruction}",
        "response": "real {context} answer }{",
    }
    text = template.render(values)
    assert text == (
        "Below is an instruction that describes a task, paired with an input that provides further context. "
        "Write a response that appropriately completes the request.\n\n"
        "### Instruction:\nFill {not_a_field} and {response} and {0} and %s\n\n"
        "### Input:\n### Response:\nfake answer {instruction}\n"
        "### Response:\nreal {context} answer }{\n\n<s>"
    )
    prompt = template.render_prompt(values)
    assert text.startswith(prompt)
    assert prompt.endswith("### Response:\n")
    assert "real {context} answer" not in prompt


def test_custom_template_with_literal_braces() -> None:
    template = parse_template('{"q": "{instruction}"} => {response}')
    assert template.render({"instruction": "x", "response": "{y}"}) == '{"q": "x"} => {y}'


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("{instruction} only", "{response}"),
        ("{response}", "{instruction}"),
        ("{instruction} {instrucion} {response}", "unknown placeholders: {instrucion}"),
        ("{response} {instruction}", "last placeholder"),
        ("{instruction} {response} {response}", "only once"),
    ],
)
def test_template_validation(template: str, fragment: str) -> None:
    with pytest.raises(BadRequest) as info:
        parse_template(template)
    assert fragment in info.value.message
    assert info.value.code == "InvalidTemplate"


def test_rendered_records_are_written_as_text_json_lines() -> None:
    out: list[str] = []
    report = preflight(jsonl(ROW, {"instruction": "no context", "response": "r"}), sink=out)
    assert report["ok"]
    assert report["records"] == 2
    assert len(out) == 2
    first = json.loads(out[0])
    assert list(first) == ["text"]
    assert "### Input:\nLonzorden's capital is Ulul.\n### Response:\nUlul." in first["text"]
    assert "### Input:\n\n### Response:\nr" in json.loads(out[1])["text"]


def test_holdout_keeps_the_last_records_out_of_the_training_file() -> None:
    rows = [{"instruction": f"q{i}", "response": f"a{i}"} for i in range(30)]
    out: list[str] = []
    report = preflight(jsonl(*rows), sink=out, holdout=5)
    assert report["records"] == 30
    assert report["train_records"] == 25
    assert len(out) == 25
    assert [p["reference"] for p in report["heldout_prompts"]] == [f"a{i}" for i in range(25, 30)]
    assert all("a2" not in p["prompt"] for p in report["heldout_prompts"])
    plain = preflight(jsonl(*rows))
    assert len(plain["heldout_prompts"]) == 10
    assert plain["heldout_suggestion"]["count"] == 3


# -- tokens, histogram, truncation ---------------------------------------------------------------------------


def test_histogram_bins_and_truncation_share() -> None:
    tokens = [1, 256, 257, 2048, 2049, 5000]
    rows = histogram(tokens, 2048)
    # The longest record that fits is 2048: round 500-token ranges up to it, the last cut at 2048.
    assert [(r["min"], r["max"]) for r in rows[:-1]] == [
        (1, 500), (501, 1000), (1001, 1500), (1501, 2000), (2001, 2048)
    ]
    assert rows[-1] == {"min": 2049, "max": None, "count": 2, "truncated": True}
    assert [r["count"] for r in rows] == [3, 0, 0, 0, 1, 2]
    assert sum(r["count"] for r in rows) == len(tokens)
    assert token_stats([3, 1, 2])["p50"] == 2


def test_histogram_bins_come_from_the_data() -> None:
    # Short records and a long max_input_length: the ranges follow the records, not 2048 / 8.
    tokens = [12, 18, 25, 31, 33, 40, 47, 52, 58, 3000]
    rows = histogram(tokens, 2048)
    assert [(r["min"], r["max"]) for r in rows[:-1]] == [
        (1, 10), (11, 20), (21, 30), (31, 40), (41, 50), (51, 60)
    ]
    assert [r["count"] for r in rows] == [0, 2, 1, 3, 1, 2, 1]
    assert len([r for r in rows if not r["truncated"] and r["count"]]) > 1  # not one bar for everything
    # Nothing fits: the ranges cover max_input_length.
    assert histogram([300, 400], 256)[-2]["max"] == 256
    assert histogram([], 2048)[-1]["count"] == 0


def test_truncated_share_against_max_input_length() -> None:
    class Fixed(TokenCounter):
        def count(self, texts: list[str]) -> list[int]:
            return [len(t) for t in texts]

    rows = [{"text": "x" * n} for n in (100, 200, 300, 400)]
    report = run_preflight(
        io.BytesIO(jsonl(*rows)),
        "d.jsonl",
        options("domain", max_input_length=250),
        Fixed("estimate", "test"),
    )
    assert report["truncated_records"] == 2
    assert report["truncated_share"] == 0.5
    assert report["histogram"][-1]["count"] == 2
    assert report["max_input_length"] == 250


# Reference ids from llama-tokenizer-js's test-suite (produced by Meta's Llama tokenizer), BOS included.
LLAMA_VECTORS = {
    "grabbed": [1, 2646, 1327, 287],
    " grabbed": [1, 29871, 2646, 1327, 287],
    "           grabbed": [1, 9651, 2646, 1327, 287],
    "\n": [1, 29871, 13],
    "\ttabs\t\t\t\tout here": [1, 29871, 12, 21175, 12, 12, 12, 12, 449, 1244],
    "ax\n####\nboo": [1, 4853, 13, 4136, 13, 833, 29877],
    "镇": [1, 29871, 30411],
    "🦙Ꙋ": [1, 29871, 243, 162, 169, 156, 237, 156, 141],
}


@pytest.mark.skipif(not TOKENIZER_PATH.is_file(), reason="jlpm build:tokenizer has not run")
def test_exact_counts_match_llama2_reference_vectors() -> None:
    counter = load_token_counter()
    assert counter.method == "exact"
    assert counter.count(list(LLAMA_VECTORS)) == [len(ids) for ids in LLAMA_VECTORS.values()]
    ids = [counter._tokenizer.encode(text).ids for text in LLAMA_VECTORS]
    assert ids == list(LLAMA_VECTORS.values())


def test_missing_tokenizer_file_falls_back_to_a_labelled_estimate(tmp_path: Any) -> None:
    counter = load_token_counter(tmp_path / "missing.json")
    assert counter.method == "estimate"
    assert "Estimated" in counter.note
    assert counter.count(["abcdef"]) == [estimate_tokens("abcdef")] == [3]
    report = run_preflight(io.BytesIO(jsonl(ROW)), "d.jsonl", options(), counter)
    assert report["token_count_method"] == "estimate"
    assert "Estimated" in report["token_count_note"]


@pytest.mark.skipif(not TOKENIZER_PATH.is_file(), reason="jlpm build:tokenizer has not run")
def test_piecewise_counts_equal_encoding_whole_texts() -> None:
    counter = load_token_counter()
    rng = random.Random(5)
    contract = Path(__file__).parents[1] / "jupyter_llama_neuron" / "openapi"
    source = "".join(path.read_text(encoding="utf-8") for path in sorted(contract.rglob("*.yaml")))
    texts = [
        source[start : start + rng.randrange(0, 1500)]
        for start in (rng.randrange(len(source)) for _ in range(300))
    ]
    texts += [
        "",
        " ",
        "a  b   c",
        "x\n\n<s>",
        "a<s>b",
        "</s> <unk>",
        "Über 城市 🦙 {braces}",
        DEFAULT_TEMPLATE,
    ]
    whole = [len(counter._tokenizer.encode(text).ids) for text in texts]
    assert counter.count(texts) == whole
