"""Our tags on SageMaker resources: what we write, how we read them back, and the tag-filtered Search that
finds our endpoints and training jobs (anything without the managed tag is invisible to us).

Also the CloudWatch ``GetMetricData`` pager, shared by endpoint activity and the training-loss curve.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ...errors import NotFound
from ..base import (
    AUTO_DELETE_TAG,
    CLIENT_TOKEN_TAG,
    CONFIG_TAG,
    CREATOR_TAG,
    MANAGED_TAG,
    MODEL_ID_TAG,
    TRAINING_JOB_TAG,
    TRAINING_JOB_TAGS,
    EndpointRequest,
    TrainingRequest,
)
from ..base import (
    tag_value as tag_value,
)
from .session import AwsSession, utc

MANAGED_FILTER = {"Name": f"Tags.{MANAGED_TAG}", "Operator": "Equals", "Value": "true"}
MAX_METRIC_PAGES = 5
_DESCRIBE = {"Endpoint": "describe_endpoint", "TrainingJob": "describe_training_job"}

def token_filter(token: str) -> dict[str, str]:
    return {"Name": f"Tags.{CLIENT_TOKEN_TAG}", "Operator": "Equals", "Value": tag_value(token)}


def minutes_tag(value: str | None) -> int | None:
    """The auto-delete tag's value; None when absent or unreadable (then the server default applies)."""
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def time_tag(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


def tag_dict(tags: Any) -> dict[str, str]:
    return {
        str(tag["Key"]): str(tag.get("Value", ""))
        for tag in tags or []
        if isinstance(tag, dict) and "Key" in tag
    }


def endpoint_tags(request: EndpointRequest) -> list[dict[str, str]]:
    tags = {
        MANAGED_TAG: "true",
        MODEL_ID_TAG: request.model_id,
        CREATOR_TAG: request.creator or "unknown",
        CONFIG_TAG: request.config.to_tag(),
    }
    if request.client_token:
        tags[CLIENT_TOKEN_TAG] = request.client_token
    if request.training_job:
        tags[TRAINING_JOB_TAG] = request.training_job
    if request.auto_delete_idle_minutes is not None:
        tags[AUTO_DELETE_TAG] = str(request.auto_delete_idle_minutes)
    return [{"Key": key, "Value": tag_value(value)} for key, value in tags.items()]


def training_tags(request: TrainingRequest) -> list[dict[str, str]]:
    values = {
        MANAGED_TAG: "true",
        MODEL_ID_TAG: request.model_id,
        CREATOR_TAG: request.creator or "unknown",
        CLIENT_TOKEN_TAG: request.client_token or "",
    }
    return [{"Key": key, "Value": tag_value(values[key])} for key in TRAINING_JOB_TAGS if values.get(key)]


def tags_of(aws: AwsSession, arn: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    params: dict[str, Any] = {"ResourceArn": arn}
    while True:
        page = aws.call("sagemaker", "list_tags", **params)
        tags.update(tag_dict(page.get("Tags")))
        if not page.get("NextToken"):
            return tags
        params["NextToken"] = page["NextToken"]


def search_ours(
    aws: AwsSession,
    resource: str,
    filters: list[dict[str, str]],
    *,
    max_results: int = 100,
    pages: bool = True,
) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
    """Each ``resource`` ("Endpoint", "TrainingJob") record the search finds, with its tags, that carries
    our managed tag (every page, unless ``pages`` is false)."""
    params: dict[str, Any] = {
        "Resource": resource,
        "SearchExpression": {"Filters": filters},
        "MaxResults": max_results,
    }
    while True:
        page = aws.call("sagemaker", "search", **params)
        for result in page.get("Results") or []:
            record = result.get(resource) or {}
            tags = tag_dict(record.get("Tags"))
            # Re-check the tag: neither moto nor an API change may make us adopt others' resources.
            if not record.get(f"{resource}Name") or tags.get(MANAGED_TAG) != "true":
                continue
            yield record, tags
        token = page.get("NextToken")
        if not token or not pages:
            break
        params["NextToken"] = token


def metric_points(aws: AwsSession, params: dict[str, Any]) -> Iterator[tuple[str, datetime, float]]:
    """Each datapoint of a GetMetricData call as (query id, UTC time, value), over at most
    ``MAX_METRIC_PAGES`` pages."""
    for _page in range(MAX_METRIC_PAGES):
        page = aws.call("cloudwatch", "get_metric_data", **params)
        for result in page.get("MetricDataResults") or []:
            query_id = str(result.get("Id"))
            stamps, values = result.get("Timestamps") or [], result.get("Values") or []
            for stamp, value in zip(stamps, values, strict=False):
                when = utc(stamp)
                if when is not None:
                    yield query_id, when, float(value)
        if not page.get("NextToken"):
            break
        params["NextToken"] = page["NextToken"]


def describe_ours(
    aws: AwsSession, resource: str, name: str, not_ours: NotFound
) -> tuple[dict[str, Any], dict[str, str]]:
    """``Describe<resource>`` (``Endpoint``, ``TrainingJob``) and its tags; ``not_ours`` (a 404) when it is
    absent, deleted between the two calls, or lacks our managed tag."""
    try:
        described = aws.call("sagemaker", _DESCRIBE[resource], **{f"{resource}Name": name})
        tags = tags_of(aws, str(described[f"{resource}Arn"]))
    except NotFound as err:
        raise not_ours from err
    if tags.get(MANAGED_TAG) != "true":
        raise not_ours
    return described, tags


def name_taken(aws: AwsSession, resource: str, name: str) -> bool:
    """Whether any ``resource`` (``Endpoint``, ``TrainingJob``) has this name, ours or not."""
    try:
        aws.call("sagemaker", _DESCRIBE[resource], **{f"{resource}Name": name})
    except NotFound:
        return False
    return True
