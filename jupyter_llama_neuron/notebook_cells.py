"""The cells of the example notebooks, as readable code builders.

Every value that reaches generated Python source goes through ``literal()`` (``pprint``/``repr``), so any user
text (prompts with quotes, braces, backslashes or newlines) stays a string literal and can never become code.
Markdown only ever carries validated names (model ids, endpoint and job names, instance types) and catalog
facts; user text such as prompts or dataset URIs appears in code cells only.

Two flavours share the outline of each notebook:

* ``sagemaker``: plain SageMaker Python SDK + boto3 code, for the SDK major the plan names (``sdk``): v3
  (``ModelBuilder``/``ModelTrainer.from_jumpstart_config``) or v2 (``JumpStartModel``, ``JumpStartEstimator``,
  ``Predictor``); the first code cell checks the kernel's SDK major and says what to do when it differs. It
  needs nothing from this package (the Llama 2 chat template is defined in the notebook). The SDK-specific
  code cells are Jinja2 templates (``notebook_templates/``), rendered with the ``literal`` filter.
* ``local``: the same steps through ``jupyter_llama_neuron.client.LlamaNeuronClient``, which drives the
  extension's local backend over the running Jupyter server's REST API.

Each code cell carries ``metadata["llama_neuron"]["role"]`` (``setup``, ``deploy``, ``wait``, ``invoke``,
``train``, ``compare``, ``cleanup``, ...; the local flavour's widget cells are ``interactive``
(``widgets.Playground``) and ``monitor`` (``widgets.TrainingMonitor``)), so tests and tools can find the
cells by purpose.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2
import nbformat
from nbformat.notebooknode import NotebookNode

from .backends.base import (
    CONFIG_TAG,
    CREATOR_TAG,
    MANAGED_TAG,
    MODEL_ID_TAG,
    TRAINING_JOB_TAG,
    DeploymentConfig,
)

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


def code(source: str, role: str) -> NotebookNode:
    cell: NotebookNode = _V4.new_code_cell(source.strip("\n"))
    cell.metadata[METADATA_KEY] = {"role": role}
    return cell


def price_text(price: float | None, label: str) -> str:
    if price is None:
        return "an unpublished price (see the AWS pricing page)"
    return f"about ${price:,.2f} per hour ({label})" if label else f"about ${price:,.2f} per hour"


# The Llama 2 chat template, as notebook code (kept equal to ``chat_template.render_llama2`` by a test).
CHAT_TEMPLATE_SOURCE = r'''
import re

# Meta's Llama 2 chat format (as in meta-llama/llama's chat_completion). A template marker typed inside a
# message gets a zero-width space after its first character, so it cannot end a turn.
_LLAMA2_MARKERS = re.compile(r"\[/?INST\]|<</?SYS>>|</?s>", re.IGNORECASE)


def render_llama2(messages):
    """[{"role": "system"|"user"|"assistant", "content": str}, ...] -> the prompt string the endpoint takes.

    An optional system message first, then user/assistant turns alternating, ending with the user's turn."""
    texts = [
        _LLAMA2_MARKERS.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], m["content"]).strip()
        for m in messages
    ]
    if messages[0]["role"] == "system":
        texts = [f"<<SYS>>\n{texts[0]}\n<</SYS>>\n\n{texts[1]}", *texts[2:]]
    users, answers = texts[0::2], texts[1::2]
    parts = [f"<s>[INST] {user} [/INST] {answer} </s>" for user, answer in zip(users[:-1], answers)]
    parts.append(f"<s>[INST] {users[-1]} [/INST]")
    return "".join(parts)


def chat_prompt(prompt, system_prompt=None):
    """One user message (after an optional system prompt) in the Llama 2 chat template."""
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return render_llama2(messages + [{"role": "user", "content": prompt}])
'''


# ------------------------------------------------------------------------------------------------------------
# Shared markdown


def _compare_with_base(
    plan: NotebookPlan, compare_source: Callable[[NotebookPlan, str, str, bool, bool], str]
) -> list[NotebookNode]:
    """The train notebook's last step: the same prompts to the base and the fine-tuned endpoint."""
    return [
        md(
            "## Compare with the base model\n\n"
            f"The same prompts go to the base endpoint `{plan.base_endpoint}` and to the fine-tuned one."
        ),
        code(
            f"BASE_ENDPOINT = {literal(plan.base_endpoint)}\n"
            + compare_source(plan, "BASE_ENDPOINT", "FT_ENDPOINT_NAME", plan.chat, plan.chat),
            "compare",
        ),
    ]


def _title(plan: NotebookPlan, what: str) -> NotebookNode:
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


def _eula_markdown(plan: NotebookPlan) -> NotebookNode:
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


def _cost_markdown(plan: NotebookPlan, *, training: bool = False, deploys: bool = True) -> NotebookNode:
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
# SageMaker flavour


SDK_REQUIREMENT = {"v2": "'sagemaker>=2.257,<3'", "v3": "'sagemaker>=3.12,<4'"}
SDK_API = {"v2": "JumpStartModel, JumpStartEstimator", "v3": "ModelBuilder, ModelTrainer"}


def _sdk_check(plan: NotebookPlan) -> NotebookNode:
    other = "v2" if plan.sdk == "v3" else "v3"
    return code(
        render(
            "check_sdk.py.j2",
            major=plan.sdk[1:],
            other=other[1:],
            api=SDK_API[plan.sdk],
            requirement=SDK_REQUIREMENT[plan.sdk],
        ),
        "sdk_check",
    )


def _sm_setup(plan: NotebookPlan) -> list[NotebookNode]:
    telemetry = (
        "The SageMaker Python SDK sends a usage ping after each call; the `TelemetryOptOut` setting of the "
        "SDK's defaults config (added on top of your own defaults) turns it off."
        if plan.sdk == "v2"
        else "`RoleSession` answers the SDK's \"which role?\" with `ROLE`, so JumpStart's code does not ask "
        "STS again; `delete_endpoint` removes an endpoint with its config and model."
    )
    return [
        md(
            "## Setup\n\n"
            "The AWS session, the SageMaker execution role and the S3 bucket the SDK may use. The role is "
            "passed explicitly (set `ROLE` if it is empty: in SageMaker Studio your execution role is found "
            "automatically), and the session gets its bucket up front, so the SDK never has to guess "
            "them.\n\n" + telemetry
        ),
        code(
            render(
                f"sagemaker_{plan.sdk}/setup.py.j2",
                region=plan.region,
                role=plan.role_arn,
                bucket=plan.bucket,
            ),
            "setup",
        ),
    ]


def _sm_helpers(plan: NotebookPlan, *, chat: bool) -> list[NotebookNode]:
    cells = [
        md(
            "## Helpers\n\n"
            "`wait_for_endpoint` polls SageMaker until the endpoint is InService (or says why it failed); "
            "`ask` sends one request with the `accept_eula=true` custom attribute and returns the generated "
            "text."
            + (
                " `render_llama2` applies Meta's Llama 2 chat template: the chat (`-f`) models expect "
                "`<s>[INST] … [/INST]` turns as one string in `inputs`."
                if chat
                else ""
            )
        ),
        code(render(f"sagemaker_{plan.sdk}/helpers.py.j2", eula_attribute=EULA_ATTRIBUTE), "helpers"),
    ]
    if plan.sdk == "v3" and plan.step in ("deploy", "train"):
        cells += [
            md(
                "`build_and_deploy` runs `ModelBuilder.from_jumpstart_config` → `build` → `deploy`. Two "
                "small subclasses keep what the notebook asks for: your precompiled `OPTION_*` values "
                "(the SDK would merge JumpStart's defaults over them) and, for a fine-tuned model, its own "
                "weights."
            ),
            code(render("sagemaker_v3/builders.py.j2"), "sdk_helpers"),
        ]
    if chat:
        cells.append(code(CHAT_TEMPLATE_SOURCE, "chat_template"))
    return cells


def _config(plan: NotebookPlan) -> DeploymentConfig:
    if plan.config is None:
        raise ValueError(f"a {plan.step} notebook needs a deployment configuration")
    return plan.config


def _tags_source(plan: NotebookPlan, config: DeploymentConfig, training_job: str | None = None) -> str:
    tags: list[dict[str, str]] = [
        {"Key": MANAGED_TAG, "Value": "true"},
        {"Key": MODEL_ID_TAG, "Value": plan.model_id or ""},
        {"Key": CREATOR_TAG, "Value": plan.creator},
        {"Key": CONFIG_TAG, "Value": config.to_tag()},
    ]
    if training_job is not None:
        tags.append({"Key": TRAINING_JOB_TAG, "Value": training_job})
    return literal(tags)


def _endpoint_name_source(plan: NotebookPlan, suffix: str = "") -> str:
    """The requested endpoint name, else ``<model>[-suffix]-<UTC time>`` computed when the cell runs (so
    running the notebook again creates a new endpoint instead of colliding with the first)."""
    if plan.endpoint_name:
        return literal(plan.endpoint_name)
    base = f"{plan.short_name}{suffix}"[:47].rstrip("-")
    return f"{literal(base + '-')} + time.strftime('%Y%m%d-%H%M%S', time.gmtime())"


def _env_assignment(plan: NotebookPlan, config: DeploymentConfig) -> str:
    """The ENV assignment of the deploy cells (None: JumpStart's own environment)."""
    if plan.config_confirmed:
        return (
            "# The precompiled Neuron configuration: the container loads a ready graph, no compilation.\n"
            f"ENV = {literal(config.to_env())}"
        )
    return (
        "# This tuple is JumpStart's own default for the model; its OPTION_* values are left to JumpStart's\n"
        "# spec, since forcing other values could trigger a Neuron compilation at start-up.\n"
        "ENV = None"
    )


def _builder_name(plan: NotebookPlan) -> str:
    return "ModelBuilder.from_jumpstart_config" if plan.sdk == "v3" else "JumpStartModel"


def _sm_deploy(plan: NotebookPlan) -> list[NotebookNode]:
    config = _config(plan)
    env_assign = _env_assignment(plan, config)
    minutes = f" (typically about {plan.typical_minutes} minutes)" if plan.typical_minutes else ""
    return [
        md(
            "## Deploy\n\n"
            f"`{_builder_name(plan)}` resolves the container image, the gated weights and the spec's "
            f"settings for `{plan.model_id}` (version `{plan.model_version}`); `env` selects the "
            f"precompiled Neuron configuration: context length {config.n_positions} tokens, rolling batch "
            f"size {config.max_rolling_batch_size}, tensor parallel degree {config.tensor_parallel_degree}, "
            f"{config.dtype}, on `{config.instance_type}`. `deploy(..., wait=False)` returns at once; the "
            f"next cell waits for the endpoint{minutes}."
        ),
        code(
            render(
                f"sagemaker_{plan.sdk}/deploy.py.j2",
                model_id=plan.model_id,
                model_version=plan.model_version,
                instance_type=config.instance_type,
                env_assign=env_assign,
                confirmed=plan.config_confirmed,
                endpoint_name_source=_endpoint_name_source(plan),
                tags_source=_tags_source(plan, config),
            ),
            "deploy",
        ),
        md("## Wait until the endpoint is InService"),
        code("endpoint = wait_for_endpoint(ENDPOINT_NAME)", "wait"),
    ]


def _prompt_cells_source(plan: NotebookPlan, *, chat: bool) -> str:
    lines = [f"PROMPTS = {literal(list(plan.prompts))}", f"PARAMETERS = {literal(plan.parameters)}"]
    if chat:
        lines.append('SYSTEM_PROMPT = None  # e.g. "Answer in one sentence."')
    return "\n".join(lines)


def _inputs_expression(chat: bool, prompt_var: str = "prompt") -> str:
    return f"chat_prompt({prompt_var}, SYSTEM_PROMPT)" if chat else prompt_var


def _sm_invoke(plan: NotebookPlan, endpoint_expr: str, *, chat: bool) -> list[NotebookNode]:
    explain = (
        "Each prompt is a user message; `render_llama2` wraps it (with the optional `SYSTEM_PROMPT`) in the "
        "Llama 2 chat template."
        if chat
        else 'The base models continue text: completion-style prompts work best ("The capital of France is").'
    )
    return [
        md(
            "## Invoke\n\n"
            'The payload is `{"inputs": ..., "parameters": ...}` with the parameters chosen in the '
            "panel. " + explain
        ),
        code(
            f"""
{_prompt_cells_source(plan, chat=chat)}

for prompt in PROMPTS:
    inputs = {_inputs_expression(chat)}
    print("Prompt:", prompt)
    print("Answer:", ask({endpoint_expr}, inputs, PARAMETERS))
    print()
""",
            "invoke",
        ),
    ]


def _sm_delete_source(plan: NotebookPlan, endpoint_expr: str) -> str:
    return render(f"sagemaker_{plan.sdk}/delete.py.j2", endpoint_expr=endpoint_expr)


def _indented(source: str) -> str:
    return "\n".join("    " + line if line else line for line in source.strip().splitlines())


def _sm_cleanup(plan: NotebookPlan, endpoint_expr: str, *, guarded: bool) -> list[NotebookNode]:
    if guarded:
        return [
            md(
                "## Clean up\n\n"
                "This notebook did not create the endpoint, so it does not delete it unless you set "
                "`DELETE_ENDPOINT = True`. An endpoint is billed until it is deleted."
            ),
            code(
                "DELETE_ENDPOINT = False\n\nif DELETE_ENDPOINT:\n"
                + _indented(_sm_delete_source(plan, endpoint_expr))
                + '\nelse:\n    print("Kept the endpoint: set DELETE_ENDPOINT = True to delete it.")',
                "cleanup",
            ),
        ]
    return [
        md(
            "## Clean up\n\n"
            "Delete the endpoint, its endpoint config and its model: the instance is billed until the "
            "endpoint is deleted."
        ),
        code(_sm_delete_source(plan, endpoint_expr), "cleanup"),
    ]


def _sm_compare_source(plan: NotebookPlan, a: str, b: str, chat_a: bool, chat_b: bool) -> str:
    def call(endpoint: str, chat: bool) -> str:
        return f"ask({endpoint}, {_inputs_expression(chat)}, PARAMETERS)"

    return f"""
from IPython.display import Markdown, display

{_prompt_cells_source(plan, chat=chat_a or chat_b)}


def cell(text):
    return " ".join(str(text).split()).replace("|", "\\\\|")


rows = [f"| Prompt | {{cell({a})}} | {{cell({b})}} |", "| --- | --- | --- |"]
for prompt in PROMPTS:
    answer_a = {call(a, chat_a)}
    answer_b = {call(b, chat_b)}
    rows.append(f"| {{cell(prompt)}} | {{cell(answer_a)}} | {{cell(answer_b)}} |")
display(Markdown("\\n".join(rows)))
"""


def _sm_compare(plan: NotebookPlan, a: EndpointRef, b: EndpointRef) -> list[NotebookNode]:
    return [
        md(
            "## Compare\n\n"
            f"The same prompts and parameters go to `{a.name}` ({a.display_name}) and `{b.name}` "
            f"({b.display_name}); the answers are shown side by side."
        ),
        code(
            f"ENDPOINT_A = {literal(a.name)}\nENDPOINT_B = {literal(b.name)}\n"
            + _sm_compare_source(plan, "ENDPOINT_A", "ENDPOINT_B", a.chat, b.chat),
            "compare",
        ),
    ]


def _sm_train(plan: NotebookPlan) -> list[NotebookNode]:
    cells: list[NotebookNode] = []
    if plan.training_job is None:
        cells += [
            md(
                "## Fine-tune\n\n"
                f"`{_trainer_name(plan)}` starts a SageMaker training job on `{plan.training_instance_type}` "
                "with the JumpStart Neuron fine-tuning recipe. The dataset must be a JSON Lines file with a "
                "`text` field per record (the panel's dataset step writes exactly that). Only the "
                "hyperparameters you changed are listed; JumpStart's defaults apply to the others. "
                f"`{'train' if plan.sdk == 'v3' else 'fit'}(..., wait=False)` returns at once."
            ),
            code(
                render(
                    f"sagemaker_{plan.sdk}/train.py.j2",
                    model_id=plan.model_id,
                    model_version=plan.model_version,
                    training_instance_type=plan.training_instance_type,
                    dataset_uri=plan.dataset_uri,
                    hyperparameters=plan.hyperparameters,
                    job_prefix=plan.short_name + "-ft-",
                    training_tags=[
                        {"Key": MANAGED_TAG, "Value": "true"},
                        {"Key": MODEL_ID_TAG, "Value": plan.model_id or ""},
                        {"Key": CREATOR_TAG, "Value": plan.creator},
                    ],
                    output_prefix=TRAINING_OUTPUT_PREFIX,
                ),
                "train",
            ),
        ]
    else:
        cells += [
            md(
                "## The training job\n\n"
                f"The fine-tuning job `{plan.training_job}` was started from the panel; this notebook "
                "follows it, deploys the fine-tuned model and compares it."
            ),
            code(
                f"MODEL_ID = {literal(plan.model_id)}\nMODEL_VERSION = {literal(plan.model_version)}\n"
                f"JOB_NAME = {literal(plan.training_job)}",
                "train",
            ),
        ]
    cells += [
        md(
            "## Wait for the training job\n\n"
            "SageMaker reports a primary status (InProgress → Completed) and a secondary status (Starting, "
            "Downloading, Training, Uploading …). The loss curve and logs are in the panel and in CloudWatch."
        ),
        code(
            render(
                "wait_training.py.j2",
                sagemaker_client="session.sagemaker_client" if plan.sdk == "v2" else "sagemaker_client",
            ),
            "wait_training",
        ),
    ]
    cells += _sm_deploy_fine_tuned(plan)
    return cells


def _trainer_name(plan: NotebookPlan) -> str:
    return "ModelTrainer.from_jumpstart_config" if plan.sdk == "v3" else "JumpStartEstimator"


def _sm_deploy_fine_tuned(plan: NotebookPlan) -> list[NotebookNode]:
    config = _config(plan)
    return [
        md(
            "## Deploy the fine-tuned model\n\n"
            f"The job's output (its `S3ModelArtifacts`) replaces the base weights: `{_builder_name(plan)}` "
            "gets it as `model_data` and otherwise deploys like the base model, with the precompiled "
            f"configuration on `{config.instance_type}` (context length {config.n_positions})."
        ),
        code(
            render(
                f"sagemaker_{plan.sdk}/deploy_fine_tuned.py.j2",
                instance_type=config.instance_type,
                env_assign=_env_assignment(plan, config),
                confirmed=plan.config_confirmed,
                endpoint_name_source=_endpoint_name_source(plan, "-ft"),
                tags_source=_tags_source(plan, config),
                training_job_tag=TRAINING_JOB_TAG,
            ),
            "deploy",
        ),
    ]


def sagemaker_notebook(plan: NotebookPlan) -> list[NotebookNode]:
    cells: list[NotebookNode] = []
    if plan.step == "deploy":
        cells += [_title(plan, "deploy on AWS Inferentia2"), _eula_markdown(plan), _cost_markdown(plan)]
        cells += _sm_setup(plan) + _sm_helpers(plan, chat=plan.chat) + _sm_deploy(plan)
        cells += _sm_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _sm_cleanup(plan, "ENDPOINT_NAME", guarded=False)
    elif plan.step == "invoke":
        cells += [_title(plan, f"prompt the endpoint {plan.endpoint_name}"), _eula_markdown(plan)]
        cells += _sm_setup(plan) + _sm_helpers(plan, chat=plan.chat)
        cells += [code(f"ENDPOINT_NAME = {literal(plan.endpoint_name)}", "endpoint")]
        cells += _sm_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _sm_cleanup(plan, "ENDPOINT_NAME", guarded=True)
    elif plan.step == "train":
        cells += [
            _title(plan, "fine-tune on AWS Trainium, deploy and compare"),
            _eula_markdown(plan),
            _cost_markdown(plan, training=True),
        ]
        cells += _sm_setup(plan) + _sm_helpers(plan, chat=plan.chat) + _sm_train(plan)
        if plan.base_endpoint:
            cells += _compare_with_base(plan, _sm_compare_source)
        else:
            cells += _sm_invoke(plan, "FT_ENDPOINT_NAME", chat=plan.chat)
        cells += _sm_cleanup(plan, "FT_ENDPOINT_NAME", guarded=False)
    elif plan.step == "compare":
        a, b = plan.endpoints
        cells += [_title(plan, f"compare {a.name} and {b.name}"), _eula_markdown(plan)]
        cells += _sm_setup(plan) + _sm_helpers(plan, chat=a.chat or b.chat) + _sm_compare(plan, a, b)
        cells += [
            md(
                "## Clean up\n\nThe endpoints were not created by this notebook; delete them here (set "
                "`DELETE_ENDPOINTS = True`) or from the panel's Resources tab when you are done."
            ),
            code(render(f"sagemaker_{plan.sdk}/delete_many.py.j2"), "cleanup"),
        ]
    else:  # cleanup
        cells += [
            _title(plan, f"delete the endpoint {plan.endpoint_name}"),
            md(
                "Deleting an endpoint stops its billing. This deletes the endpoint, its endpoint config and "
                "its model; the model's weights in S3 (and any training output) are kept."
            ),
        ]
        cells += _sm_setup(plan)
        cells += [
            code(
                render(f"sagemaker_{plan.sdk}/cleanup_endpoint.py.j2", endpoint_name=plan.endpoint_name),
                "endpoint",
            )
        ]
        cells += _sm_cleanup(plan, "ENDPOINT_NAME", guarded=False)
    cells.insert(1, _sdk_check(plan))  # right after the title: the first code cell
    return cells


# ------------------------------------------------------------------------------------------------------------
# Local flavour


def _local_setup(plan: NotebookPlan) -> list[NotebookNode]:
    return [
        md(
            "## Setup\n\n"
            "`LlamaNeuronClient` finds the Jupyter server this notebook runs in (or use "
            "`LlamaNeuronClient(base_url=..., token=...)`, or the `JUPYTER_SERVER_URL` and `JUPYTER_TOKEN` "
            "environment variables) and calls the extension's REST API, so the local backend does the work."
        ),
        code(
            """
from jupyter_llama_neuron.client import LlamaNeuronClient

client = LlamaNeuronClient()
print(client.status()["label"])
""",
            "setup",
        ),
    ]


def _local_eula(plan: NotebookPlan) -> list[NotebookNode]:
    return [
        _eula_markdown(plan),
        code(f"client.accept_eula({literal(plan.model_id)})", "eula"),
    ]


def _local_deploy(plan: NotebookPlan, *, fine_tuned: bool = False) -> list[NotebookNode]:
    config = _config(plan)
    name_var = "FT_ENDPOINT_NAME" if fine_tuned else "ENDPOINT_NAME"
    job = "JOB_NAME" if fine_tuned else "None"
    return [
        md(
            ("## Deploy the fine-tuned model\n\n" if fine_tuned else "## Deploy\n\n")
            + "The same precompiled-configuration rules as on SageMaker: context length "
            f"{config.n_positions} caps prompt plus answer, rolling batch size "
            f"{config.max_rolling_batch_size} is how many requests the local worker serves at once "
            "(tensor parallelism has no local meaning). `deploy` returns at once; `wait` polls until the "
            "endpoint is InService."
        ),
        code(
            f"""
import time

MODEL_ID = {literal(plan.model_id)}
CONFIG = {literal(config.to_json())}
{name_var} = {_endpoint_name_source(plan, "-ft" if fine_tuned else "")}

client.deploy(MODEL_ID, config=CONFIG, endpoint_name={name_var}, training_job={job})
endpoint = client.wait({name_var})
print(endpoint["name"], endpoint["status"], "-", endpoint["serving_label"])
""",
            "deploy",
        ),
    ]


def _local_invoke(plan: NotebookPlan, endpoint_expr: str, *, chat: bool) -> list[NotebookNode]:
    explain = (
        "Chat models take messages; the local backend applies the served model's own chat template (on "
        "SageMaker the Llama 2 template is used)."
        if chat
        else 'Base models continue text: completion-style prompts work best ("The capital of France is").'
    )
    call = (
        "client.invoke(ENDPOINT, messages=messages, parameters=PARAMETERS)"
        if chat
        else "client.invoke(ENDPOINT, inputs=prompt, parameters=PARAMETERS)"
    )
    messages = (
        '    messages = ([{"role": "system", "content": SYSTEM_PROMPT}] if SYSTEM_PROMPT else []) + [\n'
        '        {"role": "user", "content": prompt}\n    ]\n'
        if chat
        else ""
    )
    return [
        md("## Invoke\n\nThe prompts and parameters chosen in the panel. " + explain),
        code(
            f"""
ENDPOINT = {endpoint_expr}
{_prompt_cells_source(plan, chat=chat)}

for prompt in PROMPTS:
{messages}    answer = {call}
    print("Prompt:", prompt)
    print("Answer:", answer["generated_text"])
    tokens, seconds, finish = answer["tokens_out"], answer["latency_s"], answer["finish_reason"]
    print(f"({{tokens}} tokens in {{seconds}} s, finish: {{finish}})")
    print()
""",
            "invoke",
        ),
    ]


def _local_playground(endpoint_expr: str, *, chat: bool) -> list[NotebookNode]:
    what = "a chat thread with an optional system prompt" if chat else "the answer streamed as it arrives"
    return [
        md(
            "## Try it interactively\n\n"
            f"Optional: a playground widget for the endpoint ({what}; max_new_tokens, temperature, "
            "top_p and do_sample). It uses the same REST API as the panel; run the clean-up cell when you "
            "are done."
        ),
        code(
            f"from jupyter_llama_neuron.widgets import Playground\n\nPlayground({endpoint_expr})",
            "interactive",
        ),
    ]


def _local_cleanup(endpoint_expr: str, *, guarded: bool) -> list[NotebookNode]:
    if guarded:
        return [
            md(
                "## Clean up\n\nThis notebook did not create the endpoint, so it only deletes it when you "
                "set `DELETE_ENDPOINT = True`."
            ),
            code(
                "DELETE_ENDPOINT = False\n\nif DELETE_ENDPOINT:\n"
                f'    client.delete({endpoint_expr})\n    print("Deleted", {endpoint_expr})\n'
                'else:\n    print("Kept the endpoint: set DELETE_ENDPOINT = True to delete it.")',
                "cleanup",
            ),
        ]
    return [
        md("## Clean up\n\nStop the local worker and forget the endpoint."),
        code(f'client.delete({endpoint_expr})\nprint("Deleted", {endpoint_expr})', "cleanup"),
    ]


def _local_compare_source(plan: NotebookPlan, a: str, b: str, chat_a: bool, chat_b: bool) -> str:
    def call(endpoint: str, chat: bool) -> str:
        if chat:
            return (
                f'client.invoke({endpoint}, messages=[{{"role": "user", "content": prompt}}], '
                'parameters=PARAMETERS)["generated_text"]'
            )
        return f'client.invoke({endpoint}, inputs=prompt, parameters=PARAMETERS)["generated_text"]'

    return f"""
from IPython.display import Markdown, display

PROMPTS = {literal(list(plan.prompts))}
PARAMETERS = {literal(plan.parameters)}


def cell(text):
    return " ".join(str(text).split()).replace("|", "\\\\|")


rows = [f"| Prompt | {{cell({a})}} | {{cell({b})}} |", "| --- | --- | --- |"]
for prompt in PROMPTS:
    answer_a = {call(a, chat_a)}
    answer_b = {call(b, chat_b)}
    rows.append(f"| {{cell(prompt)}} | {{cell(answer_a)}} | {{cell(answer_b)}} |")
display(Markdown("\\n".join(rows)))
"""


def _local_train(plan: NotebookPlan) -> list[NotebookNode]:
    cells: list[NotebookNode] = []
    if plan.training_job is None:
        cells += [
            md(
                "## Fine-tune\n\n"
                "Local mode fine-tunes the stand-in model with LoRA in a subprocess. The hyperparameters "
                "are the ones chosen in the panel (the panel's job page explains what each means locally)."
            ),
            code(
                f"""
MODEL_ID = {literal(plan.model_id)}
DATASET_URI = {literal(plan.dataset_uri)}
DATASET_FORMAT = {literal(plan.dataset_format)}
HYPERPARAMETERS = {literal(plan.hyperparameters)}
TRAINING_INSTANCE_TYPE = {literal(plan.training_instance_type)}

job = client.train(
    MODEL_ID,
    dataset_uri=DATASET_URI,
    dataset_format=DATASET_FORMAT,
    hyperparameters=HYPERPARAMETERS,
    instance_type=TRAINING_INSTANCE_TYPE,
)
JOB_NAME = job["name"]
print("Started training job", JOB_NAME)
""",
                "train",
            ),
        ]
    else:
        cells += [
            md(f"## The training job\n\nThe job `{plan.training_job}` was started from the panel."),
            code(f"MODEL_ID = {literal(plan.model_id)}\nJOB_NAME = {literal(plan.training_job)}", "train"),
        ]
    cells += [
        md(
            "## Watch the training job\n\n"
            "The status, secondary status and the loss curve, refreshed in the background until the job ends."
        ),
        code(
            "from jupyter_llama_neuron.widgets import TrainingMonitor\n\nTrainingMonitor(JOB_NAME)",
            "monitor",
        ),
        md("## Wait for the training job"),
        code(
            'job = client.wait_training(JOB_NAME)\nprint(JOB_NAME, job["status"], job["output_model"])',
            "wait_training",
        ),
    ]
    cells += _local_deploy(plan, fine_tuned=True)
    return cells


def local_notebook(plan: NotebookPlan) -> list[NotebookNode]:
    cells: list[NotebookNode] = []
    if plan.step == "deploy":
        cells += [_title(plan, "deploy (local mode)"), *_local_setup(plan), *_local_eula(plan)]
        cells += _local_deploy(plan) + _local_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _local_playground("ENDPOINT_NAME", chat=plan.chat)
        cells += _local_cleanup("ENDPOINT_NAME", guarded=False)
    elif plan.step == "invoke":
        cells += [_title(plan, f"prompt the endpoint {plan.endpoint_name} (local mode)"), *_local_setup(plan)]
        cells += [code(f"ENDPOINT_NAME = {literal(plan.endpoint_name)}", "endpoint")]
        cells += _local_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _local_playground("ENDPOINT_NAME", chat=plan.chat)
        cells += _local_cleanup("ENDPOINT_NAME", guarded=True)
    elif plan.step == "train":
        cells += [_title(plan, "fine-tune, deploy and compare (local mode)"), *_local_setup(plan)]
        cells += _local_eula(plan) + _local_train(plan)
        if plan.base_endpoint:
            cells += _compare_with_base(plan, _local_compare_source)
        else:
            cells += _local_invoke(plan, "FT_ENDPOINT_NAME", chat=plan.chat)
        cells += _local_playground("FT_ENDPOINT_NAME", chat=plan.chat)
        cells += _local_cleanup("FT_ENDPOINT_NAME", guarded=False)
    elif plan.step == "compare":
        a, b = plan.endpoints
        cells += [_title(plan, f"compare {a.name} and {b.name} (local mode)"), *_local_setup(plan)]
        cells += [
            md(f"## Compare\n\nThe same prompts and parameters go to `{a.name}` and `{b.name}`."),
            code(
                f"ENDPOINT_A = {literal(a.name)}\nENDPOINT_B = {literal(b.name)}\n"
                + _local_compare_source(plan, "ENDPOINT_A", "ENDPOINT_B", a.chat, b.chat),
                "compare",
            ),
        ]
    else:  # cleanup
        cells += [_title(plan, f"delete the endpoint {plan.endpoint_name} (local mode)"), *_local_setup(plan)]
        cells += [
            code(
                f"ENDPOINT_NAME = {literal(plan.endpoint_name)}\n"
                'print(ENDPOINT_NAME, client.endpoint(ENDPOINT_NAME)["status"])',
                "endpoint",
            )
        ]
        cells += _local_cleanup("ENDPOINT_NAME", guarded=False)
    return cells


def build_notebook(plan: NotebookPlan) -> NotebookNode:
    """The notebook (nbformat v4) for ``plan``."""
    cells = sagemaker_notebook(plan) if plan.flavour == "sagemaker" else local_notebook(plan)
    notebook: NotebookNode = _V4.new_notebook()
    notebook.cells = cells
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata[METADATA_KEY] = {
        "step": plan.step,
        "flavour": plan.flavour,
        "model_id": plan.model_id,
        "generated_at": plan.generated_at,
    }
    return notebook
