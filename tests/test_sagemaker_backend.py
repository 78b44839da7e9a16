"""SageMakerBackend against the in-process AWS emulator: the requests SageMaker would receive, and the
lifecycle."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from jupyter_llama_neuron.backends.base import (
    CLIENT_TOKEN_TAG,
    CONFIG_TAG,
    CREATOR_TAG,
    MANAGED_TAG,
    MODEL_ID_TAG,
    TRAINING_JOB_TAG,
    DeploymentConfig,
    EndpointRequest,
)
from jupyter_llama_neuron.backends.sagemaker import (
    SageMakerBackend,
    StreamingUnsupported,
)
from jupyter_llama_neuron.catalog import Catalog
from jupyter_llama_neuron.errors import ApiError, Conflict, NotFound
from tests.aws_emulator_sdk3 import restart_polls
from tests.sagemaker_settings import LOG, ROLE_ARN, make_settings

if TYPE_CHECKING:  # imported by pytest as a plugin (below) so that its asserts are rewritten
    from tests.aws_emulator import AwsEmulator, CallRecorder

pytest_plugins = ["tests.aws_emulator", "tests.sagemaker_fixtures"]

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
MODEL_13B = "meta-textgenerationneuron-llama-2-13b"
XLARGE = DeploymentConfig("ml.inf2.xlarge", 1024, 1, 2, "fp16")
EIGHT_XLARGE_13B = DeploymentConfig("ml.inf2.8xlarge", 1024, 1, 2, "fp16")
OPTION_VARS = (
    "OPTION_N_POSITIONS",
    "OPTION_MAX_ROLLING_BATCH_SIZE",
    "OPTION_TENSOR_PARALLEL_DEGREE",
    "OPTION_DTYPE",
)


def request(
    name: str, config: DeploymentConfig = XLARGE, model_id: str = MODEL_7B, **extra: Any
) -> EndpointRequest:
    return EndpointRequest(
        name=name, model_id=model_id, model_version="1.*", config=config, creator="alice", **extra
    )


def tags_of(params: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in params.get("Tags", [])}


# -- create --------------------------------------------------------------------------------------------------


async def test_create_sends_the_jumpstart_neuron_requests(
    backend: SageMakerBackend, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    endpoint = await backend.create_endpoint(request("llama-7b-one", client_token="tok-1"))
    assert endpoint.status == "Creating"
    assert endpoint.config == XLARGE
    assert endpoint.serving_label == "Llama-2-7b (Neuron) on ml.inf2.xlarge"

    model = aws_calls.one("CreateModel")
    container = model["PrimaryContainer"]
    assert (
        container["Image"]
        == "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.24.0-neuronx-sdk2.14.1"
    )
    assert {key: container["Environment"][key] for key in OPTION_VARS} == XLARGE.to_env()
    assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py"  # spec defaults still merged in
    source = container["ModelDataSource"]["S3DataSource"]
    assert source["ModelAccessConfig"]["AcceptEula"] is True
    assert source["S3Uri"].startswith(
        "s3://jumpstart-private-cache-prod-us-east-1/meta-textgenerationneuron/"
    )
    assert model["ExecutionRoleArn"] == ROLE_ARN
    assert model["EnableNetworkIsolation"] is True

    variant = aws_calls.one("CreateEndpointConfig")["ProductionVariants"][0]
    assert variant["InstanceType"] == "ml.inf2.xlarge"
    assert variant["InitialInstanceCount"] == 1
    assert variant["VolumeSizeInGB"] == 256
    assert variant["ModelDataDownloadTimeoutInSeconds"] == 3600
    assert variant["ContainerStartupHealthCheckTimeoutInSeconds"] == 3600

    create = aws_calls.one("CreateEndpoint")
    assert create["EndpointName"] == "llama-7b-one"
    for operation in ("CreateModel", "CreateEndpointConfig", "CreateEndpoint"):
        tags = tags_of(aws_calls.one(operation))
        assert tags[MANAGED_TAG] == "true"
        assert tags[MODEL_ID_TAG] == MODEL_7B
        assert tags[CREATOR_TAG] == "alice"
        assert tags[CONFIG_TAG] == "ml.inf2.xlarge/1024/1/2/fp16"
        assert tags[CLIENT_TOKEN_TAG] == "tok-1"
        assert TRAINING_JOB_TAG not in tags

    # What the emulator stored agrees (read back, not just what we sent).
    sm = aws_emulator.client("sagemaker")
    stored = sm.describe_model(ModelName=create["EndpointName"])
    assert stored["PrimaryContainer"]["ModelDataSource"]["S3DataSource"]["ModelAccessConfig"] == {
        "AcceptEula": True
    }
    # Every call went to the emulator, none to a real AWS endpoint (not even the SDK's hard-coded STS one).
    assert {call.endpoint_url for call in aws_calls.calls} == {aws_emulator.url}


async def test_create_uses_the_chosen_tuple_for_13b(
    backend: SageMakerBackend, aws_calls: CallRecorder
) -> None:
    await backend.create_endpoint(request("llama-13b", EIGHT_XLARGE_13B, MODEL_13B))
    environment = aws_calls.one("CreateModel")["PrimaryContainer"]["Environment"]
    assert {key: environment[key] for key in OPTION_VARS} == EIGHT_XLARGE_13B.to_env()
    assert aws_calls.one("CreateEndpointConfig")["ProductionVariants"][0]["InstanceType"] == "ml.inf2.8xlarge"


async def test_unconfirmed_70b_tuple_leaves_the_environment_to_jumpstart(
    backend: SageMakerBackend, aws_calls: CallRecorder
) -> None:
    config = DeploymentConfig("ml.inf2.48xlarge", 4096, 4, 24, "fp16")
    endpoint = await backend.create_endpoint(
        request("llama-70b", config, "meta-textgenerationneuron-llama-2-70b")
    )
    environment = aws_calls.one("CreateModel")["PrimaryContainer"]["Environment"]
    assert not [key for key in environment if key.startswith("OPTION_")]
    assert environment["SAGEMAKER_PROGRAM"] == "inference.py"
    assert (
        aws_calls.one("CreateEndpointConfig")["ProductionVariants"][0]["InstanceType"] == "ml.inf2.48xlarge"
    )
    assert endpoint.config == config  # still recorded (tag) for the UI and the context-length checks


async def test_default_bucket_comes_from_the_account_not_the_sdk(
    aws_emulator: AwsEmulator, aws_calls: CallRecorder, tmp_path: Path, catalog: Catalog
) -> None:
    backend = SageMakerBackend(make_settings(tmp_path, s3_bucket="my-bucket"), catalog, LOG)
    try:
        await backend.create_endpoint(request("with-bucket"))
    finally:
        await backend.close()
    # With an explicit bucket we do not even need the account.
    assert "GetCallerIdentity" not in aws_calls.operations()


async def test_taken_name_is_a_conflict(backend: SageMakerBackend, aws_emulator: AwsEmulator) -> None:
    aws_emulator.create_plain_endpoint("taken")
    with pytest.raises(Conflict):
        await backend.create_endpoint(request("taken"))
    await backend.create_endpoint(request("ours", client_token="a"))
    with pytest.raises(Conflict):
        await backend.create_endpoint(request("ours", client_token="b"))


async def test_same_client_token_creates_one_endpoint(
    backend: SageMakerBackend,
    aws_calls: CallRecorder,
    aws_emulator: AwsEmulator,
    tmp_path: Path,
    catalog: Catalog,
) -> None:
    first, second = await asyncio.gather(
        backend.create_endpoint(request("twice", client_token="same")),
        backend.create_endpoint(request("twice", client_token="same")),
    )
    assert first.name == second.name == "twice"
    # After a restart, a retry with the same token (even under another name) finds the endpoint again.
    restarted = SageMakerBackend(make_settings(tmp_path), catalog, LOG)
    try:
        again = await restarted.create_endpoint(request("twice-retry", client_token="same"))
    finally:
        await restarted.close()
    assert again.name == "twice"
    assert aws_calls.operations().count("CreateEndpoint") == 1


async def test_missing_role_is_explained_before_any_create(
    aws_emulator: AwsEmulator, aws_calls: CallRecorder, tmp_path: Path, catalog: Catalog
) -> None:
    backend = SageMakerBackend(
        make_settings(tmp_path, role_arn=""), catalog, LOG, studio_metadata_path=tmp_path / "absent.json"
    )
    try:
        with pytest.raises(ApiError) as info:
            await backend.create_endpoint(request("no-role"))
    finally:
        await backend.close()
    assert info.value.code == "NoExecutionRole"
    assert "c.LlamaNeuronApp.role_arn" in info.value.hint
    assert aws_calls.calls == []


async def test_deploys_a_finished_training_job(
    backend: SageMakerBackend, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    aws_emulator.state.training_running_polls = 0
    sm = aws_emulator.client("sagemaker")
    sm.create_training_job(
        TrainingJobName="ft-job-1",
        AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        RoleArn=ROLE_ARN,
        OutputDataConfig={"S3OutputPath": "s3://bucket/out", "CompressionType": "NONE"},
        ResourceConfig={"InstanceType": "ml.trn1.32xlarge", "InstanceCount": 1, "VolumeSizeInGB": 256},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    endpoint = await backend.create_endpoint(request("ft-endpoint", training_job="ft-job-1"))
    assert endpoint.training_job == "ft-job-1"
    assert "fine-tuned by ft-job-1" in endpoint.serving_label
    source = aws_calls.one("CreateModel")["PrimaryContainer"]["ModelDataSource"]["S3DataSource"]
    assert source["S3Uri"].startswith("s3://bucket/out/ft-job-1/output/")
    assert source["S3Uri"].endswith("/")
    assert source["S3DataType"] == "S3Prefix"
    assert tags_of(aws_calls.one("CreateEndpoint"))[TRAINING_JOB_TAG] == "ft-job-1"


async def test_unfinished_training_job_is_not_deployed(
    backend: SageMakerBackend, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    aws_emulator.state.training_running_polls = 5
    aws_emulator.client("sagemaker").create_training_job(
        TrainingJobName="ft-running",
        AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        RoleArn=ROLE_ARN,
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.trn1.32xlarge", "InstanceCount": 1, "VolumeSizeInGB": 256},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    with pytest.raises(Conflict) as info:
        await backend.create_endpoint(request("ft-too-early", training_job="ft-running"))
    assert info.value.code == "TrainingJobNotCompleted"
    assert "CreateModel" not in aws_calls.operations()


# -- lifecycle -----------------------------------------------------------------------------------------------


async def test_status_goes_from_creating_to_in_service(
    backend: SageMakerBackend, aws_emulator: AwsEmulator
) -> None:
    aws_emulator.state.endpoint_creating_polls = 2
    await backend.create_endpoint(request("progress"))
    restart_polls(aws_emulator, "endpoint", "progress", 2)
    statuses = [(await backend.describe_endpoint("progress")).status for _ in range(4)]
    assert statuses == ["Creating", "Creating", "InService", "InService"]


async def test_failed_endpoint_carries_its_failure_reason(
    backend: SageMakerBackend, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    aws_emulator.state.failure_reason = "Ran out of ml.inf2.xlarge capacity."
    await backend.create_endpoint(request("fail-capacity"))
    restart_polls(aws_emulator, "endpoint", "fail-capacity", 1)
    first = await backend.describe_endpoint("fail-capacity")
    assert (first.status, first.failure_reason) == ("Creating", None)
    failed = await backend.describe_endpoint("fail-capacity")
    assert failed.status == "Failed"
    assert failed.failure_reason == "Ran out of ml.inf2.xlarge capacity."
    listed = {endpoint.name: endpoint for endpoint in await backend.list_endpoints()}
    assert listed["fail-capacity"].failure_reason == "Ran out of ml.inf2.xlarge capacity."
    # SageMaker allows only DeleteEndpoint on a Failed endpoint: no restart, and nothing is sent to try one.
    assert backend.facts.restarts_failed_endpoints is False
    aws_calls.clear()
    with pytest.raises(Conflict) as refused:
        await backend.restart_endpoint("fail-capacity")
    assert refused.value.code == "RestartUnsupported"
    assert not [op for op in aws_calls.operations() if not op.startswith(("Describe", "List"))]
    with pytest.raises(NotFound):
        await backend.restart_endpoint("does-not-exist")


async def test_list_survives_a_restart_and_ignores_foreign_endpoints(
    backend: SageMakerBackend,
    aws_emulator: AwsEmulator,
    aws_calls: CallRecorder,
    tmp_path: Path,
    catalog: Catalog,
) -> None:
    await backend.create_endpoint(request("mine-a", client_token="t-a"))
    await backend.create_endpoint(request("mine-b", EIGHT_XLARGE_13B, MODEL_13B))
    aws_emulator.create_plain_endpoint("someone-else")
    aws_emulator.create_plain_endpoint("other-tagged", tags=[{"Key": "team", "Value": "x"}])
    await backend.close()

    restarted = SageMakerBackend(make_settings(tmp_path), catalog, LOG)
    try:
        aws_calls.clear()
        endpoints = await restarted.list_endpoints()
    finally:
        await restarted.close()
    by_name = {endpoint.name: endpoint for endpoint in endpoints}
    assert set(by_name) == {"mine-a", "mine-b"}
    assert by_name["mine-a"].config == XLARGE
    assert by_name["mine-a"].client_token == "t-a"
    assert by_name["mine-b"].model_id == MODEL_13B
    assert by_name["mine-b"].serving_label == "Llama-2-13b (Neuron) on ml.inf2.8xlarge"
    assert all(endpoint.created_at.tzinfo is not None for endpoint in endpoints)
    # One Search and one tag:GetResources (leftovers of failed deploys), no per-endpoint calls.
    assert aws_calls.operations() == ["Search", "GetResources"]
    assert aws_calls.one("Search")["SearchExpression"]["Filters"] == [
        {"Name": f"Tags.{MANAGED_TAG}", "Operator": "Equals", "Value": "true"}
    ]


async def test_list_pages_through_search(backend: SageMakerBackend, aws_calls: CallRecorder) -> None:
    sm = backend.aws.client("sagemaker")
    record = {
        "EndpointName": "paged",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/paged",
        "EndpointConfigName": "paged",
        "EndpointStatus": "InService",
        "CreationTime": datetime(2026, 1, 1),
        "LastModifiedTime": datetime(2026, 1, 1),
        "Tags": [{"Key": MANAGED_TAG, "Value": "true"}],
    }
    with Stubber(sm) as stubber:
        stubber.add_response(
            "search", {"Results": [{"Endpoint": {**record, "EndpointName": "p1"}}], "NextToken": "n"}
        )
        stubber.add_response("search", {"Results": [{"Endpoint": {**record, "EndpointName": "p2"}}]})
        endpoints = await backend.list_endpoints()
    assert sorted(endpoint.name for endpoint in endpoints) == ["p1", "p2"]
    assert aws_calls.of("Search")[1]["NextToken"] == "n"


async def test_sparse_search_records_are_tolerated(backend: SageMakerBackend) -> None:
    endpoint = backend.endpoints.endpoint_from(
        {"EndpointName": "sparse"}, {MANAGED_TAG: "true", CONFIG_TAG: "garbage"}
    )
    assert (endpoint.name, endpoint.status, endpoint.config, endpoint.model_id) == (
        "sparse",
        "Creating",
        None,
        "",
    )
    assert endpoint.created_at.tzinfo is not None


async def test_describe_and_delete_refuse_foreign_endpoints(
    backend: SageMakerBackend, aws_emulator: AwsEmulator
) -> None:
    aws_emulator.create_plain_endpoint("not-mine")
    with pytest.raises(NotFound):
        await backend.describe_endpoint("not-mine")
    with pytest.raises(NotFound):
        await backend.delete_endpoint("not-mine")
    with pytest.raises(NotFound):
        await backend.describe_endpoint("does-not-exist")
    assert (
        aws_emulator.client("sagemaker").describe_endpoint(EndpointName="not-mine")["EndpointName"]
        == "not-mine"
    )


async def test_delete_removes_endpoint_config_and_model(
    backend: SageMakerBackend, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    await backend.create_endpoint(request("to-delete"))
    model_name = aws_calls.one("CreateModel")["ModelName"]
    config_name = aws_calls.one("CreateEndpointConfig")["EndpointConfigName"]
    await backend.delete_endpoint("to-delete")
    assert aws_calls.of("DeleteEndpoint") == [{"EndpointName": "to-delete"}]
    assert aws_calls.of("DeleteEndpointConfig") == [{"EndpointConfigName": config_name}]
    assert aws_calls.of("DeleteModel") == [{"ModelName": model_name}]
    sm = aws_emulator.client("sagemaker")
    gone: list[Callable[[], Any]] = [
        lambda: sm.describe_endpoint(EndpointName="to-delete"),
        lambda: sm.describe_endpoint_config(EndpointConfigName=config_name),
        lambda: sm.describe_model(ModelName=model_name),
    ]
    for call in gone:
        with pytest.raises(ClientError):
            call()
    assert await backend.list_endpoints() == []
    with pytest.raises(NotFound):
        await backend.delete_endpoint("to-delete")


async def test_delete_tolerates_parts_already_gone(
    backend: SageMakerBackend, aws_emulator: AwsEmulator
) -> None:
    await backend.create_endpoint(request("half-gone"))
    aws_emulator.client("sagemaker").delete_model(ModelName="half-gone")
    await backend.delete_endpoint("half-gone")
    assert await backend.list_endpoints() == []


# -- invoke --------------------------------------------------------------------------------------------------


async def test_invoke_returns_the_generated_text(
    backend: SageMakerBackend, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    await backend.create_endpoint(request("talk"))
    aws_emulator.queue_results([{"generated_text": " Paris."}])
    result = await backend.invoke(
        "talk", {"inputs": "The capital of France is", "parameters": {"max_new_tokens": 8}}
    )
    assert result.generated_text == " Paris."
    assert result.latency_s is not None
    assert result.latency_s >= 0
    sent = aws_calls.one("InvokeEndpoint")
    assert sent["CustomAttributes"] == "accept_eula=true"
    assert sent["ContentType"] == sent["Accept"] == "application/json"
    assert json.loads(sent["Body"]) == {
        "inputs": "The capital of France is",
        "parameters": {"max_new_tokens": 8},
    }


async def test_invoke_reads_details_from_an_object_response(
    backend: SageMakerBackend, aws_emulator: AwsEmulator
) -> None:
    await backend.create_endpoint(request("talk-details"))
    aws_emulator.queue_results(
        {"generated_text": "abc", "details": {"generated_tokens": 3, "finish_reason": "length"}}
    )
    result = await backend.invoke("talk-details", {"inputs": "x", "parameters": {}})
    assert (result.generated_text, result.tokens_out, result.finish_reason) == ("abc", 3, "length")


async def test_invoke_refuses_foreign_endpoints(backend: SageMakerBackend, aws_emulator: AwsEmulator) -> None:
    aws_emulator.create_plain_endpoint("foreign")
    with pytest.raises(NotFound):
        await backend.invoke("foreign", {"inputs": "x"})


async def test_invoke_errors_are_translated(backend: SageMakerBackend, aws_emulator: AwsEmulator) -> None:
    await backend.create_endpoint(request("broken"))
    aws_emulator.inject_error(
        "InvokeEndpoint", "ModelError", "Received server error", status=424, OriginalMessage="out of memory"
    )
    with pytest.raises(ApiError) as info:
        await backend.invoke("broken", {"inputs": "x"})
    assert (info.value.status, info.value.code) == (424, "ModelError")


async def _collect(stream: AsyncIterator[str]) -> list[str]:
    return [chunk async for chunk in stream]


async def test_stream_yields_token_chunks(
    backend: SageMakerBackend, aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    await backend.create_endpoint(request("streamer"))
    lines = [
        {"token": {"text": "Hel"}},
        {"token": {"text": "lo"}},
        {"token": {"text": " world"}, "generated_text": "Hello world"},
    ]
    aws_emulator.queue_results(
        "".join(json.dumps(line) + "\n" for line in lines), content_type="application/jsonlines"
    )
    chunks = await _collect(backend.invoke_stream("streamer", {"inputs": "Say hi", "parameters": {}}))
    assert chunks == ["Hel", "lo", " world"]
    sent = aws_calls.one("InvokeEndpointWithResponseStream")
    assert json.loads(sent["Body"])["stream"] is True
    assert sent["CustomAttributes"] == "accept_eula=true"


async def test_stream_reassembles_lines_split_across_parts(
    backend: SageMakerBackend, aws_emulator: AwsEmulator
) -> None:
    await backend.create_endpoint(request("streamer-split"))
    aws_emulator.state.stream_chunk_bytes = 7  # PayloadParts cut through JSON and through "é"
    text = ["Ça ", "va ", "très ", "bien"]
    aws_emulator.queue_results(
        "".join(json.dumps({"token": {"text": t}}, ensure_ascii=False) + "\n" for t in text),
        content_type="application/jsonlines",
    )
    chunks = await _collect(backend.invoke_stream("streamer-split", {"inputs": "?"}))
    assert chunks == text


async def test_stream_of_plain_text(backend: SageMakerBackend, aws_emulator: AwsEmulator) -> None:
    await backend.create_endpoint(request("streamer-text"))
    aws_emulator.queue_results("Hello from llama", content_type="text/plain")
    chunks = await _collect(backend.invoke_stream("streamer-text", {"inputs": "?"}))
    assert chunks == ["Hello ", "from ", "llama"]


@pytest.mark.parametrize(("code", "status"), [("ModelError", 424), ("ValidationException", 400)])
async def test_stream_rejection_is_streaming_unsupported(
    backend: SageMakerBackend, aws_emulator: AwsEmulator, code: str, status: int
) -> None:
    await backend.create_endpoint(request("no-stream"))
    aws_emulator.inject_error(
        "InvokeEndpointWithResponseStream", code, "streaming is not supported", status=status
    )
    with pytest.raises(StreamingUnsupported) as info:
        await _collect(backend.invoke_stream("no-stream", {"inputs": "?"}))
    assert info.value.code == "StreamingUnsupported"


async def test_stream_can_be_abandoned_early(backend: SageMakerBackend, aws_emulator: AwsEmulator) -> None:
    await backend.create_endpoint(request("streamer-early"))
    aws_emulator.queue_results("one two three four", content_type="text/plain")
    stream = backend.invoke_stream("streamer-early", {"inputs": "?"})
    assert await stream.__anext__() == "one "
    await stream.aclose()  # closes the HTTP stream; nothing left running
