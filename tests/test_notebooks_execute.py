"""The generated notebooks run: ``nbclient`` executes them in a real ipykernel.

* SageMaker flavour, against the AWS emulator: the kernel inherits the emulator's environment (endpoint URL,
  dummy credentials, region, local JumpStart specs, proxy tripwire). The notebook is written for the SDK
  major of this venv (the default), so the suite covers v2 in the main venv and v3 in ``.venv-sdk3``.
  Assertions are on what the emulator holds between cells: the endpoint with our tags and the precompiled
  ``OPTION_*`` environment, then nothing after the clean-up cell.
* Local flavour, against the Jupyter test server with the catalog's 7B id mapped to the tiny model: the kernel
  finds the server through ``JUPYTER_SERVER_URL``/``JUPYTER_TOKEN`` and drives the local backend with
  ``LlamaNeuronClient``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest
from botocore.exceptions import ClientError
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from tornado.httpclient import HTTPResponse

from jupyter_llama_neuron.catalog import load_catalog
from jupyter_llama_neuron.chat_template import render_llama2
from jupyter_llama_neuron.notebook_cells import METADATA_KEY
from jupyter_llama_neuron.notebooks import NotebookService
from jupyter_llama_neuron.sagemaker_sdk import installed_major
from jupyter_llama_neuron.settings import ExtensionSettings

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator

pytest_plugins = ["tests.aws_emulator"]

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
MODEL_7B_CHAT = "meta-textgenerationneuron-llama-2-7b-f"
API = ("llama-neuron", "api", "v1")
CELL_TIMEOUT_S = 600
_READ: Any = nbformat.read  # untyped
NEW_CODE_CELL: Any = nbformat.v4.new_code_cell  # untyped


def read_notebook(path: Path) -> Any:
    return _READ(path, as_version=4)


OPTION_VARS = (
    "OPTION_N_POSITIONS",
    "OPTION_MAX_ROLLING_BATCH_SIZE",
    "OPTION_TENSOR_PARALLEL_DEGREE",
    "OPTION_DTYPE",
)


@pytest.fixture
def kernel_name(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """The venv's ``python3`` kernel; installed into a temporary prefix when Jupyter finds none."""
    if "python3" not in KernelSpecManager().find_kernel_specs():
        prefix = tmp_path_factory.mktemp("kernel-prefix")
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", "python3"],
            check=True,
            capture_output=True,
        )
        monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    return "python3"


def role_of(cell: Any) -> str:
    return str(cell.metadata.get(METADATA_KEY, {}).get("role", ""))


class CellRunner:
    """Runs a notebook's cells in order in one kernel, stopping where the test wants to look."""

    def __init__(self, notebook: Any, client: NotebookClient) -> None:
        self.notebook = notebook
        self.client = client
        self.next = 0

    async def run_through(self, role: str) -> None:
        """Execute the cells up to and including the first code cell with ``role``."""
        while self.next < len(self.notebook.cells):
            index, cell = self.next, self.notebook.cells[self.next]
            self.next += 1
            if cell.cell_type != "code":
                continue
            await self.client.async_execute_cell(cell, index)
            if role_of(cell) == role:
                return
        raise AssertionError(f"no {role} cell after the ones already run")

    async def run_code(self, source: str) -> str:
        """Run one extra (test-only) cell; return its stdout."""
        cell = NEW_CODE_CELL(source)
        self.notebook.cells.append(cell)
        await self.client.async_execute_cell(cell, len(self.notebook.cells) - 1)
        return "".join(out.get("text", "") for out in cell.outputs if out.get("name") == "stdout")

    def stdout(self, roles: Sequence[str]) -> str:
        return "".join(
            out.get("text", "")
            for cell in self.notebook.cells
            if cell.cell_type == "code" and role_of(cell) in roles
            for out in cell.outputs
            if out.get("name") == "stdout"
        )


def notebook_client(notebook: Any, root: Path, kernel_name: str) -> NotebookClient:
    return NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=CELL_TIMEOUT_S,
        startup_timeout=120,
        resources={"metadata": {"path": str(root)}},
    )


# -- SageMaker flavour against the AWS emulator --------------------------------------------------------------


def sagemaker_service(root: Path, emulator: AwsEmulator) -> NotebookService:
    settings = ExtensionSettings(backend="sagemaker", region=emulator.region, role_arn=emulator.role_arn)
    # SDK v3 checks that the execution role exists and trusts SageMaker (iam:GetRole), as AWS would need.
    emulator.client("iam").create_role(
        RoleName=emulator.role_arn.rsplit("/", 1)[-1],
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "sagemaker.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    return NotebookService(settings, load_catalog(), root)


def endpoint_resources(
    emulator: AwsEmulator, name: str
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    sm = emulator.client("sagemaker")
    endpoint = sm.describe_endpoint(EndpointName=name)
    tags = {tag["Key"]: tag["Value"] for tag in sm.list_tags(ResourceArn=endpoint["EndpointArn"])["Tags"]}
    config = sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    model = sm.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    return endpoint, tags, model


def assert_deleted(emulator: AwsEmulator, name: str) -> None:
    with pytest.raises(ClientError):
        emulator.client("sagemaker").describe_endpoint(EndpointName=name)


@pytest.mark.parametrize("model_id", [MODEL_7B, MODEL_7B_CHAT])
async def test_sagemaker_deploy_notebook_runs_against_the_emulator(
    tmp_path: Path, aws_emulator: AwsEmulator, kernel_name: str, model_id: str
) -> None:
    aws_emulator.state.endpoint_creating_polls = 0  # InService at the first describe: no 30 s poll sleep
    catalog = load_catalog()
    config = catalog.precompiled(model_id)[1]
    name = "nb-sm-chat" if model_id.endswith("-f") else "nb-sm-base"
    prompts = ['Say "hi" {not a field}\nsecond line']
    created = await sagemaker_service(tmp_path, aws_emulator).create(
        {
            "step": "deploy",
            "model_id": model_id,
            "config": config.to_json(),
            "endpoint_name": name,
            "prompts": prompts,
            "parameters": {"max_new_tokens": 16, "temperature": 0.5},
        },
        "nb-tester",
    )
    notebook = read_notebook(tmp_path / created["path"])
    client = notebook_client(notebook, tmp_path, kernel_name)
    async with client.async_setup_kernel():
        runner = CellRunner(notebook, client)
        await runner.run_through("wait")

        endpoint, tags, model = endpoint_resources(aws_emulator, name)
        assert endpoint["EndpointStatus"] == "InService"
        assert tags["jupyter-llama-neuron:managed"] == "true"
        assert tags["jupyter-llama-neuron:model-id"] == model_id
        assert tags["jupyter-llama-neuron:creator"] == "nb-tester"
        assert tags["jupyter-llama-neuron:config"] == config.to_tag()
        environment = model["PrimaryContainer"]["Environment"]
        assert {key: environment[key] for key in OPTION_VARS} == config.to_env()
        if installed_major() == 2:  # the SDK's telemetry is off in this session (its documented opt-out)
            telemetry = await runner.run_code(
                "from sagemaker.config.config_schema import TELEMETRY_OPT_OUT_PATH\n"
                "from sagemaker.utils import resolve_value_from_config\n"
                "print(resolve_value_from_config(None, TELEMETRY_OPT_OUT_PATH, False, session))"
            )
            assert telemetry.strip().splitlines()[-1] == "True"

        aws_emulator.queue_results({"generated_text": " Paris, of course."})
        await runner.run_through("invoke")
        assert "Paris, of course." in runner.stdout(["invoke"])
        if model_id.endswith("-f"):  # the notebook's own template renders what the extension would send
            rendered = await runner.run_code("print(json.dumps(chat_prompt(PROMPTS[0], SYSTEM_PROMPT)))")
            assert json.loads(rendered) == render_llama2([{"role": "user", "content": prompts[0]}])

        await runner.run_through("cleanup")
    assert_deleted(aws_emulator, name)
    assert aws_emulator.client("sagemaker").list_models()["Models"] == []


async def test_sagemaker_train_notebook_fine_tunes_deploys_and_cleans_up(
    tmp_path: Path, aws_emulator: AwsEmulator, kernel_name: str
) -> None:
    aws_emulator.state.endpoint_creating_polls = 0
    aws_emulator.state.training_running_polls = 0  # Completed at once: no 60 s poll sleep
    dataset = f"s3://sagemaker-{aws_emulator.region}-{aws_emulator.account_id}/data/train.jsonl"
    created = await sagemaker_service(tmp_path, aws_emulator).create(
        {
            "step": "train",
            "model_id": MODEL_7B,
            "dataset_uri": dataset,
            "hyperparameters": {"max_steps": 7, "learning_rate": "0.0001"},
            "prompts": ["The capital of France is"],
        },
        "nb-tester",
    )
    notebook = read_notebook(tmp_path / created["path"])
    client = notebook_client(notebook, tmp_path, kernel_name)
    sm = aws_emulator.client("sagemaker")
    async with client.async_setup_kernel():
        runner = CellRunner(notebook, client)
        await runner.run_through("train")
        jobs = sm.list_training_jobs()["TrainingJobSummaries"]
        assert len(jobs) == 1
        job = sm.describe_training_job(TrainingJobName=jobs[0]["TrainingJobName"])
        assert job["RoleArn"] == aws_emulator.role_arn
        channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"] for c in job["InputDataConfig"]}
        assert channels["train"]["S3Uri"] == dataset
        assert "training" not in channels  # JumpStart's default dataset is not trained on too
        if installed_major() == 2:
            assert job["Environment"]["accept_eula"] == "true"
            assert job["HyperParameters"]["max_steps"] == '"7"'
        else:
            assert channels["model"]["ModelAccessConfig"] == {"AcceptEula": True}  # the gated weights
            assert job["HyperParameters"]["max_steps"] == "7"
            assert job["StoppingCondition"]["MaxRuntimeInSeconds"] == 360000  # JumpStart's, not one hour
        tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=job["TrainingJobArn"])["Tags"]}
        assert tags["jupyter-llama-neuron:managed"] == "true"

        await runner.run_through("deploy")
        endpoints = sm.list_endpoints()["Endpoints"]
        assert len(endpoints) == 1
        name = endpoints[0]["EndpointName"]
        endpoint, endpoint_tags, model = endpoint_resources(aws_emulator, name)
        assert endpoint["EndpointStatus"] == "InService"
        assert endpoint_tags["jupyter-llama-neuron:training-job"] == job["TrainingJobName"]
        artifacts = job["ModelArtifacts"]["S3ModelArtifacts"]
        container = model["PrimaryContainer"]
        assert artifacts in json.dumps(container)

        aws_emulator.queue_results({"generated_text": " Paris."})
        await runner.run_through("cleanup")
        assert "Paris." in runner.stdout(["invoke"])
    assert_deleted(aws_emulator, name)


# -- local flavour against the Jupyter server and the tiny model ---------------------------------------------


@pytest.fixture
def llama_neuron_config(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Any]:
    return {
        "backend": "local",
        "data_dir": str(tmp_path / "llama-neuron-data"),
        "local_model_paths": {MODEL_7B: str(tiny_model_dir)},
        "local_torch_threads": 1,
    }


async def rest(jp_fetch: Any, method: str, *path: str, body: Any = None) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response: HTTPResponse = await jp_fetch(*API, *path, **kwargs)
    return response.code, json.loads(response.body) if response.body else None


async def test_local_deploy_notebook_drives_the_local_backend(
    jp_fetch: Any,
    jp_serverapp: Any,
    jp_http_port: int,
    jp_base_url: str,
    jp_root_dir: Path,
    kernel_name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, created = await rest(
        jp_fetch,
        "POST",
        "notebooks",
        body={
            "step": "deploy",
            "model_id": MODEL_7B,
            "endpoint_name": "nb-local-1",
            "prompts": ["The capital of France is", 'quotes " and {braces}'],
            "parameters": {"max_new_tokens": 8},
        },
    )
    assert code == 201, created
    notebook = read_notebook(jp_root_dir / created["path"])
    assert notebook.metadata[METADATA_KEY]["flavour"] == "local"
    monkeypatch.setenv("JUPYTER_SERVER_URL", f"http://127.0.0.1:{jp_http_port}{jp_base_url}")
    monkeypatch.setenv("JUPYTER_TOKEN", jp_serverapp.identity_provider.token)

    client = notebook_client(notebook, jp_root_dir, kernel_name)
    async with client.async_setup_kernel():
        runner = CellRunner(notebook, client)
        await runner.run_through("deploy")
        code, endpoint = await rest(jp_fetch, "GET", "endpoints", "nb-local-1")
        assert code == 200
        assert (endpoint["status"], endpoint["model_id"], endpoint["backend"]) == (
            "InService",
            MODEL_7B,
            "local",
        )
        assert "InService" in runner.stdout(["deploy"])

        await runner.run_through("invoke")
        answers = runner.stdout(["invoke"])
        assert answers.count("Answer:") == 2
        assert "tokens in" in answers

        await runner.run_through("cleanup")
    code, _ = await rest(jp_fetch, "GET", "endpoints", "nb-local-1")
    assert code == 404
    code, listed = await rest(jp_fetch, "GET", "endpoints")
    assert listed["endpoints"] == []
