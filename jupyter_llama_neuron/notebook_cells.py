"""The cells of the example notebooks, as readable code builders.

Every value that reaches generated Python source goes through ``literal()`` (``pprint``/``repr``), so any user
text (prompts with quotes, braces, backslashes or newlines) stays a string literal and can never become code.
Markdown only ever carries validated names (model ids, endpoint and job names, instance types) and catalog
facts; user text such as prompts or dataset URIs appears in code cells only.

Two flavours share the outline of each notebook:

* ``sagemaker``: plain SageMaker Python SDK v2 + boto3 code (``JumpStartModel``, ``JumpStartEstimator``,
  ``Predictor``); it needs nothing from this package (the Llama 2 chat template is defined in the notebook).
* ``local``: the same steps through ``jupyter_llama_neuron.client.LlamaNeuronClient``, which drives the
  extension's local backend over the running Jupyter server's REST API.

Each code cell carries ``metadata["llama_neuron"]["role"]`` (``setup``, ``deploy``, ``wait``, ``invoke``,
``train``, ``compare``, ``cleanup``, ...; the local flavour's widget cells are ``interactive``
(``widgets.Playground``) and ``monitor`` (``widgets.TrainingMonitor``)), so tests and tools can find the
cells by purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

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


def _sm_setup(plan: NotebookPlan) -> list[NotebookNode]:
    region = literal(plan.region)
    role = literal(plan.role_arn)
    bucket = literal(plan.bucket)
    return [
        md(
            "## Setup\n\n"
            "The AWS session, the SageMaker execution role and the S3 bucket the SDK may use. The role is "
            "passed explicitly (set `ROLE` if it is empty: in SageMaker Studio your execution role is found "
            "automatically), and the session gets its bucket up front, so the SDK never has to guess "
            "them.\n\n"
            "The SageMaker Python SDK sends a usage ping after each call; the `TelemetryOptOut` setting of "
            "the "
            "SDK's defaults config (added on top of your own defaults) turns it off."
        ),
        code(
            f"""
import json
import logging
import time

import boto3
import sagemaker

logging.getLogger("sagemaker.config").setLevel(logging.WARNING)  # quiet "applied value from config" notes

REGION = {region}  # empty: your AWS profile's region
ROLE = {role}  # the SageMaker execution role; empty: the SageMaker Studio role
BUCKET = {bucket}  # empty: SageMaker's default bucket, sagemaker-<region>-<account>

boto_session = boto3.Session(region_name=REGION or None)
REGION = boto_session.region_name
if not BUCKET:
    account = boto_session.client("sts").get_caller_identity()["Account"]
    BUCKET = f"sagemaker-{{REGION}}-{{account}}"

# The SDK's own defaults config, plus its documented telemetry opt-out.
sdk_config = sagemaker.config.load_sagemaker_config()
sdk_config.setdefault("SchemaVersion", "1.0")
sdk_config.setdefault("SageMaker", {{}}).setdefault("PythonSDK", {{}}).setdefault("Modules", {{}})[
    "TelemetryOptOut"
] = True
session = sagemaker.Session(boto_session=boto_session, default_bucket=BUCKET, sagemaker_config=sdk_config)
if not ROLE:
    ROLE = sagemaker.get_execution_role(sagemaker_session=session)
print(f"Region {{REGION}}, bucket {{BUCKET}}, role {{ROLE}}")
""",
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
        code(
            f"""
from sagemaker.predictor import Predictor
from sagemaker.serializers import JSONSerializer


def wait_for_endpoint(name, poll_seconds=30):
    \"\"\"Poll until the endpoint is InService; raise with SageMaker's reason if it fails.\"\"\"
    started, last = time.time(), None
    while True:
        described = session.sagemaker_client.describe_endpoint(EndpointName=name)
        status = described["EndpointStatus"]
        if status != last:
            print(f"{{time.time() - started:6.0f}} s  {{name}}: {{status}}")
            last = status
        if status == "InService":
            return described
        if status in ("Failed", "OutOfService"):
            raise RuntimeError(f"Endpoint {{name}} is {{status}}: {{described.get('FailureReason')}}")
        time.sleep(poll_seconds)


def generated_text(raw):
    \"\"\"The text in an endpoint's answer ({{"generated_text": ...}}, a list of those, or plain text).\"\"\"
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    try:
        answer = json.loads(text)
    except ValueError:
        return text
    if isinstance(answer, list) and answer:
        answer = answer[0]
    return answer.get("generated_text", text) if isinstance(answer, dict) else str(answer)


def ask(endpoint_name, inputs, parameters):
    \"\"\"One invocation; the gated Llama 2 endpoints need the custom attribute {EULA_ATTRIBUTE}.\"\"\"
    predictor = Predictor(endpoint_name, sagemaker_session=session, serializer=JSONSerializer())
    payload = {{"inputs": inputs, "parameters": parameters}}
    raw = predictor.predict(payload, custom_attributes={literal(EULA_ATTRIBUTE)})
    return generated_text(raw)
""",
            "helpers",
        ),
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


def _env_lines(plan: NotebookPlan, config: DeploymentConfig) -> tuple[str, str]:
    """(the ENV assignment, the env keyword) for JumpStartModel."""
    if plan.config_confirmed:
        return (
            "# The precompiled Neuron configuration: the container loads a ready graph, no compilation.\n"
            f"ENV = {literal(config.to_env())}",
            "    env=ENV,\n",
        )
    return (
        "# This tuple is JumpStart's own default for the model; its OPTION_* values are left to JumpStart's\n"
        "# spec, since forcing other values could trigger a Neuron compilation at start-up.\n"
        "ENV = None",
        "",
    )


def _sm_deploy(plan: NotebookPlan) -> list[NotebookNode]:
    config = _config(plan)
    env_assign, env_kw = _env_lines(plan, config)
    minutes = f" (typically about {plan.typical_minutes} minutes)" if plan.typical_minutes else ""
    return [
        md(
            "## Deploy\n\n"
            f"`JumpStartModel` resolves the container image, the gated weights and the spec's settings for "
            f"`{plan.model_id}` (version `{plan.model_version}`); `env` selects the precompiled Neuron "
            f"configuration: context length {config.n_positions} tokens, rolling batch size "
            f"{config.max_rolling_batch_size}, tensor parallel degree {config.tensor_parallel_degree}, "
            f"{config.dtype}, on `{config.instance_type}`. `deploy(..., wait=False)` returns at once; the "
            f"next cell waits for the endpoint{minutes}."
        ),
        code(
            f"""
from sagemaker.jumpstart.model import JumpStartModel

MODEL_ID = {literal(plan.model_id)}
MODEL_VERSION = {literal(plan.model_version)}
INSTANCE_TYPE = {literal(config.instance_type)}
{env_assign}
ENDPOINT_NAME = {_endpoint_name_source(plan)}
TAGS = {_tags_source(plan, config)}

model = JumpStartModel(
    model_id=MODEL_ID,
    model_version=MODEL_VERSION,
    region=REGION,
    instance_type=INSTANCE_TYPE,
{env_kw}    role=ROLE,
    sagemaker_session=session,
    name=ENDPOINT_NAME,
)
model.deploy(
    accept_eula=True,  # you accept the Llama 2 licence (see above)
    wait=False,
    endpoint_name=ENDPOINT_NAME,
    initial_instance_count=1,
    instance_type=INSTANCE_TYPE,
    tags=TAGS,
)
print(f"Creating endpoint {{ENDPOINT_NAME}} on {{INSTANCE_TYPE}}")
""",
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


def _sm_delete_source(endpoint_expr: str) -> str:
    return f"""
predictor = Predictor({endpoint_expr}, sagemaker_session=session)
predictor.delete_model()  # first: it looks the model up through the endpoint config
predictor.delete_endpoint(delete_endpoint_config=True)
print(f"Deleted endpoint {{{endpoint_expr}}}, its endpoint config and model.")
"""


def _indented(source: str) -> str:
    return "\n".join("    " + line if line else line for line in source.strip().splitlines())


def _sm_cleanup(endpoint_expr: str, *, guarded: bool) -> list[NotebookNode]:
    if guarded:
        return [
            md(
                "## Clean up\n\n"
                "This notebook did not create the endpoint, so it does not delete it unless you set "
                "`DELETE_ENDPOINT = True`. An endpoint is billed until it is deleted."
            ),
            code(
                "DELETE_ENDPOINT = False\n\nif DELETE_ENDPOINT:\n"
                + _indented(_sm_delete_source(endpoint_expr))
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
        code(_sm_delete_source(endpoint_expr), "cleanup"),
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
                f"`JumpStartEstimator` starts a SageMaker training job on `{plan.training_instance_type}` "
                "with the JumpStart Neuron fine-tuning recipe. The dataset must be a JSON Lines file with a "
                "`text` field per record (the panel's dataset step writes exactly that). Only the "
                "hyperparameters you changed are listed; JumpStart's defaults apply to the others. "
                "`fit(..., wait=False)` returns at once."
            ),
            code(
                f"""
from sagemaker.jumpstart.estimator import JumpStartEstimator

MODEL_ID = {literal(plan.model_id)}
MODEL_VERSION = {literal(plan.model_version)}
TRAINING_INSTANCE_TYPE = {literal(plan.training_instance_type)}
DATASET_URI = {literal(plan.dataset_uri)}
HYPERPARAMETERS = {literal(plan.hyperparameters)}
JOB_NAME = {literal(plan.short_name + "-ft-")} + time.strftime("%Y%m%d-%H%M%S", time.gmtime())
TRAINING_TAGS = {
                    literal(
                        [
                            {"Key": MANAGED_TAG, "Value": "true"},
                            {"Key": MODEL_ID_TAG, "Value": plan.model_id or ""},
                            {"Key": CREATOR_TAG, "Value": plan.creator},
                        ]
                    )
                }

estimator = JumpStartEstimator(
    model_id=MODEL_ID,
    model_version=MODEL_VERSION,
    region=REGION,
    instance_type=TRAINING_INSTANCE_TYPE,
    instance_count=1,
    role=ROLE,
    output_path=f"s3://{{BUCKET}}/{TRAINING_OUTPUT_PREFIX}/",
    hyperparameters=HYPERPARAMETERS,
    environment={{"accept_eula": "true"}},  # you accept the Llama 2 licence (see above)
    tags=TRAINING_TAGS,
    sagemaker_session=session,
)
estimator.fit({{"train": DATASET_URI}}, wait=False, job_name=JOB_NAME)
print(f"Started training job {{JOB_NAME}}")
""",
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
            """
def wait_for_training(name, poll_seconds=60):
    \"\"\"Poll until the training job ends; raise with SageMaker's reason unless it Completed.\"\"\"
    started, last = time.time(), None
    while True:
        job = session.sagemaker_client.describe_training_job(TrainingJobName=name)
        status = (job["TrainingJobStatus"], job.get("SecondaryStatus"))
        if status != last:
            print(f"{time.time() - started:6.0f} s  {name}: {status[0]} / {status[1]}")
            last = status
        if status[0] == "Completed":
            return job
        if status[0] in ("Failed", "Stopped"):
            raise RuntimeError(f"Training job {name} is {status[0]}: {job.get('FailureReason')}")
        time.sleep(poll_seconds)


training_job = wait_for_training(JOB_NAME)
""",
            "wait_training",
        ),
    ]
    cells += _sm_deploy_fine_tuned(plan)
    return cells


def _sm_deploy_fine_tuned(plan: NotebookPlan) -> list[NotebookNode]:
    config = _config(plan)
    env_assign, env_kw = _env_lines(plan, config)
    return [
        md(
            "## Deploy the fine-tuned model\n\n"
            "The job's output (its `S3ModelArtifacts`) replaces the base weights: `JumpStartModel` gets "
            "it as `model_data` and otherwise deploys like the base model, with the precompiled "
            f"configuration on `{config.instance_type}` (context length {config.n_positions})."
        ),
        code(
            f"""
from sagemaker.jumpstart.model import JumpStartModel

INSTANCE_TYPE = {literal(config.instance_type)}
{env_assign}
FT_ENDPOINT_NAME = {_endpoint_name_source(plan, "-ft")}

artifacts = training_job["ModelArtifacts"]["S3ModelArtifacts"]
if training_job.get("OutputDataConfig", {{}}).get("CompressionType", "GZIP") == "GZIP":
    model_data = artifacts
else:  # uncompressed output: hosting takes the S3 prefix
    model_data = {{
        "S3DataSource": {{
            "S3Uri": artifacts.rstrip("/") + "/",
            "S3DataType": "S3Prefix",
            "CompressionType": "None",
        }}
    }}
FT_TAGS = {_tags_source(plan, config)} + [{{"Key": {literal(TRAINING_JOB_TAG)}, "Value": JOB_NAME}}]

fine_tuned = JumpStartModel(
    model_id=MODEL_ID,
    model_version=MODEL_VERSION,
    region=REGION,
    instance_type=INSTANCE_TYPE,
    model_data=model_data,
{env_kw}    role=ROLE,
    sagemaker_session=session,
    name=FT_ENDPOINT_NAME,
)
fine_tuned.deploy(
    accept_eula=True,
    wait=False,
    endpoint_name=FT_ENDPOINT_NAME,
    initial_instance_count=1,
    instance_type=INSTANCE_TYPE,
    tags=FT_TAGS,
)
endpoint = wait_for_endpoint(FT_ENDPOINT_NAME)
""",
            "deploy",
        ),
    ]


def sagemaker_notebook(plan: NotebookPlan) -> list[NotebookNode]:
    cells: list[NotebookNode] = []
    if plan.step == "deploy":
        cells += [_title(plan, "deploy on AWS Inferentia2"), _eula_markdown(plan), _cost_markdown(plan)]
        cells += _sm_setup(plan) + _sm_helpers(plan, chat=plan.chat) + _sm_deploy(plan)
        cells += _sm_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _sm_cleanup("ENDPOINT_NAME", guarded=False)
    elif plan.step == "invoke":
        cells += [_title(plan, f"prompt the endpoint {plan.endpoint_name}"), _eula_markdown(plan)]
        cells += _sm_setup(plan) + _sm_helpers(plan, chat=plan.chat)
        cells += [code(f"ENDPOINT_NAME = {literal(plan.endpoint_name)}", "endpoint")]
        cells += _sm_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _sm_cleanup("ENDPOINT_NAME", guarded=True)
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
        cells += _sm_cleanup("FT_ENDPOINT_NAME", guarded=False)
    elif plan.step == "compare":
        a, b = plan.endpoints
        cells += [_title(plan, f"compare {a.name} and {b.name}"), _eula_markdown(plan)]
        cells += _sm_setup(plan) + _sm_helpers(plan, chat=a.chat or b.chat) + _sm_compare(plan, a, b)
        cells += [
            md(
                "## Clean up\n\nThe endpoints were not created by this notebook; delete them here (set "
                "`DELETE_ENDPOINTS = True`) or from the panel's Resources tab when you are done."
            ),
            code(
                "DELETE_ENDPOINTS = False\n\nif DELETE_ENDPOINTS:\n"
                "    for name in (ENDPOINT_A, ENDPOINT_B):\n"
                "        predictor = Predictor(name, sagemaker_session=session)\n"
                "        predictor.delete_model()\n"
                "        predictor.delete_endpoint(delete_endpoint_config=True)\n"
                '        print(f"Deleted endpoint {name}, its endpoint config and model.")\n'
                'else:\n    print("Kept the endpoints: set DELETE_ENDPOINTS = True to delete them.")',
                "cleanup",
            ),
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
                "from sagemaker.predictor import Predictor\n\n"
                f"ENDPOINT_NAME = {literal(plan.endpoint_name)}\n"
                "described = session.sagemaker_client.describe_endpoint(EndpointName=ENDPOINT_NAME)\n"
                'print(ENDPOINT_NAME, described["EndpointStatus"])',
                "endpoint",
            )
        ]
        cells += _sm_cleanup("ENDPOINT_NAME", guarded=False)
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
