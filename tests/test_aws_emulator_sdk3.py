"""The emulator's SageMaker Hub APIs (tests/aws_emulator_sdk3.py): botocore's shapes, and documents that
sagemaker-core (SDK v3) parses into what the fixtures' v2 specs say."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from tests.aws_emulator_sdk3 import PUBLIC_HUB, hub_content_document

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"


def test_describe_hub_content_has_the_required_members(aws_emulator: AwsEmulator) -> None:
    sm = aws_emulator.client("sagemaker")
    answer = sm.describe_hub_content(HubName=PUBLIC_HUB, HubContentType="Model", HubContentName=MODEL_7B)
    operation = sm.meta.service_model.operation_model("DescribeHubContent")
    assert set(operation.output_shape.required_members) <= set(answer)
    assert answer["HubContentArn"] == (
        f"arn:aws:sagemaker:us-east-1:aws:hub-content/{PUBLIC_HUB}/Model/{MODEL_7B}/1.0.0"
    )
    document = json.loads(answer["HubContentDocument"])
    assert document["GatedBucket"] is True
    assert document["SupportedTrainingInstanceTypes"] == ["ml.trn1.32xlarge", "ml.trn1n.32xlarge"]
    trn1 = document["TrainingInstanceTypeVariants"]["Variants"]["trn1"]["Properties"]
    assert trn1["ImageUri"].startswith(
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training-neuronx"
    )
    assert trn1["GatedModelEnvVarUri"].startswith(
        "s3://jumpstart-private-cache-prod-us-east-1/meta-training/trn1/"
    )


def test_unknown_content_and_hubs_are_resource_not_found(aws_emulator: AwsEmulator) -> None:
    sm = aws_emulator.client("sagemaker")
    with pytest.raises(ClientError) as missing:
        sm.describe_hub_content(HubName=PUBLIC_HUB, HubContentType="Model", HubContentName="no-such-model")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFound"
    with pytest.raises(ClientError) as other_hub:
        sm.describe_hub(HubName="my-private-hub")
    assert other_hub.value.response["Error"]["Code"] == "ResourceNotFound"


def test_list_hub_contents_and_versions(aws_emulator: AwsEmulator) -> None:
    sm = aws_emulator.client("sagemaker")
    listed = sm.list_hub_contents(HubName=PUBLIC_HUB, HubContentType="Model", NameContains="llama-2-13b")
    assert sorted(s["HubContentName"] for s in listed["HubContentSummaries"]) == [
        "meta-textgenerationneuron-llama-2-13b",
        "meta-textgenerationneuron-llama-2-13b-f",
    ]
    versions = sm.list_hub_content_versions(
        HubName=PUBLIC_HUB, HubContentType="Model", HubContentName=MODEL_7B
    )
    assert [s["HubContentVersion"] for s in versions["HubContentSummaries"]] == ["1.0.0"]
    assert sm.describe_hub(HubName=PUBLIC_HUB)["HubStatus"] == "InService"


def test_simulate_principal_policy_is_access_denied(aws_emulator: AwsEmulator) -> None:
    with pytest.raises(ClientError) as denied:
        aws_emulator.client("iam").simulate_principal_policy(
            PolicySourceArn=aws_emulator.role_arn, ActionNames=["s3:PutObject"]
        )
    assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_documents_parse_with_sagemaker_core() -> None:
    models = pytest.importorskip("sagemaker.core.jumpstart.models", reason="SDK v3 (sagemaker-core 2.x) only")
    from tests.aws_emulator_sdk3 import _specs

    for model_id, spec in _specs().items():
        document = models.HubContentDocument(**hub_content_document(spec, "us-east-1"))
        assert document.TrainingSupported is bool(spec.get("training_supported")), model_id
        assert document.HostingEulaUri == "s3://jumpstart-cache-prod-us-east-1/fmhMetadata/eula/llamaEula.txt"
