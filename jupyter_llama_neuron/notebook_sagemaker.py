"""The SageMaker flavour of the example notebooks: SageMaker Python SDK (v2 or v3) + boto3 code.

The SDK-specific code cells are Jinja2 templates (``notebook_templates/sagemaker_v2|v3``) rendered with the
``literal`` filter, so user text stays a string literal.
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

from .backends.base import (
    CONFIG_TAG,
    CREATOR_TAG,
    MANAGED_TAG,
    MODEL_ID_TAG,
    TRAINING_JOB_TAG,
    DeploymentConfig,
)
from .notebook_cells import (
    CHAT_TEMPLATE_SOURCE,
    EULA_ATTRIBUTE,
    TRAINING_OUTPUT_PREFIX,
    EndpointRef,
    NotebookPlan,
    code,
    compare_with_base,
    cost_markdown,
    deployment_config,
    endpoint_name_source,
    eula_markdown,
    literal,
    md,
    prompt_cells_source,
    render,
    title_markdown,
)

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
    config = deployment_config(plan)
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
                endpoint_name_source=endpoint_name_source(plan),
                tags_source=_tags_source(plan, config),
            ),
            "deploy",
        ),
        md("## Wait until the endpoint is InService"),
        code("endpoint = wait_for_endpoint(ENDPOINT_NAME)", "wait"),
    ]


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
{prompt_cells_source(plan, chat=chat)}

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

{prompt_cells_source(plan, chat=chat_a or chat_b)}


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
    config = deployment_config(plan)
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
                endpoint_name_source=endpoint_name_source(plan, "-ft"),
                tags_source=_tags_source(plan, config),
                training_job_tag=TRAINING_JOB_TAG,
            ),
            "deploy",
        ),
    ]


def sagemaker_notebook(plan: NotebookPlan) -> list[NotebookNode]:
    cells: list[NotebookNode] = []
    if plan.step == "deploy":
        cells += [title_markdown(plan, "deploy on AWS Inferentia2"), eula_markdown(plan), cost_markdown(plan)]
        cells += _sm_setup(plan) + _sm_helpers(plan, chat=plan.chat) + _sm_deploy(plan)
        cells += _sm_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _sm_cleanup(plan, "ENDPOINT_NAME", guarded=False)
    elif plan.step == "invoke":
        cells += [title_markdown(plan, f"prompt the endpoint {plan.endpoint_name}"), eula_markdown(plan)]
        cells += _sm_setup(plan) + _sm_helpers(plan, chat=plan.chat)
        cells += [code(f"ENDPOINT_NAME = {literal(plan.endpoint_name)}", "endpoint")]
        cells += _sm_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _sm_cleanup(plan, "ENDPOINT_NAME", guarded=True)
    elif plan.step == "train":
        cells += [
            title_markdown(plan, "fine-tune on AWS Trainium, deploy and compare"),
            eula_markdown(plan),
            cost_markdown(plan, training=True),
        ]
        cells += _sm_setup(plan) + _sm_helpers(plan, chat=plan.chat) + _sm_train(plan)
        if plan.base_endpoint:
            cells += compare_with_base(plan, _sm_compare_source)
        else:
            cells += _sm_invoke(plan, "FT_ENDPOINT_NAME", chat=plan.chat)
        cells += _sm_cleanup(plan, "FT_ENDPOINT_NAME", guarded=False)
    elif plan.step == "compare":
        a, b = plan.endpoints
        cells += [title_markdown(plan, f"compare {a.name} and {b.name}"), eula_markdown(plan)]
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
            title_markdown(plan, f"delete the endpoint {plan.endpoint_name}"),
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
