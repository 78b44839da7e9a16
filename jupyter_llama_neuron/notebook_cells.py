"""The example notebooks' plan and the cell builders both flavours share.

Every code cell is a Jinja2 template under ``notebook_templates/`` (``code(template, role, **values)``), and
every value that reaches generated Python source goes through the templates' ``literal`` filter (``repr``),
so any user text (prompts with quotes, braces, backslashes or newlines) stays a string literal and can never
become code.
Markdown only ever carries validated names (model ids, endpoint and job names, instance types) and catalog
facts; user text such as prompts or dataset URIs appears in code cells only.

Two flavours share the outline of each notebook, each built in its own module:

* ``sagemaker`` (``notebook_sagemaker``): plain SageMaker Python SDK + boto3 code, for the SDK major the plan
  names (``sdk``): v3 (``ModelBuilder``/``ModelTrainer.from_jumpstart_config``) or v2 (``JumpStartModel``,
  ``JumpStartEstimator``, ``Predictor``); the first code cell checks the kernel's SDK major and says what to
  do when it differs. It needs nothing from this package (the Llama 2 chat template is defined in the
  notebook).
* ``local`` (``notebook_local``): the same steps through ``jupyter_llama_neuron.client.LlamaNeuronClient``,
  which drives the extension's local backend over the running Jupyter server's REST API.

Each code cell carries ``metadata["llama_neuron"]["role"]`` (``setup``, ``deploy``, ``wait``, ``invoke``,
``train``, ``compare``, ``cleanup``, ...; the local flavour's widget cells are ``interactive``
(``widgets.Playground``) and ``monitor`` (``widgets.TrainingMonitor``)), so tests and tools can find the
cells by purpose.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2
import nbformat
from nbformat.notebooknode import NotebookNode

from .backends.base import DeploymentConfig

Flavour = Literal["sagemaker", "local"]
Sdk = Literal["v2", "v3"]
SDKS: tuple[str, ...] = ("v2", "v3")
TEMPLATES_DIR = Path(__file__).parent / "notebook_templates"
Step = Literal["deploy", "invoke", "train", "compare", "cleanup"]
STEPS: tuple[str, ...] = ("deploy", "invoke", "train", "compare", "cleanup")
FLAVOURS: tuple[str, ...] = ("sagemaker", "local")
METADATA_KEY = "llama_neuron"
TRAINING_OUTPUT_PREFIX = "jupyter-llama-neuron/training-output"  # as the SageMaker backend's output_path
EULA_ATTRIBUTE = "accept_eula=true"
LINE_WIDTH = 88  # generated code stays readable in a notebook
_V4: Any = nbformat.v4  # untyped


@dataclass(frozen=True)
class EndpointRef:
    """An endpoint a notebook talks to, and whether it serves a chat (``-f``) model."""

    name: str
    model_id: str
    display_name: str
    chat: bool


@dataclass(frozen=True)
class NotebookPlan:
    """Everything a notebook is generated from, validated by ``notebooks.NotebookService``."""

    step: Step
    flavour: Flavour
    sdk: Sdk = "v3"  # the SageMaker flavour's SDK major
    model_id: str | None = None
    display_name: str = ""
    short_name: str = "llama-2"
    model_version: str = "1.*"
    chat: bool = False
    eula_url: str = ""
    aup_url: str = ""
    config: DeploymentConfig | None = None
    config_confirmed: bool = True
    price_per_hour: float | None = None
    price_label: str = ""
    endpoint_name: str | None = None  # the endpoint to create (deploy, train) or to use (invoke, cleanup)
    base_endpoint: str | None = None  # train: the base model's endpoint to compare the fine-tuned one with
    training_job: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    prompts: tuple[str, ...] = ()
    endpoints: tuple[EndpointRef, ...] = ()  # compare: exactly two
    dataset_uri: str | None = None
    dataset_format: str = "domain"
    hyperparameters: dict[str, str] = field(default_factory=dict)
    training_instance_type: str | None = None
    training_price_per_hour: float | None = None
    typical_minutes: int | None = None
    region: str = ""
    role_arn: str = ""
    bucket: str = ""
    creator: str = "unknown"
    generated_at: str = ""


# ------------------------------------------------------------------------------------------------------------
# Source helpers


def literal(value: Any, indent: int = 0) -> str:
    """``value`` as a Python literal (str, int, float, bool, None, and lists/dicts of them): ``repr`` for
    scalars, so any text is escaped; containers on one line when they fit, else one item per line."""
    if isinstance(value, dict):
        items = [f"{literal(key)}: {literal(item, indent + 4)}" for key, item in value.items()]
        opening, closing = "{", "}"
    elif isinstance(value, (list, tuple)):
        items = [literal(item, indent + 4) for item in value]
        opening, closing = "[", "]"
    else:
        return repr(value)
    flat = opening + ", ".join(items) + closing
    if indent + len(flat) <= LINE_WIDTH and "\n" not in flat:
        return flat
    pad = " " * (indent + 4)
    return opening + "\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + closing


@functools.cache
def _templates() -> jinja2.Environment:
    # Code, not HTML: no autoescaping; user values go through the ``literal`` filter instead.
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    environment.filters["literal"] = literal
    return environment


def render(template: str, **values: Any) -> str:
    """A code cell's source from ``notebook_templates/<template>``."""
    return _templates().get_template(template).render(**values)


def md(text: str) -> NotebookNode:
    cell: NotebookNode = _V4.new_markdown_cell(text.strip("\n"))
    return cell


def code(template: str, role: str, /, **values: Any) -> NotebookNode:
    """A code cell rendered from ``notebook_templates/<template>``: generated code lives only in templates."""
    cell: NotebookNode = _V4.new_code_cell(render(template, **values).strip("\n"))
    cell.metadata[METADATA_KEY] = {"role": role}
    return cell


def price_text(price: float | None, label: str) -> str:
    if price is None:
        return "an unpublished price (see the AWS pricing page)"
    return f"about ${price:,.2f} per hour ({label})" if label else f"about ${price:,.2f} per hour"


# The Llama 2 chat template, as notebook code (kept equal to ``chat_template.render_llama2`` by a test).
CHAT_TEMPLATE = "sagemaker/chat_template.py.j2"
CHAT_TEMPLATE_SOURCE = render(CHAT_TEMPLATE)


# ------------------------------------------------------------------------------------------------------------
# Shared markdown


def title_markdown(plan: NotebookPlan, what: str) -> NotebookNode:
    where = (
        "Amazon SageMaker (AWS Inferentia2 / Trainium)"
        if plan.flavour == "sagemaker"
        else "local mode (your machine, no AWS account)"
    )
    name = plan.display_name or "Llama 2"
    lines = [
        f"# {name}: {what}",
        "",
        f"Generated by **jupyter-llama-neuron** on {plan.generated_at} for {where}, with exactly the "
        "configuration chosen in the panel. Run the cells from top to bottom (Shift+Enter); each step says "
        "what it does and what it costs.",
    ]
    if plan.flavour == "sagemaker":
        lines += [
            "",
            "Everything it creates carries the extension's tags, so the **Resources** tab of the *Llama 2 on "
            "Neuron* panel lists it too (with its cost so far) and can delete it.",
        ]
    else:
        lines += [
            "",
            "This notebook drives the extension's local backend through the running Jupyter server "
            "(`jupyter_llama_neuron.client`), so endpoints and jobs it creates also appear in the panel. "
            "A small local model stands in for the Llama 2 model: answers show the workflow, not Llama 2's "
            "quality.",
        ]
    return md("\n".join(lines))


def eula_markdown(plan: NotebookPlan) -> NotebookNode:
    eula = f"[Llama 2 Community License]({plan.eula_url})" if plan.eula_url else "Llama 2 Community License"
    aup = f"[Acceptable Use Policy]({plan.aup_url})" if plan.aup_url else "Acceptable Use Policy"
    if plan.flavour == "sagemaker":
        how = (
            "Llama 2 is a gated model: SageMaker only deploys it with `accept_eula=True` (training: the "
            "environment `accept_eula=true`), and the endpoints answer only requests that carry the custom "
            "attribute `accept_eula=true`. **By running the cells below you accept Meta's "
            f"{eula} and {aup}.**"
        )
    else:
        how = (
            "The extension records your acceptance of the licence before it deploys or fine-tunes a Llama 2 "
            "model, as it does for SageMaker, where the request carries `accept_eula=True`. **By running "
            f"the cell below you accept Meta's {eula} and {aup}.**"
        )
    return md("## Licence (EULA)\n\n" + how)


def cost_markdown(plan: NotebookPlan, *, training: bool = False, deploys: bool = True) -> NotebookNode:
    parts = ["## Cost"]
    if plan.flavour == "local":
        parts.append("Local mode runs on this machine: no AWS charges.")
        return md("\n\n".join(parts))
    if deploys and plan.config is not None:
        parts.append(
            f"An endpoint on `{plan.config.instance_type}` costs "
            f"{price_text(plan.price_per_hour, plan.price_label)} from the moment it is created until it is "
            "deleted, whether or not you send it requests. **Run the clean-up cell at the end** (or delete "
            "the endpoint from the panel's Resources tab)."
        )
    if training and plan.training_instance_type:
        parts.append(
            f"Fine-tuning on `{plan.training_instance_type}` costs "
            f"{price_text(plan.training_price_per_hour, plan.price_label)}, billed from the start of "
            "training to its end; a default run of the 7B model takes about three hours."
        )
    return md("\n\n".join(parts))


# ------------------------------------------------------------------------------------------------------------
# Shared code


def deployment_config(plan: NotebookPlan) -> DeploymentConfig:
    if plan.config is None:
        raise ValueError(f"a {plan.step} notebook needs a deployment configuration")
    return plan.config


def endpoint_name_values(plan: NotebookPlan, suffix: str = "") -> dict[str, Any]:
    """What ``macros.endpoint_name`` takes: the requested name, else the base of a timestamped one."""
    return {
        "endpoint_name": plan.endpoint_name,
        "name_base": f"{plan.short_name}{suffix}"[:47].rstrip("-"),
    }


def prompt_values(plan: NotebookPlan, *, system_prompt: bool) -> dict[str, Any]:
    """What ``prompts.py.j2`` takes."""
    return {"prompts": list(plan.prompts), "parameters": plan.parameters, "system_prompt": system_prompt}


def _compare_code(
    plan: NotebookPlan,
    calls: str,
    endpoints: list[tuple[str, str]],
    a: str,
    b: str,
    chats: tuple[bool, bool],
    system_prompt: bool,
) -> NotebookNode:
    """The compare table's cell: ``endpoints`` are assigned first, then each prompt goes to ``a`` and ``b``
    through the flavour's ``answer`` macro (``calls``)."""
    return code(
        "compare.py.j2",
        "compare",
        calls=calls,
        endpoints=endpoints,
        a=a,
        b=b,
        chat_a=chats[0],
        chat_b=chats[1],
        **prompt_values(plan, system_prompt=system_prompt),
    )


def compare_endpoints(plan: NotebookPlan, calls: str, *, system_prompt: bool) -> NotebookNode:
    """The compare notebook's table: the same prompts to its two endpoints."""
    a, b = plan.endpoints
    endpoints = [("ENDPOINT_A", a.name), ("ENDPOINT_B", b.name)]
    return _compare_code(plan, calls, endpoints, "ENDPOINT_A", "ENDPOINT_B", (a.chat, b.chat), system_prompt)


def compare_with_base(plan: NotebookPlan, calls: str, *, system_prompt: bool) -> list[NotebookNode]:
    """The train notebook's last step: the same prompts to the base and the fine-tuned endpoint."""
    endpoints = [("BASE_ENDPOINT", plan.base_endpoint or "")]
    return [
        md(
            "## Compare with the base model\n\n"
            f"The same prompts go to the base endpoint `{plan.base_endpoint}` and to the fine-tuned one."
        ),
        _compare_code(
            plan, calls, endpoints, "BASE_ENDPOINT", "FT_ENDPOINT_NAME", (plan.chat, plan.chat), system_prompt
        ),
    ]
