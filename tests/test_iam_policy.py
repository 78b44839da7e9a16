"""``docs/iam-policy.json``: well formed, names only real actions, and the session audit
(``tests.aws_emulator``) fails when the extension uses an action the policy does not grant. The emulator
denies as AWS does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError
from botocore.session import get_session

from tests.iam_actions import POLICY_PATH, IamAudit, actions_for, granted, policy_actions

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator

pytest_plugins = ["tests.aws_emulator"]

ROLE_POLICY_PATH = POLICY_PATH.parent / "iam-execution-role-policy.json"
MANAGED_TAG = "jupyter-llama-neuron:managed"
BOTOCORE_SERVICE = {
    "sagemaker": "sagemaker",
    "logs": "logs",
    "cloudwatch": "cloudwatch",
    "tag": "resourcegroupstaggingapi",
    "iam": "iam",
}
# IAM-only actions and S3 actions whose names differ from operations (see tests/iam_actions.py).
NON_OPERATION_ACTIONS = {
    "iam:PassRole",
    "sagemaker:InvokeEndpoint",  # the sagemaker-runtime API, authorised under "sagemaker"
    "s3:ListBucket",
    "s3:GetObject",
    "s3:PutObject",
    "s3:CreateBucket",
    "s3:GetBucketLocation",
    "s3:AbortMultipartUpload",
    "s3:ListAllMyBuckets",
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "cloudwatch:PutMetricData",
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
}


@pytest.mark.parametrize("path", [POLICY_PATH, ROLE_POLICY_PATH])
def test_policies_name_real_actions(path: Path) -> None:
    document = json.loads(path.read_text())
    assert document["Version"] == "2012-10-17"
    session = get_session()
    for action in policy_actions(path):
        prefix, name = action.split(":", 1)
        if action in NON_OPERATION_ACTIONS:
            continue
        service = session.get_service_model(BOTOCORE_SERVICE[prefix])
        assert name in service.operation_names, f"{action} is not a {prefix} operation"


def test_destructive_actions_are_limited_to_tagged_resources() -> None:
    document = json.loads(POLICY_PATH.read_text())
    destructive = {
        "sagemaker:DeleteEndpoint",
        "sagemaker:DeleteEndpointConfig",
        "sagemaker:DeleteModel",
        "sagemaker:StopTrainingJob",
        "sagemaker:DeleteTags",
        "sagemaker:InvokeEndpoint",
    }
    for statement in document["Statement"]:
        actions = set(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
        if actions & destructive:
            assert statement["Condition"] == {"StringEquals": {f"aws:ResourceTag/{MANAGED_TAG}": "true"}}
        if "iam:PassRole" in actions:
            assert statement["Condition"] == {
                "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
            }
    # What AmazonSageMakerFullAccess lacks and the extension needs is in the policy.
    for action in (
        "cloudwatch:GetMetricData",
        "logs:GetLogEvents",
        "logs:DescribeLogStreams",
        "sagemaker:Search",
        "sagemaker:AddTags",
        "sagemaker:ListTags",
        "sagemaker:DescribeUserProfile",
        "sagemaker:DescribeDomain",
        "iam:PassRole",
    ):
        assert granted(action, policy_actions())


def test_actions_for_calls() -> None:
    assert actions_for("sts", "GetCallerIdentity", {}) == []
    assert actions_for("sagemaker", "CreateModel", {"ExecutionRoleArn": "arn"}) == [
        "sagemaker:CreateModel",
        "iam:PassRole",
    ]
    assert actions_for("sagemaker", "CreateEndpoint", {"Tags": [{"Key": "k", "Value": "v"}]}) == [
        "sagemaker:CreateEndpoint",
        "sagemaker:AddTags",
    ]
    assert actions_for("sagemaker-runtime", "InvokeEndpointWithResponseStream", {}) == [
        "sagemaker:InvokeEndpoint"
    ]
    assert actions_for("s3", "PutObject", {"Tagging": "a=b"}) == ["s3:PutObject", "s3:PutObjectTagging"]
    assert actions_for("s3", "HeadBucket", {}) == ["s3:ListBucket"]


def test_audit_reports_an_action_the_policy_lacks(tmp_path: Path) -> None:
    audit = IamAudit()
    audit.record("sagemaker", "DeleteEndpoint", {"EndpointName": "x"})
    audit.record("s3", "PutObject", {"Tagging": "a=b"})
    assert list(audit.missing()) == ["s3:PutObjectTagging"]
    narrow = tmp_path / "policy.json"
    narrow.write_text(
        json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        )
    )
    assert list(audit.missing(narrow)) == ["sagemaker:DeleteEndpoint"]
    assert audit.missing(narrow)["sagemaker:DeleteEndpoint"].startswith("sagemaker.DeleteEndpoint from ")


def test_emulator_denies_like_aws(aws_emulator: AwsEmulator) -> None:
    s3 = aws_emulator.client("s3")
    s3.create_bucket(Bucket="sagemaker-us-east-1-123456789012")
    aws_emulator.deny("s3:PutObjectTagging")
    s3.put_object(Bucket="sagemaker-us-east-1-123456789012", Key="a", Body=b"x")  # no tags: allowed
    with pytest.raises(ClientError) as denied:
        s3.put_object(Bucket="sagemaker-us-east-1-123456789012", Key="b", Body=b"x", Tagging="k=v")
    assert denied.value.response["Error"] == {"Code": "AccessDenied", "Message": "Access Denied"} | {
        key: value for key, value in denied.value.response["Error"].items() if key not in ("Code", "Message")
    }
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    aws_emulator.deny("sagemaker:DeleteModel")
    with pytest.raises(ClientError) as sm_denied:
        aws_emulator.client("sagemaker").delete_model(ModelName="m")
    error = sm_denied.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert "not authorized to perform: sagemaker:DeleteModel on resource: " in error["Message"]
    assert "arn:aws:sagemaker:us-east-1:123456789012:model/m" in error["Message"]


def test_emulator_quota_and_search_lag(aws_emulator: AwsEmulator) -> None:
    aws_emulator.state.search_lag = 1
    aws_emulator.create_plain_endpoint("lagging", tags=[{"Key": MANAGED_TAG, "Value": "true"}])
    sm = aws_emulator.client("sagemaker")
    query = {
        "Resource": "Endpoint",
        "SearchExpression": {
            "Filters": [{"Name": f"Tags.{MANAGED_TAG}", "Operator": "Equals", "Value": "true"}]
        },
    }
    assert sm.search(**query)["Results"] == []  # not indexed yet
    assert [r["Endpoint"]["EndpointName"] for r in sm.search(**query)["Results"]] == ["lagging"]

    aws_emulator.inject_quota("ml.inf2.xlarge")
    with pytest.raises(ClientError) as quota:
        sm.create_endpoint(EndpointName="other", EndpointConfigName="lagging")
    assert quota.value.response["Error"]["Code"] == "ResourceLimitExceeded"
    assert "'ml.inf2.xlarge for endpoint usage' is 0 Instances" in quota.value.response["Error"]["Message"]
