"""The SageMaker flavour of the example notebooks: SageMaker Python SDK (v2 or v3) + boto3 code.

Its code cells are Jinja2 templates: ``notebook_templates/sagemaker/`` for what both SDK majors share,
``notebook_templates/sagemaker_v2|v3/`` for the rest, rendered with the ``literal`` filter, so user text stays
a string literal.
"""

from __future__ import annotations

from typing import Any

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
    CHAT_TEMPLATE,
    EULA_ATTRIBUTE,
    TRAINING_OUTPUT_PREFIX,
    EndpointRef,
    NotebookPlan,
    code,
    compare_endpoints,
    compare_with_base,
    cost_markdown,
    deployment_config,
    endpoint_name_values,
    eula_markdown,
    md,
    prompt_values,
    title_markdown,
)

CALLS = "sagemaker/calls.py.j2"

SDK_REQUIREMENT = {"v2": "'sagemaker>=2.257,<3'", "v3": "'sagemaker>=3.12,<4'"}
SDK_API = {"v2": "JumpStartModel, JumpStartEstimator", "v3": "ModelBuilder, ModelTrainer"}


def _sdk_check(plan: NotebookPlan) -> NotebookNode:
    other = "v2" if plan.sdk == "v3" else "v3"
    return code(
        "sagemaker/check_sdk.py.j2",
        "sdk_check",
        major=plan.sdk[1:],
        other=other[1:],
        api=SDK_API[plan.sdk],
        requirement=SDK_REQUIREMENT[plan.sdk],
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
            f"sagemaker_{plan.sdk}/setup.py.j2",
            "setup",
            region=plan.region,
            role=plan.role_arn,
            bucket=plan.bucket,
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
        code(f"sagemaker_{plan.sdk}/helpers.py.j2", "helpers", eula_attribute=EULA_ATTRIBUTE),
    ]
    if plan.sdk == "v3" and plan.step in ("deploy", "train"):
        cells += [
            md(
                "`build_and_deploy` runs `ModelBuilder.from_jumpstart_config` → `build` → `deploy`. Two "
                "small subclasses keep what the notebook asks for: your precompiled `OPTION_*` values "
                "(the SDK would merge JumpStart's defaults over them) and, for a fine-tuned model, its own "
                "weights."
            ),
            code("sagemaker_v3/builders.py.j2", "sdk_helpers"),
        ]
    if chat:
        cells.append(code(CHAT_TEMPLATE, "chat_template"))
    return cells


def _tags(plan: NotebookPlan, config: DeploymentConfig) -> list[dict[str, str]]:
    return [
        {"Key": MANAGED_TAG, "Value": "true"},
        {"Key": MODEL_ID_TAG, "Value": plan.model_id or ""},
        {"Key": CREATOR_TAG, "Value": plan.creator},
        {"Key": CONFIG_TAG, "Value": config.to_tag()},
    ]


def _env_values(plan: NotebookPlan, config: DeploymentConfig) -> dict[str, Any]:
    """What ``sagemaker/env.py.j2`` takes: the precompiled configuration, else JumpStart's."""
    return {"confirmed": plan.config_confirmed, "env": config.to_env()}


def _builder_name(plan: NotebookPlan) -> str:
    return "ModelBuilder.from_jumpstart_config" if plan.sdk == "v3" else "JumpStartModel"


def _sm_deploy(plan: NotebookPlan) -> list[NotebookNode]:
    config = deployment_config(plan)
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
            f"sagemaker_{plan.sdk}/deploy.py.j2",
            "deploy",
            model_id=plan.model_id,
            model_version=plan.model_version,
            instance_type=config.instance_type,
            tags=_tags(plan, config),
            **_env_values(plan, config),
            **endpoint_name_values(plan),
        ),
        md("## Wait until the endpoint is InService"),
        code("sagemaker/wait_endpoint.py.j2", "wait"),
    ]


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
            "sagemaker/invoke.py.j2",
            "invoke",
            endpoint=endpoint_expr,
            chat=chat,
            **prompt_values(plan, system_prompt=chat),
        ),
    ]


def _sm_cleanup(plan: NotebookPlan, endpoint_expr: str, *, guarded: bool) -> list[NotebookNode]:
    if guarded:
        return [
            md(
                "## Clean up\n\n"
                "This notebook did not create the endpoint, so it does not delete it unless you set "
                "`DELETE_ENDPOINT = True`. An endpoint is billed until it is deleted."
            ),
            code("sagemaker/cleanup_guarded.py.j2", "cleanup", sdk=plan.sdk, endpoint_expr=endpoint_expr),
        ]
    return [
        md(
            "## Clean up\n\n"
            "Delete the endpoint, its endpoint config and its model: the instance is billed until the "
            "endpoint is deleted."
        ),
        code(f"sagemaker_{plan.sdk}/delete.py.j2", "cleanup", endpoint_expr=endpoint_expr),
    ]


def _sm_compare(plan: NotebookPlan, a: EndpointRef, b: EndpointRef) -> list[NotebookNode]:
    return [
        md(
            "## Compare\n\n"
            f"The same prompts and parameters go to `{a.name}` ({a.display_name}) and `{b.name}` "
            f"({b.display_name}); the answers are shown side by side."
        ),
        compare_endpoints(plan, CALLS, system_prompt=a.chat or b.chat),
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
                f"sagemaker_{plan.sdk}/train.py.j2",
                "train",
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
        ]
    else:
        cells += [
            md(
                "## The training job\n\n"
                f"The fine-tuning job `{plan.training_job}` was started from the panel; this notebook "
                "follows it, deploys the fine-tuned model and compares it."
            ),
            code(
                "sagemaker/training_job.py.j2",
                "train",
                model_id=plan.model_id,
                model_version=plan.model_version,
                training_job=plan.training_job,
            ),
        ]
    cells += [
        md(
            "## Wait for the training job\n\n"
            "SageMaker reports a primary status (InProgress → Completed) and a secondary status (Starting, "
            "Downloading, Training, Uploading …). The loss curve and logs are in the panel and in CloudWatch."
        ),
        code(
            "sagemaker/wait_training.py.j2",
            "wait_training",
            sagemaker_client="session.sagemaker_client" if plan.sdk == "v2" else "sagemaker_client",
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
            f"sagemaker_{plan.sdk}/deploy_fine_tuned.py.j2",
            "deploy",
            instance_type=config.instance_type,
            tags=_tags(plan, config),
            training_job_tag=TRAINING_JOB_TAG,
            **_env_values(plan, config),
            **endpoint_name_values(plan, "-ft"),
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
        cells += [code("endpoint.py.j2", "endpoint", endpoint_name=plan.endpoint_name)]
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
            cells += compare_with_base(plan, CALLS, system_prompt=plan.chat)
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
            code(f"sagemaker_{plan.sdk}/delete_many.py.j2", "cleanup"),
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
            code(f"sagemaker_{plan.sdk}/cleanup_endpoint.py.j2", "endpoint", endpoint_name=plan.endpoint_name)
        ]
        cells += _sm_cleanup(plan, "ENDPOINT_NAME", guarded=False)
    cells.insert(1, _sdk_check(plan))  # right after the title: the first code cell
    return cells
