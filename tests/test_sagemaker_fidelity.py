"""The SageMaker path against an emulator that fails the way AWS fails (issue: real-AWS fidelity).

Each test names the AWS behaviour it relies on; the sources are in ``docs/aws-fidelity.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jupyter_llama_neuron.backends.sagemaker.jumpstart_sdk import import_sdk
from jupyter_llama_neuron.sagemaker_sdk import installed_major
from tests.aws_emulator import JUMPSTART_DIR
from tests.rest_client import accept_eula, call, sagemaker_config

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator, CallRecorder

pytest_plugins = ["tests.aws_emulator"]

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
MANAGED_TAG = "jupyter-llama-neuron:managed"
JUMPSTART_BUCKET = "jumpstart-cache-prod-us-east-1"


@pytest.fixture
def llama_neuron_config(tmp_path: Path, aws_emulator: AwsEmulator) -> dict[str, Any]:
    return sagemaker_config(tmp_path, aws_emulator)


async def deploy(jp_fetch: Any, **body: Any) -> tuple[int, Any]:
    return await call(jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, **body})


def names(emulator: AwsEmulator) -> dict[str, list[str]]:
    sm = emulator.client("sagemaker")
    return {
        "models": sorted(m["ModelName"] for m in sm.list_models()["Models"]),
        "configs": sorted(c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]),
        "endpoints": sorted(e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]),
    }


# -- AccessDenied from inside the SDK ------------------------------------------------------------------------


@pytest.fixture
def jumpstart_metadata_in_s3(aws_emulator: AwsEmulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The SDK's default: JumpStart metadata read from jumpstart-cache-prod-<region> (not the local copy)."""
    s3 = aws_emulator.client("s3")
    s3.create_bucket(Bucket=JUMPSTART_BUCKET)
    for path in JUMPSTART_DIR.rglob("*.json"):
        s3.put_object(
            Bucket=JUMPSTART_BUCKET, Key=str(path.relative_to(JUMPSTART_DIR)), Body=path.read_bytes()
        )
    monkeypatch.delenv("AWS_JUMPSTART_MANIFEST_LOCAL_ROOT_DIR_OVERRIDE")
    monkeypatch.delenv("AWS_JUMPSTART_SPECS_LOCAL_ROOT_DIR_OVERRIDE")
    from sagemaker.jumpstart.accessors import JumpStartModelsAccessor

    JumpStartModelsAccessor.reset_cache()
    yield
    JumpStartModelsAccessor.reset_cache()


@pytest.mark.skipif(
    installed_major() != 2, reason="SDK v2 reads JumpStart metadata from S3; v3 reads it through the Hub APIs"
)
@pytest.mark.usefixtures("jumpstart_metadata_in_s3")
async def test_access_denied_inside_the_sdk_names_the_real_operation(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    aws_emulator.deny("s3:GetObject", f"arn:aws:s3:::{JUMPSTART_BUCKET}/*")
    await accept_eula(jp_fetch)
    code, answer = await deploy(jp_fetch, endpoint_name="denied-metadata")
    assert code == 403, answer
    error = answer["error"]
    assert error["code"] == "AccessDenied"
    assert "s3:GetObject" in error["message"]
    assert "s3:GetObject" in error["hint"]
    assert f"arn:aws:s3:::{JUMPSTART_BUCKET}/" in error["message"]
    assert "CreateEndpoint" not in error["message"] + error["hint"]
    assert not [op for op in aws_calls.operations("sagemaker") if op.startswith("Create")]


# -- names, rollback and leftovers ---------------------------------------------------------------------------


async def test_a_quota_failure_leaves_nothing_behind_and_a_retry_works(
    jp_fetch: Any, aws_emulator: AwsEmulator
) -> None:
    """New accounts have 0 ml.inf2 endpoint quota: CreateEndpoint fails after the model and config exist."""
    await accept_eula(jp_fetch)
    aws_emulator.inject_quota("ml.inf2.xlarge")
    code, answer = await deploy(jp_fetch, endpoint_name="quota-hit")
    assert code == 400, answer
    assert answer["error"]["code"] == "ResourceLimitExceeded"
    assert "ml.inf2.xlarge for endpoint usage" in answer["error"]["hint"]
    assert names(aws_emulator) == {"models": [], "configs": [], "endpoints": []}
    code, retried = await deploy(jp_fetch, endpoint_name="quota-hit")  # after the quota was raised
    assert code == 202, retried
    assert names(aws_emulator) == {
        "models": ["quota-hit"],
        "configs": ["quota-hit"],
        "endpoints": ["quota-hit"],
    }


def leave_over(emulator: AwsEmulator, name: str) -> None:
    """What an older version left after a failed CreateEndpoint: our tagged model and config, no endpoint."""
    sm = emulator.client("sagemaker")
    tags = [
        {"Key": MANAGED_TAG, "Value": "true"},
        {"Key": "jupyter-llama-neuron:model-id", "Value": MODEL_7B},
        {"Key": "jupyter-llama-neuron:config", "Value": "ml.inf2.xlarge/1024/1/2/fp16"},
    ]
    image = "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.24.0-neuronx-sdk2.14.1"
    sm.create_model(
        ModelName=name, ExecutionRoleArn=emulator.role_arn, PrimaryContainer={"Image": image}, Tags=tags
    )
    variant = {"VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1}
    sm.create_endpoint_config(
        EndpointConfigName=name, ProductionVariants=[{**variant, "InstanceType": "ml.inf2.xlarge"}], Tags=tags
    )


async def test_a_leftover_from_an_older_run_is_listed_blocks_its_name_and_is_deleted(
    jp_fetch: Any, aws_emulator: AwsEmulator
) -> None:
    leave_over(aws_emulator, "old-run")
    aws_emulator.create_plain_endpoint("someone-else")  # untagged: never listed
    code, listed = await call(jp_fetch, "GET", "endpoints")
    assert code == 200
    assert [(e["name"], e["status"]) for e in listed["endpoints"]] == [("old-run", "Failed")]
    assert "Left over" in listed["endpoints"][0]["failure_reason"]
    assert listed["endpoints"][0]["model_id"] == MODEL_7B

    await accept_eula(jp_fetch)
    code, answer = await deploy(jp_fetch, endpoint_name="old-run")
    assert code == 409, answer
    assert answer["error"]["code"] == "LeftoverExists"
    assert "Resources" in answer["error"]["hint"]

    code, deleted = await call(jp_fetch, "DELETE", "endpoints", "old-run")
    assert (code, deleted) == (200, {"name": "old-run", "deleted": True})
    assert names(aws_emulator) == {
        "models": ["someone-else"],
        "configs": ["someone-else"],
        "endpoints": ["someone-else"],
    }
    code, created = await deploy(jp_fetch, endpoint_name="old-run")
    assert code == 202, created


async def test_a_model_of_the_same_name_is_never_reused(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    """The SDK's create_model silently reuses an existing model of the same name; we must not."""
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/other:latest"
    aws_emulator.client("sagemaker").create_model(
        ModelName="taken", ExecutionRoleArn=aws_emulator.role_arn, PrimaryContainer={"Image": image}
    )
    await accept_eula(jp_fetch)
    aws_calls.clear()
    code, answer = await deploy(jp_fetch, endpoint_name="taken")
    assert code == 409, answer
    assert answer["error"]["code"] == "NameTaken"
    assert not [op for op in aws_calls.operations("sagemaker") if op.startswith(("Create", "Delete"))]
    assert names(aws_emulator)["models"] == ["taken"]


# -- idempotency without the Search index --------------------------------------------------------------------


async def test_a_double_submit_makes_one_endpoint_while_search_lags(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder, tmp_path: Path
) -> None:
    aws_emulator.state.search_lag = 10  # Search does not show the new endpoint for a while
    await accept_eula(jp_fetch)
    code, first = await deploy(jp_fetch, client_token="tok-double")
    assert code == 202, first
    code, listed = await call(jp_fetch, "GET", "endpoints")  # listed at once
    assert [e["name"] for e in listed["endpoints"]] == [first["name"]]
    code, second = await deploy(jp_fetch, client_token="tok-double")
    assert code == 202, second
    assert second["name"] == first["name"]
    assert len(aws_calls.of("CreateEndpoint")) == 1
    assert names(aws_emulator)["endpoints"] == [first["name"]]


# -- deploying a fine-tuned model ----------------------------------------------------------------------------


async def test_a_fine_tuned_model_deploys_the_way_the_sdk_deploys_an_estimator(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    """JumpStartEstimator.deploy: the job's output, the spec's environment for the instance, no AcceptEula."""
    import_sdk()  # 2-4 s on a busy machine: not inside the request

    aws_emulator.state.training_running_polls = 0
    aws_emulator.client("sagemaker").create_training_job(
        TrainingJobName="ft-done",
        AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        RoleArn=aws_emulator.role_arn,
        OutputDataConfig={"S3OutputPath": "s3://bucket/out", "CompressionType": "NONE"},
        ResourceConfig={"InstanceType": "ml.trn1.32xlarge", "InstanceCount": 1, "VolumeSizeInGB": 256},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        Tags=[
            {"Key": MANAGED_TAG, "Value": "true"},
            {"Key": "jupyter-llama-neuron:model-id", "Value": MODEL_7B},
        ],
    )
    await accept_eula(jp_fetch)
    picked = {  # a precompiled tuple for ml.inf2.8xlarge; JumpStart's own default there uses batch 4
        "instance_type": "ml.inf2.8xlarge",
        "n_positions": 2048,
        "max_rolling_batch_size": 1,
        "tensor_parallel_degree": 2,
        "dtype": "fp16",
    }
    code, made = await deploy(jp_fetch, endpoint_name="ft-endpoint", training_job="ft-done", config=picked)
    assert code == 202, made
    container = aws_calls.one("CreateModel")["PrimaryContainer"]
    source = container["ModelDataSource"]["S3DataSource"]
    assert source["S3Uri"].startswith("s3://bucket/out/ft-done/output/")
    assert "ModelAccessConfig" not in source  # the user's own weights: no EULA acceptance sent
    assert container["Environment"]["OPTION_MAX_ROLLING_BATCH_SIZE"] == "4"  # JumpStart's, not forced
    assert made["config"]["max_rolling_batch_size"] == 4  # what the endpoint really runs
    assert aws_calls.one("CreateModel")["ModelName"] == "ft-endpoint"

    code, card = await call(jp_fetch, "GET", "models", MODEL_7B)
    assert code == 200
    assert "may compile" in card["training"]["deploy_note"]
    assert "60 minutes" in card["training"]["deploy_note"]


async def test_a_training_double_submit_starts_one_job_while_search_lags(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    aws_emulator.state.search_lag = 10
    aws_emulator.state.training_running_polls = 5
    await accept_eula(jp_fetch)
    body = {
        "model_id": MODEL_7B,
        "dataset_uri": "s3://sagemaker-us-east-1-123456789012/jupyter-llama-neuron/datasets/x/train.jsonl",
        "dataset_format": "instruction",
        "hyperparameters": {"max_steps": 25},
        "instance_type": "ml.trn1.32xlarge",
        "client_token": "tok-train-double",
    }
    code, first = await call(jp_fetch, "POST", "training-jobs", body=body)
    assert code == 202, first
    code, listed = await call(jp_fetch, "GET", "training-jobs")  # listed at once
    assert [job["name"] for job in listed["training_jobs"]] == [first["name"]]
    code, second = await call(jp_fetch, "POST", "training-jobs", body=body)
    assert code == 202, second
    assert second["name"] == first["name"]
    assert len(aws_calls.of("CreateTrainingJob")) == 1
