"""Dataset preflight: parse, validate and render a training file in one streaming pass, and report on it.

The Neuron training container takes exactly one file on its ``train`` channel: JSON Lines whose objects have a
``text`` field, or plain ``.txt`` (reference §4.2). Two input formats are accepted:

* ``domain``: ``.txt`` (one record per non-blank line) or ``.jsonl`` objects with a non-empty ``text`` string;
* ``instruction``: ``.jsonl`` objects with ``instruction``, optional ``context`` and ``response`` strings
  (Dolly), rendered through a ``PromptTemplate`` into ``text``.

The file is read line by line from a binary stream (never whole), each line decoded as strict UTF-8, so an
error names its line and byte offset. Every error is counted; the first ``MAX_LISTED_ERRORS`` are listed with
what to fix. Blocking: callers run it in a thread.
"""

from __future__ import annotations

import json
import posixpath
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from .prompt_template import PromptTemplate
from .token_counting import TokenCounter

DatasetFormat = Literal["domain", "instruction"]
FORMATS: tuple[str, ...] = ("domain", "instruction")

MAX_LISTED_ERRORS = 200
MAX_LINE_BYTES = 8 * 1024 * 1024  # a longer "line" is almost surely not JSON Lines; it is skipped, not loaded
SAMPLE_COUNT = 3
HELDOUT_PROMPTS = 10
HISTOGRAM_BINS = 8
TOKEN_BATCH = 512
DOMAIN_PROMPT_WORDS = 32
MAX_SAMPLE_CHARS = 4000

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

EXTENSIONS: dict[str, tuple[str, ...]] = {"domain": (".jsonl", ".txt"), "instruction": (".jsonl",)}


@dataclass(frozen=True)
class PreflightOptions:
    dataset_format: DatasetFormat
    template: PromptTemplate | None  # required for "instruction"
    max_input_length: int
    holdout: int = 0  # the last N valid records are kept out of the training file


@dataclass
class ErrorLog:
    """Every error counted, the first ``limit`` kept."""

    limit: int = MAX_LISTED_ERRORS
    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0

    def add(
        self,
        code: str,
        message: str,
        hint: str = "",
        *,
        line: int | None = None,
        byte_offset: int | None = None,
    ) -> None:
        self.total += 1
        if len(self.items) < self.limit:
            self.items.append(
                {"line": line, "byte_offset": byte_offset, "code": code, "message": message, "hint": hint}
            )


def extension_of(filename: str) -> str:
    return posixpath.splitext(filename.lower())[1]


def check_filename(filename: str, dataset_format: str, errors: ErrorLog) -> bool:
    """False (and an error) when the extension does not fit the format."""
    extension = extension_of(filename)
    allowed = EXTENSIONS[dataset_format]
    if extension in allowed:
        return True
    if extension == ".txt":
        errors.add(
            "ExtensionMismatch",
            f"{filename} is plain text, but the instruction format needs JSON Lines (.jsonl).",
            "Choose the domain format for plain text, or convert the records to JSON Lines with "
            "instruction/context/response fields.",
        )
    elif extension == ".json":
        errors.add(
            "ExtensionMismatch",
            f"{filename} has the extension .json; the training container reads .jsonl (JSON Lines) files.",
            "If the file has one JSON object per line, rename it to .jsonl. A JSON array or one big object "
            "is not supported: write one object per line.",
        )
    else:
        errors.add(
            "ExtensionMismatch",
            f"{filename} has {'the extension ' + extension if extension else 'no extension'}; "
            f"the {dataset_format} format accepts " + " or ".join(allowed) + ".",
            "The Neuron training container reads exactly one .jsonl (objects with a text field) or .txt "
            "file.",
        )
    return False


def iter_raw_lines(stream: IO[bytes]) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, byte offset of its start, bytes without the newline or None when over MAX_LINE_BYTES)."""
    offset = 0
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        start = offset
        offset += len(raw)
        if not raw.endswith(b"\n") and len(raw) > MAX_LINE_BYTES:
            while True:  # skip the rest of the oversized line without keeping it
                more = stream.readline(1 << 20)
                offset += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield number, start, None
            continue
        yield number, start, raw.rstrip(b"\r\n")


def _describe_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null"
    return type(value).__name__


def _shorten(text: str, limit: int = MAX_SAMPLE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class _Record:
    line: int
    text: str
    prompt: str
    reference: str


class Preflight:
    """One pass over one file. ``sink`` (if given) receives each training JSON line, newline included."""

    def __init__(
        self,
        options: PreflightOptions,
        counter: TokenCounter,
        sink: Callable[[str], object] | None = None,
        errors: ErrorLog | None = None,
    ) -> None:
        if options.dataset_format == "instruction" and options.template is None:
            raise ValueError("the instruction format needs a template")
        self.options = options
        self.counter = counter
        self.sink = sink
        self.errors = errors or ErrorLog()
        self.records = 0
        self.lines = 0
        self.blank_lines = 0
        self.samples: list[dict[str, Any]] = []
        self._tokens = array("I")
        self._batch: list[_Record] = []
        self._tail: deque[_Record] = deque(maxlen=max(HELDOUT_PROMPTS, options.holdout))
        self._pending: deque[_Record] = deque()  # held back from the sink until we know they are not held out

    # -- parsing ---------------------------------------------------------------------------------------------

    def feed(self, stream: IO[bytes], filename: str) -> None:
        is_text = extension_of(filename) == ".txt"
        for number, offset, raw in iter_raw_lines(stream):
            self.lines = number
            if raw is None:
                self.errors.add(
                    "LineTooLong",
                    f"Line {number} is longer than {MAX_LINE_BYTES // (1024 * 1024)} MB.",
                    "JSON Lines needs one record per line; split the text into shorter records.",
                    line=number,
                    byte_offset=offset,
                )
                continue
            if number == 1:
                if raw.startswith(_UTF16_BOMS):
                    self.errors.add(
                        "WrongEncoding",
                        "The file is UTF-16 encoded; it must be UTF-8.",
                        "Save the file as UTF-8 (in most editors: Save with encoding → UTF-8).",
                        line=1,
                        byte_offset=0,
                    )
                    return
                if raw.startswith(_UTF8_BOM):
                    raw = raw[len(_UTF8_BOM) :]
                    offset += len(_UTF8_BOM)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                self.errors.add(
                    "WrongEncoding",
                    f"Line {number} is not valid UTF-8: byte 0x{raw[err.start]:02x} at byte offset "
                    f"{offset + err.start} of the file (byte {err.start + 1} of the line).",
                    "Save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in.jsonl > out.jsonl).",
                    line=number,
                    byte_offset=offset + err.start,
                )
                continue
            if not text.strip():
                self.blank_lines += 1
                continue
            record = self._plain(number, text) if is_text else self._json(number, offset, text)
            if record is not None:
                self._accept(record)

    def _plain(self, number: int, text: str) -> _Record:
        return self._domain_record(number, text)

    def _domain_record(self, number: int, text: str) -> _Record:
        words = text.split()
        prompt = " ".join(words[:DOMAIN_PROMPT_WORDS])
        reference = " ".join(words[DOMAIN_PROMPT_WORDS : DOMAIN_PROMPT_WORDS * 4])
        return _Record(number, text, prompt, reference)

    def _json(self, number: int, offset: int, text: str) -> _Record | None:
        try:
            value = json.loads(text)
        except ValueError as err:
            message = getattr(err, "msg", str(err))
            column = getattr(err, "colno", None)
            where = f" at column {column}" if column else ""
            self.errors.add(
                "InvalidJSON",
                f"Line {number} is not valid JSON: {message}{where}.",
                "Each line must be one complete JSON object, e.g. " + self._example() + ". Pretty-printed "
                "objects spread over several lines, or a JSON array, are not JSON Lines.",
                line=number,
                byte_offset=offset,
            )
            return None
        except RecursionError:
            self.errors.add(
                "InvalidJSON", f"Line {number} is nested too deeply to read.", line=number, byte_offset=offset
            )
            return None
        if not isinstance(value, dict):
            self.errors.add(
                "NotAnObject",
                f"Line {number} is {_describe_type(value)}, not a JSON object.",
                "Each line must be a JSON object, e.g. " + self._example() + ".",
                line=number,
                byte_offset=offset,
            )
            return None
        if self.options.dataset_format == "domain":
            return self._domain_json(number, offset, value)
        return self._instruction_json(number, offset, value)

    def _example(self) -> str:
        if self.options.dataset_format == "domain":
            return '{"text": "..."}'
        return '{"instruction": "...", "context": "...", "response": "..."}'

    def _domain_json(self, number: int, offset: int, value: dict[str, Any]) -> _Record | None:
        if "text" not in value:
            looks_instruction = "instruction" in value and "response" in value
            self.errors.add(
                "MissingField",
                f'Line {number} has no "text" field (fields: {", ".join(sorted(value)) or "none"}).',
                "This looks like instruction data: choose the instruction format."
                if looks_instruction
                else 'Domain-adaptation records need {"text": "..."}.',
                line=number,
                byte_offset=offset,
            )
            return None
        text = value["text"]
        if not isinstance(text, str):
            self.errors.add(
                "WrongType",
                f'Line {number}: "text" is {_describe_type(text)}, not a string.',
                'Write the text as a JSON string: {"text": "..."}.',
                line=number,
                byte_offset=offset,
            )
            return None
        if not text.strip():
            self.errors.add(
                "EmptyText",
                f'Line {number}: "text" is empty.',
                "Remove the line or fill in the text.",
                line=number,
                byte_offset=offset,
            )
            return None
        return self._domain_record(number, text)

    def _instruction_json(self, number: int, offset: int, value: dict[str, Any]) -> _Record | None:
        fields: dict[str, str] = {}
        ok = True
        for name in ("instruction", "context", "response"):
            raw = value.get(name)
            if name not in value or (name == "context" and raw is None):
                if name == "context":
                    fields[name] = ""
                    continue
                hint = (
                    "This looks like domain-adaptation data: choose the domain format."
                    if "text" in value and "instruction" not in value
                    else f'Add "{name}" to the record; records need instruction and response '
                    "(context is optional)."
                )
                self.errors.add(
                    "MissingField",
                    f'Line {number} has no "{name}" field (fields: {", ".join(sorted(value)) or "none"}).',
                    hint,
                    line=number,
                    byte_offset=offset,
                )
                ok = False
                continue
            if not isinstance(raw, str):
                self.errors.add(
                    "WrongType",
                    f'Line {number}: "{name}" is {_describe_type(raw)}, not a string.',
                    f'Write "{name}" as a JSON string.',
                    line=number,
                    byte_offset=offset,
                )
                ok = False
                continue
            if name != "context" and not raw.strip():
                self.errors.add(
                    "EmptyText",
                    f'Line {number}: "{name}" is empty.',
                    f'Fill in "{name}" or remove the line.',
                    line=number,
                    byte_offset=offset,
                )
                ok = False
                continue
            fields[name] = raw
        if not ok:
            return None
        template = self.options.template
        assert template is not None  # checked in __init__
        return _Record(number, template.render(fields), template.render_prompt(fields), fields["response"])

    # -- accepted records ------------------------------------------------------------------------------------

    def _accept(self, record: _Record) -> None:
        self.records += 1
        self._tail.append(record)
        self._batch.append(record)
        if len(self._batch) >= TOKEN_BATCH:
            self._flush_batch()

    def _flush_batch(self) -> None:
        if not self._batch:
            return
        counts = self.counter.count([record.text for record in self._batch])
        for record, tokens in zip(self._batch, counts, strict=True):
            self._tokens.append(tokens)
            if len(self.samples) < SAMPLE_COUNT:
                self.samples.append({"line": record.line, "text": _shorten(record.text), "tokens": tokens})
            if self.sink is not None:
                self._pending.append(record)
                if len(self._pending) > self.options.holdout:
                    self.sink(json.dumps({"text": self._pending.popleft().text}, ensure_ascii=False) + "\n")
        self._batch.clear()

    # -- report ----------------------------------------------------------------------------------------------

    def finish(self) -> None:
        self._flush_batch()

    def heldout_rows(self) -> list[dict[str, str]]:
        """Every held-out record as ``{prompt, reference}``, in file order, not shortened."""
        holdout = min(self.options.holdout, self.records)
        tail = list(self._tail)
        held = tail[len(tail) - holdout:] if holdout else []
        return [{"prompt": r.prompt, "reference": r.reference} for r in held]

    def _token_count_note(self) -> str:
        """The counter's note, plus where each <s> comes from when the rendered records end with one."""
        ends_with_bos = any(str(sample.get("text", "")).endswith("<s>") for sample in self.samples)
        return self.counter.note + (_trailing_bos_note() if ends_with_bos else "")

    def report(self) -> dict[str, Any]:
        self.finish()
        max_len = self.options.max_input_length
        tokens = self._tokens
        truncated = sum(1 for n in tokens if n > max_len)
        tail = list(self._tail)
        holdout = min(self.options.holdout, self.records)
        prompts = tail[len(tail) - holdout :] if holdout else tail[-HELDOUT_PROMPTS:]
        prompts = prompts[-HELDOUT_PROMPTS:]
        return {
            "ok": self.errors.total == 0 and self.records > 0,
            "dataset_format": self.options.dataset_format,
            "template": self.options.template.source if self.options.template else None,
            "lines": self.lines,
            "records": self.records,
            "train_records": self.records - holdout,
            "holdout": holdout,
            "skipped_blank_lines": self.blank_lines,
            "error_count": self.errors.total,
            "errors": list(self.errors.items),
            "errors_truncated": self.errors.total > len(self.errors.items),
            "samples": self.samples,
            "token_count_method": self.counter.method,
            "token_count_note": self._token_count_note(),
            "max_input_length": max_len,
            "token_stats": token_stats(tokens),
            "histogram": histogram(tokens, max_len),
            "truncated_records": truncated,
            "truncated_share": round(truncated / len(tokens), 4) if len(tokens) else 0.0,
            "heldout_prompts": [
                {"line": r.line, "prompt": _shorten(r.prompt), "reference": _shorten(r.reference)}
                for r in prompts
            ],
            "heldout_suggestion": heldout_suggestion(self.records, holdout),
        }


def _trailing_bos_note() -> str:
    return (
        " The <s> at the end of each sample comes from the template: AWS's Llama 2 fine-tuning notebook ends "
        "every record with it. The <s> at the start is added when the text is tokenized, so the preview does "
        "not show it."
    )


def token_stats(tokens: array[int] | list[int]) -> dict[str, Any]:
    if not tokens:
        return {"min": None, "max": None, "mean": None, "p50": None, "p95": None, "total": 0}
    ordered = sorted(tokens)
    count = len(ordered)

    def percentile(q: float) -> int:
        return ordered[min(count - 1, max(0, round(q * (count - 1))))]

    total = sum(ordered)
    return {
        "min": ordered[0],
        "max": ordered[-1],
        "mean": round(total / count, 1),
        "p50": percentile(0.5),
        "p95": percentile(0.95),
        "total": total,
    }


def histogram(
    tokens: array[int] | list[int], max_input_length: int, bins: int = HISTOGRAM_BINS
) -> list[dict[str, Any]]:
    """Equal-width inclusive ranges from 1 to the longest record that fits (at most ``max_input_length``),
    then one open-ended bin for the records that would be truncated (``truncated: true``).

    The width is a round number (1, 2 or 5 x 10^k) giving at most ``bins`` ranges, chosen from the data:
    with max_input_length 2048 and records of 20-60 tokens, fixed 256-token ranges would put every record
    in the first bar."""
    fitting = max((n for n in tokens if n <= max_input_length), default=max_input_length)
    top = max(1, fitting)
    width = _round_width(-(-top // bins))  # ceil(top / bins), rounded up to 1, 2 or 5 x 10^k
    count = -(-top // width)
    counts = [0] * (count + 1)
    for n in tokens:
        counts[count if n > max_input_length else min(count - 1, max(0, n - 1) // width)] += 1
    rows: list[dict[str, Any]] = []
    for i in range(count):
        low = i * width + 1
        high = min(max_input_length, (i + 1) * width)
        rows.append({"min": low, "max": high, "count": counts[i], "truncated": False})
    rows.append({"min": max_input_length + 1, "max": None, "count": counts[count], "truncated": True})
    return rows


def _round_width(at_least: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… that is at least ``at_least``."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if factor * power >= at_least:
                return factor * power
        power *= 10


def heldout_suggestion(records: int, holdout: int) -> dict[str, Any]:
    if holdout:
        return {
            "count": holdout,
            "note": f"The last {holdout} records are held out of the training file; their prompts (without "
            "the response) are listed in heldout_prompts for comparing base and fine-tuned models.",
        }
    suggested = min(HELDOUT_PROMPTS, records // 10)
    if suggested == 0:
        return {
            "count": 0,
            "note": "Too few records to hold some out; the prompts listed are from training records.",
        }
    return {
        "count": suggested,
        "note": f"Hold out the last {suggested} records (set holdout to {suggested}) to compare the base and "
        "fine-tuned models on prompts the model was not trained on. The prompts listed are the last "
        "records' prompts without their responses.",
    }


def error_report(options: PreflightOptions, counter: TokenCounter, errors: ErrorLog) -> dict[str, Any]:
    """A report for a source that could not be read at all (e.g. an S3 prefix with several files)."""
    return Preflight(options, counter, errors=errors).report()


def run_preflight(
    stream: IO[bytes],
    filename: str,
    options: PreflightOptions,
    counter: TokenCounter,
    sink: Callable[[str], object] | None = None,
    heldout: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Check the extension, then read the whole stream; the report always comes back (errors inside).
    ``heldout`` (if given) receives every held-out record as ``{prompt, reference}``."""
    errors = ErrorLog()
    check = Preflight(options, counter, sink=sink, errors=errors)
    if check_filename(filename, options.dataset_format, errors):
        check.feed(stream, filename)
    report = check.report()
    if report["records"] == 0 and report["error_count"] == 0:
        errors.add("NoRecords", f"{filename} holds no records.", "Give a file with at least one record.")
        report = check.report()
    if heldout is not None:
        heldout.extend(check.heldout_rows())
    return report
