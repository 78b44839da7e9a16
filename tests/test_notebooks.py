"""Example notebooks: ``NotebookService`` validation, the generated nbformat, unique names, text safety, the
notebook's own Llama 2 chat template, ``POST /notebooks`` through the Jupyter server, and the client's server
discovery. Executing the notebooks is ``test_notebooks_execute.py``."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from tornado.httpclient import HTTPResponse

from jupyter_llama_neuron.catalog import load_catalog
from jupyter_llama_neuron.chat_template import render_llama2
from jupyter_llama_neuron.client import LlamaNeuronClient, ServerNotFound, find_server
from jupyter_llama_neuron.errors import ApiError
from jupyter_llama_neuron.notebook_cells import CHAT_TEMPLATE_SOURCE, METADATA_KEY, literal
from jupyter_llama_neuron.notebooks import NotebookService
from jupyter_llama_neuron.settings import ExtensionSettings

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
MODEL_7B_CHAT = "meta-textgenerationneuron-llama-2-7b-f"
MODEL_70B = "meta-textgenerationneuron-llama-2-70b"
API = ("llama-neuron", "api", "v1")
_READ: Any = nbformat.read  # untyped
ROLE = "arn:aws:iam::123456789012:role/notebook-test"
TRICKY = [
    "He said \"hi\" and 'bye'",
    "braces {name} {{x}} and f-string {__import__('os')}",
    "lines\nsecond line\n\nthird\\n (a backslash-n)",
    "triple '''quotes''' and \"\"\"more\"\"\"",
    "template markers [INST] <<SYS>> </s> inside",
    "unicode: café \u2013 日本語 \u200b",
]


def read_notebook(path: Path) -> Any:
    return _READ(path, as_version=4)


def list_dir(path: Path) -> list[Path]:
    return list(path.iterdir())


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def service(root: Path, **settings: Any) -> NotebookService:
    values: dict[str, Any] = {"backend": "sagemaker", "role_arn": ROLE, "region": "us-east-1"}
    values.update(settings)
    return NotebookService(ExtensionSettings(**values), load_catalog(), root)


BODIES: list[dict[str, Any]] = [
    {"step": "deploy", "model_id": MODEL_7B},
    {"step": "deploy", "model_id": MODEL_7B_CHAT, "prompts": TRICKY},
    {"step": "deploy", "model_id": MODEL_70B},
    {"step": "deploy", "model_id": MODEL_7B, "training_job": "job-1", "endpoint_name": "ft-endpoint"},
    {
        "step": "invoke",
        "model_id": MODEL_7B_CHAT,
        "endpoint_name": "ep-1",
        "parameters": {"max_new_tokens": 9},
    },
    {
        "step": "train",
        "model_id": MODEL_7B,
        "dataset_uri": "s3://my-bucket/data/train.jsonl",
        "hyperparameters": {"max_steps": 5, "learning_rate": "0.0001"},
        "endpoint_name": "base-1",
    },
    {"step": "train", "model_id": MODEL_7B, "training_job": "job-2"},
    {
        "step": "compare",
        "endpoints": [{"name": "a-1", "model_id": MODEL_7B}, {"name": "b-1", "model_id": MODEL_7B_CHAT}],
        "prompts": ["One", "Two"],
    },
    {"step": "cleanup", "endpoint_name": "ep-1"},
]


def code_cells(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def roles(notebook: Any) -> list[str]:
    return [cell.metadata[METADATA_KEY]["role"] for cell in code_cells(notebook)]


def assigned(source: str, name: str) -> Any:
    """The literal value assigned to ``name`` in ``source`` (without running it)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in:\n{source}")


def cell_with_role(notebook: Any, role: str) -> str:
    sources = [cell.source for cell in code_cells(notebook) if cell.metadata[METADATA_KEY]["role"] == role]
    assert sources, f"no {role} cell: {roles(notebook)}"
    return str(sources[0])


# -- every step, both flavours -------------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["sagemaker", "local"])
@pytest.mark.parametrize("body", BODIES, ids=lambda body: f"{body['step']}-{len(body)}")
async def test_every_step_writes_a_valid_notebook(tmp_path: Path, body: dict[str, Any], flavour: str) -> None:
    request = dict(body, flavour=flavour)
    if flavour == "local" and "dataset_uri" in request:
        request["dataset_uri"] = "file:///tmp/datasets/train.jsonl"
    result = await service(tmp_path).create(request, "analyst")
    path = tmp_path / result["path"]
    assert path.parent == tmp_path
    assert path.suffix == ".ipynb"
    notebook = read_notebook(path)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    assert notebook.metadata[METADATA_KEY]["flavour"] == flavour
    assert any(cell.cell_type == "markdown" for cell in notebook.cells)
    for cell in code_cells(notebook):
        ast.parse(cell.source)  # every code cell is valid Python
    sources = "\n".join(cell.source for cell in code_cells(notebook))
    if flavour == "sagemaker":
        assert "jupyter_llama_neuron" not in sources  # the SageMaker notebook needs nothing from us
        passes_role = "role=ROLE" in sources or "role_arn=ROLE" in sources
        assert passes_role or body["step"] in ("compare", "cleanup", "invoke")
    else:
        assert "from jupyter_llama_neuron.client import LlamaNeuronClient" in sources
    expected = ["sdk_check", "setup"] if flavour == "sagemaker" else ["setup"]
    assert roles(notebook)[: len(expected)] == expected
    if body["step"] in ("deploy", "train", "cleanup"):
        assert roles(notebook)[-1] == "cleanup"


@pytest.mark.parametrize("sdk", ["v2", "v3"])
async def test_deploy_notebook_has_the_exact_configuration_eula_and_price(tmp_path: Path, sdk: str) -> None:
    catalog = load_catalog()
    config = catalog.precompiled(MODEL_7B)[1]
    body = {"step": "deploy", "model_id": MODEL_7B, "config": config.to_json(), "endpoint_name": "my-ep"}
    result = await service(tmp_path).create({**body, "sdk": sdk}, "ana")
    notebook = read_notebook(tmp_path / result["path"])
    deploy = cell_with_role(notebook, "deploy")
    assert assigned(deploy, "ENV") == config.to_env()
    assert assigned(deploy, "INSTANCE_TYPE") == config.instance_type
    assert assigned(deploy, "ENDPOINT_NAME") == "my-ep"
    tags = {tag["Key"]: tag["Value"] for tag in assigned(deploy, "TAGS")}
    assert tags == {
        "jupyter-llama-neuron:managed": "true",
        "jupyter-llama-neuron:model-id": MODEL_7B,
        "jupyter-llama-neuron:creator": "ana",
        "jupyter-llama-neuron:config": config.to_tag(),
    }
    setup = cell_with_role(notebook, "setup")
    assert assigned(setup, "ROLE") == ROLE
    assert "default_bucket=BUCKET" in setup
    if sdk == "v2":
        assert "accept_eula=True" in deploy
        assert "env=ENV" in deploy
        assert "TelemetryOptOut" in setup
    else:
        assert "build_and_deploy(MODEL_ID, MODEL_VERSION, INSTANCE_TYPE, ENV, ENDPOINT_NAME, TAGS)" in deploy
        builders = cell_with_role(notebook, "sdk_helpers")
        assert "accept_eula=True" in builders
        assert "ModelBuilder.from_jumpstart_config" in builders
    check = cell_with_role(notebook, "sdk_check")
    assert roles(notebook)[0] == "sdk_check"
    assert f'!= "{sdk[1:]}"' in check
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    price = catalog.price_per_hour(config.instance_type)
    assert f"${price:,.2f} per hour" in text
    card = catalog.card(MODEL_7B)
    assert card["eula_url"] in text
    assert card["aup_url"] in text
    # The example prompt and its parameters, when the body names none.
    invoke = cell_with_role(notebook, "invoke")
    assert assigned(invoke, "PROMPTS") == [card["example_prompts"][0]["inputs"]]
    assert assigned(invoke, "PARAMETERS") == card["example_prompts"][0]["parameters"]
    helpers = cell_with_role(notebook, "helpers").replace("'", '"')
    assert (
        'custom_attributes="accept_eula=true"' if sdk == "v2" else 'CustomAttributes="accept_eula=true"'
    ) in helpers


async def test_unconfirmed_70b_tuple_leaves_the_environment_to_jumpstart(tmp_path: Path) -> None:
    result = await service(tmp_path).create({"step": "deploy", "model_id": MODEL_70B})
    deploy = cell_with_role(read_notebook(tmp_path / result["path"]), "deploy")
    assert assigned(deploy, "ENV") is None
    assert "env=ENV" not in deploy


@pytest.mark.parametrize("sdk", ["v2", "v3"])
async def test_train_notebook_carries_dataset_hyperparameters_and_the_fine_tuned_deploy(
    tmp_path: Path, sdk: str
) -> None:
    body = BODIES[5]
    result = await service(tmp_path).create({**body, "sdk": sdk}, "ana")
    assert result["path"] == "llama-2-7b-fine-tune.ipynb"
    notebook = read_notebook(tmp_path / result["path"])
    train = cell_with_role(notebook, "train")
    assert assigned(train, "DATASET_URI") == "s3://my-bucket/data/train.jsonl"
    assert assigned(train, "HYPERPARAMETERS") == {"max_steps": "5", "learning_rate": "0.0001"}
    assert assigned(train, "TRAINING_INSTANCE_TYPE") == "ml.trn1.32xlarge"
    if sdk == "v2":
        assert 'environment={"accept_eula": "true"}' in train
    else:
        assert "accept_eula=True" in train
        assert 'InputData(channel_name="train", data_source=DATASET_URI)' in train
    assert "model_data=model_data" in cell_with_role(notebook, "deploy")
    assert assigned(cell_with_role(notebook, "compare"), "BASE_ENDPOINT") == "base-1"
    assert roles(notebook)[-1] == "cleanup"


# -- names ---------------------------------------------------------------------------------------------------


async def test_names_are_unique_and_never_overwrite(tmp_path: Path) -> None:
    notebooks = service(tmp_path)
    keep = tmp_path / "llama-2-7b-deploy-1.ipynb"
    keep.write_text("not mine", encoding="utf-8")
    paths = [(await notebooks.create({"step": "deploy", "model_id": MODEL_7B}))["path"] for _ in range(3)]
    assert paths == ["llama-2-7b-deploy.ipynb", "llama-2-7b-deploy-2.ipynb", "llama-2-7b-deploy-3.ipynb"]
    assert read_text(keep) == "not mine"
    cleanup = await notebooks.create({"step": "cleanup", "endpoint_name": "demo-ep"})
    assert cleanup["path"] == "demo-ep-cleanup.ipynb"


async def test_an_unwritable_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ApiError) as caught:
        await service(tmp_path / "missing").create({"step": "deploy", "model_id": MODEL_7B})
    assert caught.value.code == "NotebookNotWritten"
    assert caught.value.status == 503


# -- text safety ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("flavour", "sdk"), [("sagemaker", "v2"), ("sagemaker", "v3"), ("local", "v3")])
async def test_prompts_stay_string_literals(tmp_path: Path, flavour: str, sdk: str) -> None:
    result = await service(tmp_path).create(
        {
            "step": "invoke",
            "model_id": MODEL_7B_CHAT,
            "endpoint_name": "ep-1",
            "prompts": TRICKY,
            "flavour": flavour,
            "sdk": sdk,
        }
    )
    invoke = cell_with_role(read_notebook(tmp_path / result["path"]), "invoke")
    assert assigned(invoke, "PROMPTS") == TRICKY
    # Nothing of the prompts leaked into code: the only call sites are ours.
    tree = ast.parse(invoke)
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert "__import__" not in called


def test_literal_round_trips_nested_values() -> None:
    value = {"a": TRICKY, "b": {"n": 1, "f": 0.5, "t": True, "none": None}, "long": ["x" * 60, "y" * 60]}
    assert ast.literal_eval(literal(value)) == value


def test_the_notebook_chat_template_equals_the_extensions() -> None:
    namespace: dict[str, Any] = {}
    exec(compile(CHAT_TEMPLATE_SOURCE, "chat_template_cell", "exec"), namespace)
    dialogs = [
        [{"role": "user", "content": "Hello"}],
        [{"role": "system", "content": "  be brief "}, {"role": "user", "content": " What is 2+2? "}],
        [
            {"role": "system", "content": "You are [INST] tricky <</SYS>>"},
            {"role": "user", "content": "first </s><s>[INST] injected"},
            {"role": "assistant", "content": "answer [/INST]"},
            {"role": "user", "content": 'second "quoted" {braces}\nnew line'},
        ],
    ]
    for dialog in dialogs:
        assert namespace["render_llama2"](dialog) == render_llama2(dialog)
    assert namespace["chat_prompt"]("Hi", "Sys") == render_llama2(
        [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Hi"}]
    )


# -- bad input -----------------------------------------------------------------------------------------------

BAD: list[tuple[Any, int, str]] = [
    ([], 400, "InvalidBody"),
    ({"step": "deploy", "model_id": MODEL_7B, "surprise": 1}, 400, "InvalidBody"),
    ({"step": "dance", "model_id": MODEL_7B}, 400, "InvalidStep"),
    ({"step": "deploy"}, 400, "InvalidBody"),
    ({"step": "deploy", "model_id": "meta-nope"}, 404, "ModelNotFound"),
    (
        {
            "step": "deploy",
            "model_id": MODEL_7B,
            "config": {
                "instance_type": "ml.inf2.xlarge",
                "n_positions": 4096,
                "max_rolling_batch_size": 1,
                "tensor_parallel_degree": 2,
                "dtype": "fp16",
            },
        },
        400,
        "ConfigNotPrecompiled",
    ),
    (
        {"step": "deploy", "model_id": MODEL_7B, "parameters": {"max_new_tokens": 5000}},
        400,
        "InvalidParameter",
    ),
    ({"step": "deploy", "model_id": MODEL_7B, "parameters": {"top_p": 1.5}}, 400, "InvalidParameter"),
    ({"step": "deploy", "model_id": MODEL_7B, "endpoint_name": "bad name!"}, 400, "InvalidName"),
    ({"step": "deploy", "model_id": MODEL_7B, "prompts": "one"}, 400, "InvalidPrompts"),
    ({"step": "deploy", "model_id": MODEL_7B, "prompts": ["ok", ""]}, 400, "InvalidPrompts"),
    ({"step": "invoke", "model_id": MODEL_7B}, 400, "InvalidBody"),
    ({"step": "cleanup"}, 400, "InvalidBody"),
    ({"step": "compare", "endpoints": [{"name": "a", "model_id": MODEL_7B}]}, 400, "InvalidBody"),
    (
        {
            "step": "compare",
            "endpoints": [{"name": "a", "model_id": MODEL_7B}, {"name": "a", "model_id": MODEL_7B}],
        },
        400,
        "InvalidBody",
    ),
    ({"step": "train", "model_id": MODEL_7B}, 400, "InvalidBody"),
    ({"step": "train", "model_id": MODEL_7B, "dataset_uri": "/home/me/data.jsonl"}, 400, "InvalidDatasetUri"),
    (
        {"step": "train", "model_id": MODEL_7B_CHAT, "dataset_uri": "s3://bucket-1/a.jsonl"},
        400,
        "NotFineTunable",
    ),
    (
        {
            "step": "train",
            "model_id": MODEL_7B,
            "dataset_uri": "s3://bucket-1/a.jsonl",
            "hyperparameters": {"max_steps": -3},
        },
        400,
        "HyperparameterOutOfRange",
    ),
    (
        {
            "step": "train",
            "model_id": MODEL_7B,
            "dataset_uri": "s3://bucket-1/a.jsonl",
            "hyperparameters": {"nope": 1},
        },
        400,
        "UnknownHyperparameter",
    ),
    (
        {
            "step": "train",
            "model_id": MODEL_7B,
            "dataset_uri": "s3://b-1/a",
            "instance_type": "ml.inf2.xlarge",
        },
        400,
        "InvalidTrainingInstance",
    ),
    ({"step": "deploy", "model_id": MODEL_7B, "dataset_uri": "s3://bucket-1/a.jsonl"}, 400, "InvalidBody"),
    ({"step": "deploy", "model_id": MODEL_7B, "flavour": "gpu"}, 400, "InvalidBody"),
    ({"step": "deploy", "model_id": MODEL_7B, "sdk": "v4"}, 400, "InvalidBody"),
    ({"step": "deploy", "model_id": MODEL_7B, "sdk": 3}, 400, "InvalidBody"),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD)
async def test_bad_input_is_refused_before_anything_is_written(
    tmp_path: Path, body: Any, status: int, code: str
) -> None:
    with pytest.raises(ApiError) as caught:
        await service(tmp_path).create(body)
    assert (caught.value.status, caught.value.code) == (status, code), caught.value.message
    assert list_dir(tmp_path) == []


async def test_allow_lists_apply(tmp_path: Path) -> None:
    with pytest.raises(ApiError) as caught:
        await service(tmp_path, allowed_model_ids=(MODEL_7B_CHAT,)).create(
            {"step": "deploy", "model_id": MODEL_7B}
        )
    assert (caught.value.status, caught.value.code) == (403, "ModelNotAllowed")
    with pytest.raises(ApiError) as caught:
        await service(tmp_path, allowed_instance_types=("ml.inf2.48xlarge",)).create(
            {"step": "deploy", "model_id": MODEL_7B}
        )
    assert (caught.value.status, caught.value.code) == (403, "InstanceTypeNotAllowed")


async def test_the_default_sdk_is_the_installed_major_and_the_creator_a_tag_value(tmp_path: Path) -> None:
    from jupyter_llama_neuron.sagemaker_sdk import installed_major

    result = await service(tmp_path).create({"step": "deploy", "model_id": MODEL_7B}, "ana <ana@example.com>")
    notebook = read_notebook(tmp_path / result["path"])
    expected = "2" if installed_major() == 2 else "3"
    assert f'!= "{expected}"' in cell_with_role(notebook, "sdk_check")
    tags = {tag["Key"]: tag["Value"] for tag in assigned(cell_with_role(notebook, "deploy"), "TAGS")}
    assert tags["jupyter-llama-neuron:creator"] == "ana _ana@example.com_"  # as the backend would tag it


@pytest.mark.parametrize("sdk", ["v2", "v3"])
async def test_the_sdk_check_cell_says_what_to_do(tmp_path: Path, sdk: str) -> None:
    result = await service(tmp_path).create({"step": "cleanup", "endpoint_name": "ep-1", "sdk": sdk})
    check = cell_with_role(read_notebook(tmp_path / result["path"]), "sdk_check")
    other = "v2" if sdk == "v3" else "v3"
    # Run the cell as a kernel with another major would (version() answering "0.1.0").
    source = check.replace('version("sagemaker")', '"0.1.0"')
    assert source != check
    with pytest.raises(RuntimeError) as wrong:
        exec(compile(source, "sdk_check", "exec"), {})
    message = str(wrong.value)
    assert ("sagemaker>=3.12,<4" if sdk == "v3" else "sagemaker>=2.257,<3") in message
    assert "%pip install" in message
    assert "restart the kernel" in message
    assert f'"sdk": "{other}"' in message


# -- through the Jupyter server ------------------------------------------------------------------------------


async def post(jp_fetch: Any, body: Any) -> tuple[int, Any]:
    response: HTTPResponse = await jp_fetch(
        *API, "notebooks", method="POST", body=json.dumps(body), raise_error=False
    )
    return response.code, json.loads(response.body)


async def test_post_notebooks_writes_into_the_server_root(jp_fetch: Any, jp_root_dir: Path) -> None:
    code, answer = await post(jp_fetch, {"step": "deploy", "model_id": MODEL_7B})
    assert (code, answer) == (201, {"path": "llama-2-7b-deploy.ipynb"})
    notebook = read_notebook(jp_root_dir / answer["path"])
    assert notebook.metadata[METADATA_KEY]["flavour"] == "local"  # the test server runs the local backend
    # The contents API (what docmanager:open uses) sees it.
    listed = await jp_fetch("api", "contents", "llama-2-7b-deploy.ipynb", method="GET")
    assert json.loads(listed.body)["type"] == "notebook"


async def test_post_notebooks_errors_are_json(jp_fetch: Any) -> None:
    code, answer = await post(jp_fetch, {"step": "deploy", "model_id": MODEL_7B, "parameters": {"top_k": 0}})
    assert code == 400
    assert answer["error"]["code"] == "InvalidParameter"
    response = await jp_fetch(*API, "notebooks", method="POST", body="{not json", raise_error=False)
    assert response.code == 400


# -- the client's server discovery ---------------------------------------------------------------------------


def test_find_server_prefers_explicit_environment_then_the_parent_server(tmp_path: Path) -> None:
    assert find_server([], {"JUPYTER_SERVER_URL": "http://h:1/", "JUPYTER_TOKEN": "t"}) == (
        "http://h:1/",
        "t",
    )
    servers = [
        {"url": "http://127.0.0.1:1/", "token": "a", "pid": 11, "root_dir": "/elsewhere"},
        {"url": "http://127.0.0.1:2/", "token": "b", "pid": 22, "root_dir": str(tmp_path)},
        {"url": "http://127.0.0.1:3/", "token": "c", "pid": 33, "root_dir": "/other"},
    ]
    assert find_server(servers, {"JPY_PARENT_PID": "33"}, cwd=tmp_path) == ("http://127.0.0.1:3/", "c")
    assert find_server(servers, {}, cwd=tmp_path / "sub") == ("http://127.0.0.1:2/", "b")
    with pytest.raises(ServerNotFound):
        find_server([], {})


def test_client_invoke_needs_exactly_one_input() -> None:
    client = LlamaNeuronClient("http://127.0.0.1:9/", "t")
    with pytest.raises(ValueError, match="exactly one"):
        client.invoke("ep", inputs="a", messages=[{"role": "user", "content": "b"}])
