"""The local flavour of the example notebooks: the same steps through
``jupyter_llama_neuron.client.LlamaNeuronClient``, which drives the extension's local backend over the running
Jupyter server's REST API."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

from .notebook_cells import (
    NotebookPlan,
    code,
    compare_with_base,
    deployment_config,
    endpoint_name_source,
    eula_markdown,
    literal,
    md,
    prompt_cells_source,
    title_markdown,
)


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
        eula_markdown(plan),
        code(f"client.accept_eula({literal(plan.model_id)})", "eula"),
    ]


def _local_deploy(plan: NotebookPlan, *, fine_tuned: bool = False) -> list[NotebookNode]:
    config = deployment_config(plan)
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
{name_var} = {endpoint_name_source(plan, "-ft" if fine_tuned else "")}

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
{prompt_cells_source(plan, chat=chat)}

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
        cells += [title_markdown(plan, "deploy (local mode)"), *_local_setup(plan), *_local_eula(plan)]
        cells += _local_deploy(plan) + _local_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _local_playground("ENDPOINT_NAME", chat=plan.chat)
        cells += _local_cleanup("ENDPOINT_NAME", guarded=False)
    elif plan.step == "invoke":
        cells += [
            title_markdown(plan, f"prompt the endpoint {plan.endpoint_name} (local mode)"),
            *_local_setup(plan),
        ]
        cells += [code(f"ENDPOINT_NAME = {literal(plan.endpoint_name)}", "endpoint")]
        cells += _local_invoke(plan, "ENDPOINT_NAME", chat=plan.chat)
        cells += _local_playground("ENDPOINT_NAME", chat=plan.chat)
        cells += _local_cleanup("ENDPOINT_NAME", guarded=True)
    elif plan.step == "train":
        cells += [title_markdown(plan, "fine-tune, deploy and compare (local mode)"), *_local_setup(plan)]
        cells += _local_eula(plan) + _local_train(plan)
        if plan.base_endpoint:
            cells += compare_with_base(plan, _local_compare_source)
        else:
            cells += _local_invoke(plan, "FT_ENDPOINT_NAME", chat=plan.chat)
        cells += _local_playground("FT_ENDPOINT_NAME", chat=plan.chat)
        cells += _local_cleanup("FT_ENDPOINT_NAME", guarded=False)
    elif plan.step == "compare":
        a, b = plan.endpoints
        cells += [title_markdown(plan, f"compare {a.name} and {b.name} (local mode)"), *_local_setup(plan)]
        cells += [
            md(f"## Compare\n\nThe same prompts and parameters go to `{a.name}` and `{b.name}`."),
            code(
                f"ENDPOINT_A = {literal(a.name)}\nENDPOINT_B = {literal(b.name)}\n"
                + _local_compare_source(plan, "ENDPOINT_A", "ENDPOINT_B", a.chat, b.chat),
                "compare",
            ),
        ]
    else:  # cleanup
        cells += [
            title_markdown(plan, f"delete the endpoint {plan.endpoint_name} (local mode)"),
            *_local_setup(plan),
        ]
        cells += [
            code(
                f"ENDPOINT_NAME = {literal(plan.endpoint_name)}\n"
                'print(ENDPOINT_NAME, client.endpoint(ENDPOINT_NAME)["status"])',
                "endpoint",
            )
        ]
        cells += _local_cleanup("ENDPOINT_NAME", guarded=False)
    return cells
