"""The local flavour of the example notebooks: the same steps through
``jupyter_llama_neuron.client.LlamaNeuronClient``, which drives the extension's local backend over the running
Jupyter server's REST API. Its code cells are the Jinja2 templates in ``notebook_templates/local/``."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

from .notebook_cells import (
    NotebookPlan,
    code,
    compare_endpoints,
    compare_with_base,
    deployment_config,
    endpoint_name_values,
    eula_markdown,
    md,
    prompt_values,
    title_markdown,
)

CALLS = "local/calls.py.j2"


def _local_setup(plan: NotebookPlan) -> list[NotebookNode]:
    return [
        md(
            "## Setup\n\n"
            "`LlamaNeuronClient` finds the Jupyter server this notebook runs in (or use "
            "`LlamaNeuronClient(base_url=..., token=...)`, or the `JUPYTER_SERVER_URL` and `JUPYTER_TOKEN` "
            "environment variables) and calls the extension's REST API, so the local backend does the work."
        ),
        code("local/setup.py.j2", "setup"),
    ]


def _local_eula(plan: NotebookPlan) -> list[NotebookNode]:
    return [
        eula_markdown(plan),
        code("local/eula.py.j2", "eula", model_id=plan.model_id),
    ]


def _local_deploy(plan: NotebookPlan, *, fine_tuned: bool = False) -> list[NotebookNode]:
    config = deployment_config(plan)
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
            "local/deploy.py.j2",
            "deploy",
            model_id=plan.model_id,
            config=config.to_json(),
            name_var="FT_ENDPOINT_NAME" if fine_tuned else "ENDPOINT_NAME",
            job="JOB_NAME" if fine_tuned else "None",
            **endpoint_name_values(plan, "-ft" if fine_tuned else ""),
        ),
    ]


def _local_invoke(plan: NotebookPlan, endpoint_expr: str, *, chat: bool) -> list[NotebookNode]:
    explain = (
        "Chat models take messages; the local backend applies the served model's own chat template (on "
        "SageMaker the Llama 2 template is used)."
        if chat
        else 'Base models continue text: completion-style prompts work best ("The capital of France is").'
    )
    return [
        md("## Invoke\n\nThe prompts and parameters chosen in the panel. " + explain),
        code(
            "local/invoke.py.j2",
            "invoke",
            endpoint=endpoint_expr,
            chat=chat,
            **prompt_values(plan, system_prompt=chat),
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
        code("local/playground.py.j2", "interactive", endpoint=endpoint_expr),
    ]


def _local_cleanup(endpoint_expr: str, *, guarded: bool) -> list[NotebookNode]:
    if guarded:
        return [
            md(
                "## Clean up\n\nThis notebook did not create the endpoint, so it only deletes it when you "
                "set `DELETE_ENDPOINT = True`."
            ),
            code("local/cleanup.py.j2", "cleanup", endpoint=endpoint_expr, guarded=True),
        ]
    return [
        md("## Clean up\n\nStop the local worker and forget the endpoint."),
        code("local/cleanup.py.j2", "cleanup", endpoint=endpoint_expr, guarded=False),
    ]


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
                "local/train.py.j2",
                "train",
                model_id=plan.model_id,
                dataset_uri=plan.dataset_uri,
                dataset_format=plan.dataset_format,
                hyperparameters=plan.hyperparameters,
                training_instance_type=plan.training_instance_type,
            ),
        ]
    else:
        cells += [
            md(f"## The training job\n\nThe job `{plan.training_job}` was started from the panel."),
            code("local/training_job.py.j2", "train", model_id=plan.model_id, training_job=plan.training_job),
        ]
    cells += [
        md(
            "## Watch the training job\n\n"
            "The status, secondary status and the loss curve, refreshed in the background until the job ends."
        ),
        code("local/monitor.py.j2", "monitor"),
        md("## Wait for the training job"),
        code("local/wait_training.py.j2", "wait_training"),
    ]
    cells += _local_deploy(plan, fine_tuned=True)
    return cells


def local_notebook(plan: NotebookPlan) -> list[NotebookNode]:
    cells: list[NotebookNode] = []
    if plan.step == "deploy":
        cells += [title_markdown(plan, "deploy (local mode)"), *_local_setup(plan), *_local_eula(plan)]
        cells += _local_deploy(plan) + _local_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _local_playground("ENDPOINT_NAME", chat=plan.chat)
        cells += _local_cleanup("ENDPOINT_NAME", guarded=False)
    elif plan.step == "invoke":
        cells += [
            title_markdown(plan, f"prompt the endpoint {plan.endpoint_name} (local mode)"),
            *_local_setup(plan),
        ]
        cells += [code("endpoint.py.j2", "endpoint", endpoint_name=plan.endpoint_name)]
        cells += _local_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _local_playground("ENDPOINT_NAME", chat=plan.chat)
        cells += _local_cleanup("ENDPOINT_NAME", guarded=True)
    elif plan.step == "train":
        cells += [title_markdown(plan, "fine-tune, deploy and compare (local mode)"), *_local_setup(plan)]
        cells += _local_eula(plan) + _local_train(plan)
        if plan.base_endpoint:
            cells += compare_with_base(plan, CALLS, system_prompt=False)
        else:
            cells += _local_invoke(plan, "FT_ENDPOINT_NAME", chat=plan.chat)
        cells += _local_playground("FT_ENDPOINT_NAME", chat=plan.chat)
        cells += _local_cleanup("FT_ENDPOINT_NAME", guarded=False)
    elif plan.step == "compare":
        a, b = plan.endpoints
        cells += [title_markdown(plan, f"compare {a.name} and {b.name} (local mode)"), *_local_setup(plan)]
        cells += [
            md(f"## Compare\n\nThe same prompts and parameters go to `{a.name}` and `{b.name}`."),
            compare_endpoints(plan, CALLS, system_prompt=False),
        ]
    else:  # cleanup
        cells += [
            title_markdown(plan, f"delete the endpoint {plan.endpoint_name} (local mode)"),
            *_local_setup(plan),
        ]
        cells += [code("local/endpoint_status.py.j2", "endpoint", endpoint_name=plan.endpoint_name)]
        cells += _local_cleanup("ENDPOINT_NAME", guarded=False)
    return cells
