"""Listing endpoints through the extension vs the cheapest direct AWS listing (goal: ratio <= 1.5).

Starts the in-process AWS emulator (tests/aws_emulator.py), creates N endpoints tagged as the extension tags
them (plus a few foreign, untagged ones), then times:

* service: ``EndpointService.list()``, what ``GET /endpoints`` runs (SageMaker backend, JSON views, prices);
* direct: one paginated, tag-filtered ``sagemaker.search`` with boto3 - the floor for "find our endpoints";
* naive (for reference): ``list_endpoints`` + ``list_tags`` per endpoint, what a tag filter saves.

Prints the medians and the ratio service/direct. No assertions. Usage:
    python benchmarks/bench_list_endpoints.py [--endpoints 50] [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# First on the path, even when an editable install lists it already: smdebug_rulesconfig (a sagemaker
# dependency) installs a top-level "tests" package into site-packages that would shadow ours.
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if entry != str(ROOT)]

# The repository root must be importable first (tests.aws_emulator), hence the late imports.
from jupyter_llama_neuron.backends.base import (  # noqa: E402
    CONFIG_TAG,
    CREATOR_TAG,
    MANAGED_TAG,
    MODEL_ID_TAG,
)
from tests.aws_emulator import AwsEmulator, ServerHandle  # noqa: E402

MODEL_ID = "meta-textgenerationneuron-llama-2-7b"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.24.0-neuronx-sdk2.14.1"


def populate(emulator: AwsEmulator, count: int, foreign: int) -> None:
    sm = emulator.client("sagemaker")
    tags = [
        {"Key": MANAGED_TAG, "Value": "true"},
        {"Key": MODEL_ID_TAG, "Value": MODEL_ID},
        {"Key": CREATOR_TAG, "Value": "bench"},
        {"Key": CONFIG_TAG, "Value": "ml.inf2.xlarge/1024/1/2/fp16"},
    ]
    for index in range(count):
        name = f"bench-{index:03d}"
        sm.create_model(
            ModelName=name, ExecutionRoleArn=emulator.role_arn, PrimaryContainer={"Image": IMAGE}, Tags=tags
        )
        sm.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": name,
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.inf2.xlarge",
                }
            ],
            Tags=tags,
        )
        sm.create_endpoint(EndpointName=name, EndpointConfigName=name, Tags=tags)
    for index in range(foreign):
        emulator.create_plain_endpoint(f"foreign-{index:03d}")


def direct_listing(sm: Any) -> int:
    found = 0
    params: dict[str, Any] = {
        "Resource": "Endpoint",
        "SearchExpression": {
            "Filters": [{"Name": f"Tags.{MANAGED_TAG}", "Operator": "Equals", "Value": "true"}]
        },
        "MaxResults": 100,
    }
    while True:
        page = sm.search(**params)
        found += len(page["Results"])
        if not page.get("NextToken"):
            return found
        params["NextToken"] = page["NextToken"]


def naive_listing(sm: Any) -> int:
    found = 0
    for summary in sm.get_paginator("list_endpoints").paginate().build_full_result()["Endpoints"]:
        tags = sm.list_tags(ResourceArn=summary["EndpointArn"])["Tags"]
        found += any(tag["Key"] == MANAGED_TAG and tag["Value"] == "true" for tag in tags)
    return found


async def timed(fns: list[Callable[[], Awaitable[int]]], runs: int) -> list[tuple[float, int]]:
    """Median seconds and result per function; runs alternate between the functions so that background load
    (e.g. the SageMaker SDK warming up on the backend's thread) weighs on all of them alike."""
    for fn in fns:
        await fn()  # warm-up: clients, service models, connection pools
    samples: list[list[float]] = [[] for _ in fns]
    found = [0 for _ in fns]
    for _ in range(runs):
        for index, fn in enumerate(fns):
            started = time.perf_counter()
            found[index] = await fn()
            samples[index].append(time.perf_counter() - started)
    return [(statistics.median(times), count) for times, count in zip(samples, found, strict=True)]


async def main(count: int, runs: int) -> None:
    handle = ServerHandle()
    emulator = handle.start()
    try:
        populate(emulator, count, foreign=5)
        from jupyter_llama_neuron.services import Services
        from jupyter_llama_neuron.settings import ExtensionSettings

        with tempfile.TemporaryDirectory() as data_dir:
            settings = ExtensionSettings(
                backend="sagemaker",
                region=emulator.region,
                role_arn=emulator.role_arn,
                data_dir=Path(data_dir),
            )
            services = Services.create(settings, log=logging.getLogger("bench"))
            try:

                async def service() -> int:
                    return len((await services.endpoints.list())["endpoints"])

                sm = emulator.client("sagemaker")

                async def direct() -> int:
                    return direct_listing(sm)

                async def naive() -> int:
                    return naive_listing(sm)

                (service_s, service_found), (direct_s, direct_found) = await timed([service, direct], runs)
                ((naive_s, naive_found),) = await timed([naive], max(3, runs // 4))
            finally:
                await services.close()
    finally:
        handle.stop()

    print(f"endpoints: {count} tagged + 5 foreign; runs: {runs} (median)")
    print(f"service  EndpointService.list()        {service_s * 1000:8.1f} ms  found {service_found}")
    print(f"direct   one tag-filtered Search       {direct_s * 1000:8.1f} ms  found {direct_found}")
    print(f"naive    ListEndpoints + ListTags each {naive_s * 1000:8.1f} ms  found {naive_found}")
    print(f"ratio service/direct: {service_s / direct_s:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.endpoints, args.runs))
