"""Which IAM actions an AWS API call needs, and whether ``docs/iam-policy.json`` grants them.

Used twice: by the AWS emulator, to deny a call the way AWS does when a test withholds a permission
(``AwsEmulator.deny``), and by the session-wide audit that records every call the extension makes and fails
the run when the shipped policy lacks one of the actions (``IamAudit``). Sources for each mapping are in
``docs/aws-fidelity.md``.
"""

from __future__ import annotations

import fnmatch
import json
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

POLICY_PATH = Path(__file__).parent.parent / "docs" / "iam-policy.json"

# S3 operations → IAM actions (Service Authorization Reference for Amazon S3; HeadObject needs s3:GetObject
# and HeadBucket s3:ListBucket per their API references).
S3_ACTIONS: dict[str, str] = {
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "HeadBucket": "s3:ListBucket",
    "CreateBucket": "s3:CreateBucket",
    "GetBucketLocation": "s3:GetBucketLocation",
    "ListBuckets": "s3:ListAllMyBuckets",
    "DeleteObject": "s3:DeleteObject",
    "PutObjectTagging": "s3:PutObjectTagging",
    "GetObjectTagging": "s3:GetObjectTagging",
}
# The runtime API is authorised under the "sagemaker" prefix; the streaming call needs
# sagemaker:InvokeEndpoint (botocore's sagemaker-runtime model, InvokeEndpointWithResponseStream docs).
RUNTIME_ACTIONS = {
    "InvokeEndpoint": "sagemaker:InvokeEndpoint",
    "InvokeEndpointWithResponseStream": "sagemaker:InvokeEndpoint",
}
# "No permissions are required to perform this operation" (botocore's sts model, GetCallerIdentity).
FREE_OPERATIONS = frozenset({("sts", "GetCallerIdentity")})
# Create calls that pass a role to SageMaker: iam:PassRole on that role.
ROLE_PARAMETERS = {"CreateModel": "ExecutionRoleArn", "CreateTrainingJob": "RoleArn"}


def actions_for(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    """The IAM actions a call needs (empty for calls AWS authorises without a permission)."""
    if (service, operation) in FREE_OPERATIONS:
        return []
    if service == "s3":
        found = [S3_ACTIONS.get(operation, f"s3:{operation}")]
        if operation in ("PutObject", "CreateMultipartUpload") and params.get("Tagging"):
            # "To successfully set the tag-set with your PutObject request, you must have the
            # s3:PutObjectTagging" (botocore's s3 model, PutObject documentation).
            found.append("s3:PutObjectTagging")
        return found
    if service == "sagemaker-runtime":
        return [RUNTIME_ACTIONS.get(operation, f"sagemaker:{operation}")]
    prefix = {"resourcegroupstaggingapi": "tag"}.get(service, service)
    found = [f"{prefix}:{operation}"]
    if operation in ROLE_PARAMETERS and params.get(ROLE_PARAMETERS[operation]):
        found.append("iam:PassRole")
    if service == "sagemaker" and operation.startswith("Create") and params.get("Tags"):
        # Tagging on create is authorised as sagemaker:AddTags too (the Service Authorization Reference lists
        # it as a dependent action of CreateModel, CreateEndpointConfig, CreateEndpoint, CreateTrainingJob).
        found.append("sagemaker:AddTags")
    return found


def policy_actions(path: Path = POLICY_PATH) -> list[str]:
    """Every action (pattern) an Allow statement of the policy names."""
    document = json.loads(path.read_text())
    patterns: list[str] = []
    for statement in document["Statement"]:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        patterns.extend([actions] if isinstance(actions, str) else actions)
    return patterns


def granted(action: str, patterns: list[str]) -> bool:
    # IAM action names are case-insensitive and accept * and ? wildcards.
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in patterns)


def _caller() -> str:
    """Where the call came from: the innermost frame of this project (for the audit's message)."""
    for frame in reversed(traceback.extract_stack()):
        if frame.filename.endswith(("aws_errors.py", "session.py")):
            continue  # the generic call helpers: the caller of interest is further out
        if "jupyter_llama_neuron" in frame.filename or "/tests/test_" in frame.filename:
            return f"{Path(frame.filename).name}:{frame.lineno}"
    return "?"


@dataclass
class IamAudit:
    """Every IAM action the extension's AWS calls needed during the run, with one example call each."""

    seen: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        needed = actions_for(service, operation, params)
        with self.lock:
            for action in needed:
                if action not in self.seen:
                    self.seen[action] = f"{service}.{operation} from {_caller()}"

    def missing(self, path: Path = POLICY_PATH) -> dict[str, str]:
        patterns = policy_actions(path)
        with self.lock:
            return {action: call for action, call in self.seen.items() if not granted(action, patterns)}
