"""The instruction prompt template and its safe rendering.

Instruction records (``instruction``/``context``/``response``, as in Dolly) become the single ``text`` field
the Neuron training container reads. Rendering replaces exactly the three placeholders ``{instruction}``,
``{context}`` and ``{response}`` in ONE left-to-right pass over the template: the data is never scanned for
placeholders and nothing is interpreted as a format string, so braces (``{not_a_field}``), ``%s`` or template
markers such as ``### Response:`` inside the data come out verbatim. (``str.format`` would raise on stray
braces in the template and, applied twice, would expand placeholders that appear in the data.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import BadRequest

FIELDS = ("instruction", "context", "response")
REQUIRED_PLACEHOLDERS = ("instruction", "response")
MAX_TEMPLATE_CHARS = 20_000

# The JumpStart Llama 2 Neuron fine-tuning notebook's Dolly template (reference §4.3): Alpaca-style intro,
# instruction, input, response, then "<s>". As in the notebook there is no blank line before "### Response:".
DEFAULT_TEMPLATE = (
    "Below is an instruction that describes a task, paired with an input that provides further context. "
    "Write a response that appropriately completes the request.\n\n"
    "### Instruction:\n{instruction}\n\n"
    "### Input:\n{context}\n"
    "### Response:\n{response}\n\n<s>"
)

_PLACEHOLDER = re.compile(r"\{(instruction|context|response)\}")
# Something that looks like a placeholder but is not one of ours: most likely a typo ("{instuction}").
_NAME_IN_BRACES = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class PromptTemplate:
    """A validated template, split once into literal text and placeholder names."""

    source: str
    parts: tuple[tuple[str, str | None], ...]  # (literal text before, placeholder name or None at the end)

    def render(self, values: dict[str, str]) -> str:
        """The full training text. ``values`` maps field names to strings; missing ones render empty."""
        out: list[str] = []
        for literal, name in self.parts:
            out.append(literal)
            if name is not None:
                out.append(values.get(name, ""))
        return "".join(out)

    def render_prompt(self, values: dict[str, str]) -> str:
        """The text up to where ``{response}`` goes: the prompt a fine-tuned model should answer."""
        out: list[str] = []
        for literal, name in self.parts:
            out.append(literal)
            if name == "response":
                break
            if name is not None:
                out.append(values.get(name, ""))
        return "".join(out)


def parse_template(template: str | None) -> PromptTemplate:
    """Validate ``template`` (None or "" = the default) and pre-split it; BadRequest says what to fix."""
    source = DEFAULT_TEMPLATE if template is None or template == "" else template
    if not isinstance(source, str):
        raise BadRequest("template must be a string.", code="InvalidTemplate")
    if len(source) > MAX_TEMPLATE_CHARS:
        raise BadRequest(
            f"The template is {len(source)} characters long; at most {MAX_TEMPLATE_CHARS} are allowed.",
            code="InvalidTemplate",
        )
    found = [m.group(1) for m in _PLACEHOLDER.finditer(source)]
    missing = [name for name in REQUIRED_PLACEHOLDERS if name not in found]
    if missing:
        raise BadRequest(
            "The template lacks " + " and ".join("{" + name + "}" for name in missing) + ".",
            hint="An instruction template needs {instruction} and {response}; {context} is optional.",
            code="InvalidTemplate",
        )
    unknown = sorted({m.group(1) for m in _NAME_IN_BRACES.finditer(source)} - set(FIELDS))
    if unknown:
        raise BadRequest(
            "The template has unknown placeholders: " + ", ".join("{" + name + "}" for name in unknown) + ".",
            hint="Only {instruction}, {context} and {response} are filled in.",
            code="InvalidTemplate",
        )
    duplicated = sorted({name for name in found if found.count(name) > 1})
    if "response" in duplicated:
        raise BadRequest("{response} may appear only once in the template.", code="InvalidTemplate")
    if found[-1] != "response":
        raise BadRequest(
            "{response} must be the last placeholder in the template.",
            hint="The text before {response} is the prompt the model learns to answer.",
            code="InvalidTemplate",
        )
    parts: list[tuple[str, str | None]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(source):
        parts.append((source[position : match.start()], match.group(1)))
        position = match.end()
    parts.append((source[position:], None))
    return PromptTemplate(source, tuple(parts))
