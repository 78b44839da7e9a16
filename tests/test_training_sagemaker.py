"""``/training-jobs`` with ``LlamaNeuronApp.backend = "sagemaker"``, end to end against the AWS emulator.

Requests go through the real Jupyter server, the training service, the SageMaker backend and the SageMaker
SDK (v2 ``JumpStartEstimator`` or v3 ``ModelTrainer``, whichever is installed); assertions are on the HTTP
answers and on the API calls AWS would receive.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jupyter_llama_neuron.backends.sagemaker import SageMakerBackend
from jupyter_llama_neuron.backends.sagemaker.jumpstart_sdk import installed_major
from jupyter_llama_neuron.catalog import load_catalog
from jupyter_llama_neuron.settings import ExtensionSettings
from tests.aws_emulator_sdk3 import restart_polls
from tests.rest_client import accept_eula, call, sagemaker_config

from .openapi_contract import assert_matches

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator, CallRecorder

pytest_plugins = ["tests.aws_emulator"]

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
MODEL_13B = "meta-textgenerationneuron-llama-2-13b"
API = ("llama-neuron", "api", "v1")
BUCKET = "sagemaker-us-east-1-123456789012"
DATASET = f"s3://{BUCKET}/jupyter-llama-neuron/datasets/20260101-000000-abcd1234/train.jsonl"
IMAGE = (
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training-neuronx:1.13.1-neuronx-py310-sdk2.14.1-"
    "ubuntu20.04"
)


@pytest.fixture
def llama_neuron_config(tmp_path: Path, aws_emulator: AwsEmulator) -> dict[str, Any]:
    return sagemaker_config(tmp_path, aws_emulator)


def train_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model_id": MODEL_7B,
        "dataset_uri": DATASET,
        "dataset_format": "instruction",
        "hyperparameters": {"max_steps": 25, "learning_rate": "0.0001", "per_device_train_batch_size": 1},
        "instance_type": "ml.trn1.32xlarge",
        "job_name": "llama-ft-1",
    }
    body.update(changes)
    return body


async def start(jp_fetch: Any, **changes: Any) -> tuple[int, Any]:
    return await call(jp_fetch, "POST", "training-jobs", body=train_body(**changes))


# -- the request SageMaker receives --------------------------------------------------------------------------


async def test_create_sends_the_jumpstart_training_request(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    await accept_eula(jp_fetch)
    aws_calls.clear()
    code, job = await start(jp_fetch, client_token="tok-train-1", max_runtime_s=7200)
    assert code == 202, job
    assert_matches("TrainingJob", job)
    assert (job["name"], job["status"], job["backend"]) == ("llama-ft-1", "InProgress", "sagemaker")
    assert job["price_per_hour"] == load_catalog().price_per_hour("ml.trn1.32xlarge")
    assert job["can_deploy"] is False

    request = aws_calls.one("CreateTrainingJob")
    assert request["TrainingJobName"] == "llama-ft-1"
    assert request["AlgorithmSpecification"]["TrainingImage"] == IMAGE
    metrics = {m["Name"] for m in request["AlgorithmSpecification"]["MetricDefinitions"]}
    assert "meta-textgenerationneuron:train-loss" in metrics
    hyperparameters = request["HyperParameters"]
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"] for c in request["InputDataConfig"]}
    assert channels["train"]["S3Uri"] == DATASET
    assert "training" not in channels  # the spec's default dataset is not added beside ours
    gated_weights = (
        "s3://jumpstart-private-cache-prod-us-east-1/meta-training/trn1/v1.0.0/"
        "train-meta-textgenerationneuron-llama-2-7b.tar.gz"
    )
    if installed_major() == 2:
        # v2 JSON-encodes every value: "25" travels as "\"25\"".
        assert hyperparameters["max_steps"] == '"25"'
        assert hyperparameters["learning_rate"] == '"0.0001"'
        assert hyperparameters["per_device_train_batch_size"] == '"1"'
        # v2 hands the gated weights to the container through the environment.
        assert request["Environment"]["accept_eula"] == "true"
        assert request["Environment"]["SageMakerGatedModelS3Uri"] == gated_weights
    else:
        # v3 sends plain strings, with the spec's defaults for the rest, and no sagemaker_* entries.
        assert hyperparameters["max_steps"] == "25"
        assert hyperparameters["learning_rate"] == "0.0001"
        assert hyperparameters["tensor_parallel_degree"] == "8"
        assert not any(key.startswith("sagemaker_") for key in hyperparameters)
        # v3 mounts the gated weights as the "model" channel, licence accepted on that channel.
        assert channels["model"]["S3Uri"] == gated_weights
        assert channels["model"]["ModelAccessConfig"] == {"AcceptEula": True}
        assert request["EnableNetworkIsolation"] is True
        assert request["EnableInterContainerTrafficEncryption"] is True
        assert request["OutputDataConfig"]["CompressionType"] == "NONE"
    assert request["ResourceConfig"]["InstanceType"] == "ml.trn1.32xlarge"
    assert request["ResourceConfig"]["InstanceCount"] == 1
    assert request["RoleArn"] == aws_emulator.role_arn
    assert (
        request["OutputDataConfig"]["S3OutputPath"] == f"s3://{BUCKET}/jupyter-llama-neuron/training-output/"
    )
    assert request["StoppingCondition"]["MaxRuntimeInSeconds"] == 7200
    tags = {t["Key"]: t["Value"] for t in request["Tags"]}
    assert tags["jupyter-llama-neuron:managed"] == "true"
    assert tags["jupyter-llama-neuron:model-id"] == MODEL_7B
    assert tags["jupyter-llama-neuron:client-token"] == "tok-train-1"
    assert tags["jupyter-llama-neuron:creator"]
    # Nothing escaped to real AWS (the SDK's hard-coded STS endpoint, telemetry).
    assert all(c.endpoint_url.startswith(aws_emulator.url) for c in aws_calls.calls)

    # The same client token again: the first job, no second CreateTrainingJob.
    code, again = await start(jp_fetch, client_token="tok-train-1", max_runtime_s=7200)
    assert code == 202
    assert again["name"] == "llama-ft-1"
    assert len(aws_calls.of("CreateTrainingJob")) == 1
    # The name again without the token: a conflict, not a second job.
    code, conflict = await start(jp_fetch)
    assert code == 409, conflict
    assert len(aws_calls.of("CreateTrainingJob")) == 1


async def test_status_progression_and_monitoring(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    await accept_eula(jp_fetch)
    aws_emulator.state.training_running_polls = 1
    code, _ = await start(jp_fetch)
    assert code == 202
    restart_polls(aws_emulator, "training-job", "llama-ft-1", 1)
    aws_calls.clear()
    code, running = await call(jp_fetch, "GET", "training-jobs", "llama-ft-1")
    assert code == 200, running
    assert_matches("TrainingJob", running)
    assert running["status"] == "InProgress"
    assert running["secondary_status"] == "Starting"
    assert running["hyperparameters"]["max_steps"] == "25"  # decoded; the SDK's sagemaker_* entries hidden
    assert not any(name.startswith("sagemaker_") for name in running["hyperparameters"])
    assert running["dataset_uri"] == DATASET
    assert running["status_transitions"][0]["status"] == "Starting"
    # Monitoring asked CloudWatch for the loss metric of algo-1 and CloudWatch Logs for the job's streams.
    query = aws_calls.one("GetMetricData")["MetricDataQueries"][0]["MetricStat"]["Metric"]
    assert query["Namespace"] == "/aws/sagemaker/TrainingJobs"
    assert query["MetricName"] == "meta-textgenerationneuron:train-loss"
    assert query["Dimensions"] == [{"Name": "TrainingJobName", "Value": "llama-ft-1"}]
    streams = aws_calls.one("DescribeLogStreams")
    assert (streams["logGroupName"], streams["logStreamNamePrefix"]) == (
        "/aws/sagemaker/TrainingJobs",
        "llama-ft-1/",
    )
    # The emulator publishes the job's metric definitions as SageMaker does (under TrainingJobName).
    assert [point["loss"] for point in running["loss"]] == [2.5, 1.75, 1.25]
    assert running["log_tail"] == []  # no logs yet: tolerated

    code, done = await call(jp_fetch, "GET", "training-jobs", "llama-ft-1")
    assert code == 200
    assert done["status"] == "Completed"
    assert done["can_deploy"] is True
    assert done["output_model"].startswith(f"s3://{BUCKET}/jupyter-llama-neuron/training-output/llama-ft-1/")
    assert done["cost_so_far"] >= 0.0

    code, listed = await call(jp_fetch, "GET", "training-jobs")
    assert code == 200
    assert_matches("TrainingJobList", listed)
    assert [j["name"] for j in listed["training_jobs"]] == ["llama-ft-1"]


async def test_loss_series_from_cloudwatch(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    """SageMaker stores a MetricDefinitions metric under TrainingJobName=<job>; the instance metrics under
    Host=<job>/algo-1 must not be mistaken for it."""
    aws_emulator.state.training_metric_values = [3.0, 2.0, 1.5, 1.0]
    await accept_eula(jp_fetch)
    code, _ = await start(jp_fetch)
    assert code == 202
    code, job = await call(jp_fetch, "GET", "training-jobs", "llama-ft-1")
    assert code == 200, job
    assert [point["loss"] for point in job["loss"]] == [3.0, 2.0, 1.5, 1.0]
    assert [point["step"] for point in job["loss"]] == [1, 2, 3, 4]
    assert "monitoring_note" not in job or not job["monitoring_note"]


async def test_stop(jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder) -> None:
    await accept_eula(jp_fetch)
    aws_emulator.state.training_running_polls = 5
    code, _ = await start(jp_fetch)
    assert code == 202
    code, stopping = await call(jp_fetch, "POST", "training-jobs", "llama-ft-1", "stop")
    assert code == 200, stopping
    assert aws_calls.one("StopTrainingJob") == {"TrainingJobName": "llama-ft-1"}
    assert stopping["status"] in ("Stopping", "Stopped")
    code, stopped = await call(jp_fetch, "GET", "training-jobs", "llama-ft-1")
    assert stopped["status"] == "Stopped"
    assert stopped["can_deploy"] is False
    code, again = await call(jp_fetch, "POST", "training-jobs", "llama-ft-1", "stop")
    assert code == 409, again
    assert again["error"]["code"] == "TrainingJobNotRunning"
    code, missing = await call(jp_fetch, "POST", "training-jobs", "no-such-job", "stop")
    assert code == 404, missing


# -- validation happens before AWS ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "needle"),
    [
        ({"hyperparameters": {"learning_rate": 2}}, "HyperparameterOutOfRange", "between 1e-08 and 1"),
        ({"hyperparameters": {"max_steps": 1}}, "HyperparameterOutOfRange", "at least 2"),
        ({"hyperparameters": {"max_input_length": 8192}}, "HyperparameterOutOfRange", "between 128 and 4096"),
        ({"hyperparameters": {"max_steps": "many"}}, "InvalidHyperparameter", "integer"),
        ({"hyperparameters": {"max_steps": 2.5}}, "InvalidHyperparameter", "integer"),
        ({"hyperparameters": {"max_steps": True}}, "InvalidHyperparameter", "max_steps"),
        ({"hyperparameters": {"tensor_parallel_degree": "4"}}, "HyperparameterOutOfRange", "'8'"),
        ({"hyperparameters": {"epochs": 3}}, "UnknownHyperparameter", "epochs"),
        ({"hyperparameters": [1]}, "InvalidBody", "hyperparameters"),
        ({"instance_type": "ml.inf2.xlarge"}, "InvalidTrainingInstance", "ml.trn1.32xlarge"),
        ({"dataset_uri": "file:///tmp/train.jsonl"}, "InvalidDatasetUri", "s3://"),
        ({"dataset_uri": "upload://abc/train.jsonl"}, "InvalidDatasetUri", "s3://"),
        ({"dataset_uri": ""}, "InvalidDatasetUri", "dataset_uri"),
        ({"dataset_format": "csv"}, "InvalidDatasetFormat", "domain"),
        ({"template": "no placeholders"}, "InvalidTemplate", "{instruction}"),
        ({"job_name": "bad_name"}, "InvalidName", "job_name"),
        ({"job_name": "x" * 64}, "InvalidName", "job_name"),
        ({"client_token": "no spaces allowed"}, "InvalidClientToken", "client_token"),
        ({"max_runtime_s": 10}, "InvalidMaxRuntime", "max_runtime_s"),
        ({"model_id": "meta-textgenerationneuron-llama-2-7b-f"}, "NotFineTunable", "cannot be fine-tuned"),
        ({"colour": "blue"}, "InvalidBody", "colour"),
    ],
)
async def test_invalid_requests_are_400_and_never_reach_aws(
    jp_fetch: Any,
    aws_emulator: AwsEmulator,
    aws_calls: CallRecorder,
    changes: dict[str, Any],
    code: str,
    needle: str,
) -> None:
    await accept_eula(jp_fetch)
    aws_calls.clear()
    status, body = await start(jp_fetch, **changes)
    assert status == 400, body
    assert_matches("Error", body)
    assert body["error"]["code"] == code
    assert needle in body["error"]["message"] + body["error"]["hint"]
    assert aws_calls.calls == []


async def test_unknown_model_is_404_and_missing_eula_is_403_without_aws(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    status, body = await start(jp_fetch, model_id="meta-textgenerationneuron-llama-9")
    assert status == 404, body
    status, body = await start(jp_fetch)
    assert status == 403, body
    assert body["error"]["code"] == "EulaNotAccepted"
    assert aws_calls.calls == []


# -- state lives in AWS: a restarted server finds its jobs ---------------------------------------------------


async def test_list_after_restart_finds_only_our_jobs(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    await accept_eula(jp_fetch)
    code, _ = await start(jp_fetch, client_token="tok-restart")
    assert code == 202
    # Someone else's job in the same account: untagged, never ours.
    sagemaker = aws_emulator.client("sagemaker")
    sagemaker.create_training_job(
        TrainingJobName="not-ours",
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=aws_emulator.role_arn,
        OutputDataConfig={"S3OutputPath": "s3://elsewhere/out/"},
        ResourceConfig={"InstanceType": "ml.trn1.32xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    aws_calls.clear()
    settings = ExtensionSettings(
        backend="sagemaker",
        region=aws_emulator.region,
        role_arn=aws_emulator.role_arn,
        aws_executor_workers=1,
    )
    fresh = SageMakerBackend(settings, load_catalog(), logging.getLogger("test"))
    try:
        jobs = await fresh.list_training_jobs()
        assert [(j.name, j.model_id, j.client_token) for j in jobs] == [
            ("llama-ft-1", MODEL_7B, "tok-restart")
        ]
        searches = aws_calls.of("Search")
        assert len(searches) == 1
        assert searches[0]["Resource"] == "TrainingJob"
        with pytest.raises(Exception, match="not started by this extension"):
            await fresh.describe_training_job("not-ours")
    finally:
        await fresh.close()
    code, body = await call(jp_fetch, "GET", "training-jobs", "not-ours")
    assert code == 404, body


# -- deploying the fine-tuned model --------------------------------------------------------------------------


async def test_deploy_the_fine_tuned_model_uses_the_jobs_artifacts(
    jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    await accept_eula(jp_fetch)
    await accept_eula(jp_fetch, MODEL_13B)
    aws_emulator.state.training_running_polls = 2
    code, _ = await start(jp_fetch)
    assert code == 202

    # Not finished yet: 409, nothing created.
    aws_calls.clear()
    code, body = await call(
        jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, "training_job": "llama-ft-1"}
    )
    assert code == 409, body
    assert body["error"]["code"] == "TrainingJobNotCompleted"
    assert "CreateModel" not in aws_calls.operations()

    for _ in range(3):
        code, job = await call(jp_fetch, "GET", "training-jobs", "llama-ft-1")
    assert job["status"] == "Completed", job
    output = job["output_model"]

    # Another base model than the job's: 400; an unknown job: 404.
    code, body = await call(
        jp_fetch, "POST", "endpoints", body={"model_id": MODEL_13B, "training_job": "llama-ft-1"}
    )
    assert code == 400, body
    assert body["error"]["code"] == "TrainingJobModelMismatch"
    code, body = await call(
        jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, "training_job": "nope-1"}
    )
    assert code == 404, body

    aws_calls.clear()
    code, endpoint = await call(
        jp_fetch,
        "POST",
        "endpoints",
        body={"model_id": MODEL_7B, "training_job": "llama-ft-1", "endpoint_name": "llama-ft-endpoint"},
    )
    assert code == 202, endpoint
    assert endpoint["training_job"] == "llama-ft-1"
    assert "fine-tuned by llama-ft-1" in endpoint["serving_label"]
    container = aws_calls.one("CreateModel")["PrimaryContainer"]
    source = container.get("ModelDataSource", {}).get("S3DataSource", {}).get("S3Uri") or container.get(
        "ModelDataUrl"
    )
    # Uncompressed output (the Neuron default): deployed as the S3 prefix of the job's artifacts.
    assert source.rstrip("/") == output.rstrip("/")
    tags = {t["Key"]: t["Value"] for t in aws_calls.one("CreateEndpoint")["Tags"]}
    assert tags["jupyter-llama-neuron:training-job"] == "llama-ft-1"
