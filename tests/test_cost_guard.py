"""The cost guard: auto-delete against the AWS emulator and in local mode, restarts, REST (its arithmetic:
``test_idle_policy.py``).

Time is moved with the guard's injectable clock (real time + an offset) and checks run with explicit
``await guard.run_once()``; the one test of the periodic task uses a short interval and waits for an
outcome, never for a duration.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from tornado.httpclient import HTTPResponse

from jupyter_llama_neuron.backends.base import AUTO_DELETE_TAG, KEEP_UNTIL_TAG, MANAGED_TAG
from jupyter_llama_neuron.cost_guard import LOG_FILE
from jupyter_llama_neuron.services import Services
from jupyter_llama_neuron.settings import ExtensionSettings
from tests.rest_client import sagemaker_config
from tests.tiny_model import tiny_model_dir  # noqa: F401  (session fixture)

from .openapi_contract import assert_matches

if TYPE_CHECKING:
    from tests.aws_emulator import AwsEmulator, CallRecorder

pytest_plugins = ["tests.aws_emulator"]

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
API = ("llama-neuron", "api", "v1")


class Clock:
    """Real time plus an offset the test moves."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset


# -- SageMaker, against the emulator -------------------------------------------------------------------------


def sagemaker_services(emulator: AwsEmulator, data_dir: Path, **overrides: Any) -> Services:
    settings = ExtensionSettings(
        backend="sagemaker",
        region=emulator.region,
        role_arn=emulator.role_arn,
        data_dir=data_dir,
        aws_executor_workers=2,
        **overrides,
    )
    return Services.create(settings, log=logging.getLogger("cost-guard-test"))


@pytest.fixture
async def sm(aws_emulator: AwsEmulator, tmp_path: Path) -> AsyncIterator[tuple[Services, Clock]]:
    aws_emulator.state.endpoint_creating_polls = 0  # InService at once
    services = sagemaker_services(aws_emulator, tmp_path / "server")
    clock = Clock()
    services.cost_guard.clock = clock
    services.eula.accept(MODEL_7B, "alice")
    try:
        yield services, clock
    finally:
        await services.close()


def put_invocations(emulator: AwsEmulator, name: str, when: datetime, count: float = 1.0) -> None:
    emulator.client("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [
                    {"Name": "EndpointName", "Value": name},
                    {"Name": "VariantName", "Value": "AllTraffic"},
                ],
                "Timestamp": when,
                "Value": count,
            }
        ],
    )


def endpoint_exists(emulator: AwsEmulator, name: str) -> bool:
    sagemaker = emulator.client("sagemaker")
    return any(e["EndpointName"] == name for e in sagemaker.list_endpoints()["Endpoints"])


def tags_of(emulator: AwsEmulator, name: str) -> dict[str, str]:
    sagemaker = emulator.client("sagemaker")
    arn = sagemaker.describe_endpoint(EndpointName=name)["EndpointArn"]
    return {tag["Key"]: tag["Value"] for tag in sagemaker.list_tags(ResourceArn=arn)["Tags"]}


async def test_an_idle_endpoint_is_warned_about_then_deleted_and_logged(
    sm: tuple[Services, Clock], aws_emulator: AwsEmulator, aws_calls: CallRecorder
) -> None:
    services, clock = sm
    guard = services.cost_guard
    made = await services.endpoints.create(
        {"model_id": MODEL_7B, "endpoint_name": "idle-one", "auto_delete_idle_minutes": 15}, "alice"
    )
    assert made["auto_delete_idle_minutes"] == 15
    assert tags_of(aws_emulator, "idle-one")[AUTO_DELETE_TAG] == "15"
    await services.endpoints.create({"model_id": MODEL_7B, "endpoint_name": "no-limit"}, "alice")
    # Not ours: untagged, and tagged with our limit but without the managed tag.
    aws_emulator.create_plain_endpoint("not-ours")
    aws_emulator.create_plain_endpoint("not-ours-tagged", tags=[{"Key": AUTO_DELETE_TAG, "Value": "5"}])

    aws_calls.clear()
    assert await guard.run_once() == []
    status = await guard.status()
    assert status["warnings"] == []
    assert status["total_hourly_burn"] == pytest.approx(2 * 0.99)
    assert_matches("CostGuard", status)
    # One GetMetricData for both of our endpoints, none for the others.
    metric_calls = aws_calls.of("GetMetricData")
    assert len(metric_calls) == 1
    queried = {
        dim["Value"]
        for query in metric_calls[0]["MetricDataQueries"]
        for dim in query["MetricStat"]["Metric"]["Dimensions"]
        if dim["Name"] == "EndpointName"
    }
    assert queried == {"idle-one", "no-limit"}
    query = metric_calls[0]["MetricDataQueries"][0]["MetricStat"]
    assert (query["Metric"]["Namespace"], query["Metric"]["MetricName"], query["Period"], query["Stat"]) == (
        "AWS/SageMaker",
        "Invocations",
        60,
        "Sum",
    )

    clock.offset = timedelta(minutes=20)  # idle 20 min with a 15 min limit: warned, not deleted yet
    assert await guard.run_once() == []
    status = await guard.status()
    assert [w["endpoint"] for w in status["warnings"]] == ["idle-one"]
    warning = status["warnings"][0]
    assert warning["auto_delete_idle_minutes"] == 15
    assert warning["idle_minutes"] >= 19
    assert datetime.fromisoformat(warning["deletes_at"]) > clock()

    clock.offset += timedelta(minutes=6)  # the warning period (5 min) has passed
    deleted = await guard.run_once()
    assert [entry["endpoint"] for entry in deleted] == ["idle-one"]
    assert not endpoint_exists(aws_emulator, "idle-one")
    for survivor in ("no-limit", "not-ours", "not-ours-tagged"):
        assert endpoint_exists(aws_emulator, survivor)
    assert "DeleteEndpoint" in aws_calls.operations()
    assert [p["EndpointName"] for p in aws_calls.of("DeleteEndpoint")] == ["idle-one"]

    status = await guard.status()
    assert [d["endpoint"] for d in status["deletions"]] == ["idle-one"]
    entry = status["deletions"][0]
    assert entry["price_per_hour"] == 0.99
    assert entry["auto_delete_idle_minutes"] == 15
    assert "15 min" in entry["reason"]
    log = json.loads((services.settings.data_dir / LOG_FILE).read_text())
    assert [e["endpoint"] for e in log] == ["idle-one"]
    assert status["total_hourly_burn"] == pytest.approx(0.99)


async def test_the_server_default_never_touches_endpoints_we_did_not_create(
    aws_emulator: AwsEmulator, tmp_path: Path
) -> None:
    aws_emulator.state.endpoint_creating_polls = 0
    services = sagemaker_services(aws_emulator, tmp_path / "server", auto_delete_idle_minutes=15)
    clock = Clock()
    services.cost_guard.clock = clock
    try:
        aws_emulator.create_plain_endpoint("someone-elses")
        aws_emulator.create_plain_endpoint(
            "looks-like-ours",
            tags=[{"Key": MANAGED_TAG, "Value": "no"}, {"Key": AUTO_DELETE_TAG, "Value": "5"}],
        )
        for hours in (1, 2, 3):
            clock.offset = timedelta(hours=hours)
            assert await services.cost_guard.run_once() == []
        status = await services.cost_guard.status()
        assert status["enabled"] is True
        assert status["default_idle_minutes"] == 15
        assert status["endpoints"] == []
        assert status["warnings"] == []
        assert endpoint_exists(aws_emulator, "someone-elses")
        assert endpoint_exists(aws_emulator, "looks-like-ours")
    finally:
        await services.close()


async def test_an_invoked_endpoint_is_kept(sm: tuple[Services, Clock], aws_emulator: AwsEmulator) -> None:
    services, clock = sm
    guard = services.cost_guard
    await services.endpoints.create(
        {"model_id": MODEL_7B, "endpoint_name": "busy", "auto_delete_idle_minutes": 15}, "alice"
    )
    for step in range(1, 6):
        clock.offset = timedelta(minutes=10 * step)
        put_invocations(aws_emulator, "busy", clock() - timedelta(minutes=2), count=3)
        assert await guard.run_once() == []
    status = await guard.status()
    assert status["warnings"] == []
    (entry,) = status["endpoints"]
    assert entry["idle_minutes"] is not None
    assert entry["idle_minutes"] <= 2.0
    assert entry["warning"] is False
    assert endpoint_exists(aws_emulator, "busy")
    listed = await services.endpoints.list()
    assert listed["endpoints"][0]["last_activity_at"] is not None


async def test_keep_survives_a_restart_and_postpones_the_deletion(
    sm: tuple[Services, Clock], aws_emulator: AwsEmulator, tmp_path: Path
) -> None:
    services, clock = sm
    guard = services.cost_guard
    await services.endpoints.create({"model_id": MODEL_7B, "endpoint_name": "kept"}, "alice")
    view = await guard.set_auto_delete("kept", {"idle_minutes": 30})
    assert (view["auto_delete_idle_minutes"], view["auto_delete_source"]) == (30, "endpoint")
    clock.offset = timedelta(minutes=40)
    await guard.run_once()
    assert [w["endpoint"] for w in (await guard.status())["warnings"]] == ["kept"]

    view = await guard.keep("kept", {"minutes": 60})
    keep_until = datetime.fromisoformat(view["keep_until"])
    assert keep_until == datetime.fromisoformat(tags_of(aws_emulator, "kept")[KEEP_UNTIL_TAG])
    assert view["warning"] is False
    assert (await guard.status())["warnings"] == []
    clock.offset += timedelta(minutes=20)
    assert await guard.run_once() == []
    assert endpoint_exists(aws_emulator, "kept")

    # A restarted server reads the limit and the deadline back from the tags.
    restarted = sagemaker_services(aws_emulator, tmp_path / "restarted")
    restarted.cost_guard.clock = clock
    try:
        (again,) = (await restarted.endpoints.list())["endpoints"]
        assert again["auto_delete_idle_minutes"] == 30
        assert again["auto_delete_source"] == "endpoint"
        assert datetime.fromisoformat(again["keep_until"]) == keep_until
        assert await restarted.cost_guard.run_once() == []
        (entry,) = (await restarted.cost_guard.status())["endpoints"]
        assert datetime.fromisoformat(entry["deletes_at"]) >= keep_until
        # Back to the server default (off): the tag is removed.
        view = await restarted.cost_guard.set_auto_delete("kept", {"idle_minutes": None})
        assert view["auto_delete_idle_minutes"] is None
        assert AUTO_DELETE_TAG not in tags_of(aws_emulator, "kept")
    finally:
        await restarted.close()


async def test_unreadable_activity_deletes_nothing(
    sm: tuple[Services, Clock], aws_emulator: AwsEmulator
) -> None:
    services, clock = sm
    await services.endpoints.create(
        {"model_id": MODEL_7B, "endpoint_name": "blind", "auto_delete_idle_minutes": 15}, "alice"
    )
    aws_emulator.inject_error("GetMetricData", "AccessDenied", "not allowed", status=403, times=None)
    for minutes in (30, 60, 90):
        clock.offset = timedelta(minutes=minutes)
        assert await services.cost_guard.run_once() == []
    status = await services.cost_guard.status()
    assert status["activity_known"] is False
    assert status["notes"]
    assert status["warnings"] == []
    assert endpoint_exists(aws_emulator, "blind")


async def test_the_periodic_task_deletes_and_stops(aws_emulator: AwsEmulator, tmp_path: Path) -> None:
    aws_emulator.state.endpoint_creating_polls = 0
    services = sagemaker_services(aws_emulator, tmp_path / "server", cost_guard_interval_s=0.02)
    clock = Clock()
    guard = services.cost_guard
    guard.clock = clock
    try:
        services.eula.accept(MODEL_7B, "alice")
        await services.endpoints.create(
            {"model_id": MODEL_7B, "endpoint_name": "looped", "auto_delete_idle_minutes": 15}, "alice"
        )
        clock.offset = timedelta(minutes=20)
        guard.start()
        assert guard.running
        await wait_until(lambda: "looped" in guard.warned)
        clock.offset += timedelta(minutes=10)
        await wait_until(lambda: not endpoint_exists(aws_emulator, "looped"))
        await guard.stop()
        assert not guard.running
    finally:
        await services.close()


async def wait_until(predicate: Callable[[], Any], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


# -- REST ----------------------------------------------------------------------------------------------------


@pytest.fixture
def llama_neuron_config(tmp_path: Path, aws_emulator: AwsEmulator) -> dict[str, Any]:
    return sagemaker_config(tmp_path, aws_emulator, auto_delete_idle_minutes=60)


async def call(jp_fetch: Any, method: str, *path: str, body: Any = None) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response: HTTPResponse = await jp_fetch(*API, *path, **kwargs)
    return response.code, json.loads(response.body) if response.body else None


async def test_rest_contract(jp_fetch: Any, aws_emulator: AwsEmulator, aws_calls: CallRecorder) -> None:
    aws_emulator.state.endpoint_creating_polls = 0
    code, _ = await call(jp_fetch, "POST", "models", MODEL_7B, "eula", body={"accept": True})
    assert code == 200
    aws_calls.clear()
    code, error = await call(
        jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, "auto_delete_idle_minutes": 2}
    )
    assert (code, error["error"]["code"]) == (400, "InvalidAutoDelete")
    assert aws_calls.calls == []

    code, made = await call(
        jp_fetch, "POST", "endpoints", body={"model_id": MODEL_7B, "endpoint_name": "rest-one"}
    )
    assert code == 202, made
    assert_matches("Endpoint", made)
    assert (made["auto_delete_idle_minutes"], made["auto_delete_source"]) == (60, "server")

    code, view = await call(jp_fetch, "PUT", "endpoints", "rest-one", "auto-delete", body={"idle_minutes": 0})
    assert code == 200, view
    assert_matches("Endpoint", view)
    assert view["auto_delete_idle_minutes"] is None
    assert view["auto_delete_source"] == "endpoint"
    for bad in ({"idle_minutes": 3}, {"idle_minutes": "30"}, {"minutes": 30}, {}):
        code, error = await call(jp_fetch, "PUT", "endpoints", "rest-one", "auto-delete", body=bad)
        assert code == 400, (bad, error)
    code, error = await call(jp_fetch, "PUT", "endpoints", "nope", "auto-delete", body={"idle_minutes": 30})
    assert code == 404
    aws_emulator.create_plain_endpoint("not-ours")
    code, error = await call(jp_fetch, "POST", "endpoints", "not-ours", "keep", body={"minutes": 30})
    assert code == 404
    assert KEEP_UNTIL_TAG not in tags_of(aws_emulator, "not-ours")

    code, view = await call(jp_fetch, "POST", "endpoints", "rest-one", "keep", body={"minutes": 90})
    assert code == 200, view
    assert view["keep_until"] is not None
    code, error = await call(jp_fetch, "POST", "endpoints", "rest-one", "keep", body={"minutes": 0})
    assert code == 400

    code, status = await call(jp_fetch, "GET", "cost-guard")
    assert code == 200, status
    assert_matches("CostGuard", status)
    assert status["enabled"] is True
    assert status["default_idle_minutes"] == 60
    assert status["total_hourly_burn"] == pytest.approx(0.99)
    assert [e["name"] for e in status["endpoints"]] == ["rest-one"]


async def test_the_extension_start_hook_runs_the_guard_and_stop_ends_it(jp_serverapp: Any) -> None:
    point = jp_serverapp.extension_manager.extensions["jupyter_llama_neuron"].extension_points[
        "jupyter_llama_neuron"
    ]
    app = point.app
    services: Services = jp_serverapp.web_app.settings["jupyter_llama_neuron.services"]
    await app._start_jupyter_server_extension(jp_serverapp)
    assert services.cost_guard.running
    await app.stop_extension()
    assert not services.cost_guard.running


# -- local mode, with the tiny model -------------------------------------------------------------------------


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.2)


async def test_local_mode_invoke_resets_the_idle_clock_and_records_survive_a_restart(
    tmp_path: Path,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    settings = ExtensionSettings(
        backend="local",
        data_dir=tmp_path / "data",
        local_model_paths={MODEL_7B: str(tiny_model_dir)},
        local_torch_threads=1,
    )
    services = Services.create(settings, log=logging.getLogger("cost-guard-local"))
    clock = Clock()
    guard = services.cost_guard
    guard.clock = clock
    try:
        services.eula.accept(MODEL_7B, "alice")
        await services.endpoints.create(
            {"model_id": MODEL_7B, "endpoint_name": "tiny", "auto_delete_idle_minutes": 15}, "alice"
        )

        async def in_service() -> bool:
            return bool((await services.endpoints.describe("tiny"))["status"] == "InService")

        await wait_for(in_service)
        clock.offset = timedelta(minutes=20)
        assert await guard.run_once() == []
        assert [w["endpoint"] for w in (await guard.status())["warnings"]] == ["tiny"]

        answer = await services.endpoints.invoke(
            "tiny", {"inputs": "Hello", "parameters": {"max_new_tokens": 2}}
        )
        assert "generated_text" in answer
        clock.offset = timedelta(minutes=1)  # one minute after the invocation
        assert await guard.run_once() == []
        view = await services.endpoints.describe("tiny")
        assert view["idle_minutes"] is not None
        assert view["idle_minutes"] <= 1.5
        assert view["warning"] is False
        assert view["price_per_hour"] is None  # local mode bills nothing

        kept = await guard.keep("tiny", {"minutes": 45})
        record = json.loads((settings.data_dir / "local" / "endpoints" / "tiny.json").read_text())
        assert record["auto_delete_idle_minutes"] == 15
        assert datetime.fromisoformat(record["keep_until"]) == datetime.fromisoformat(kept["keep_until"])

        # Idle again past the limit: warned, then deleted after the warning period.
        clock.offset = timedelta(minutes=50)
        assert await guard.run_once() == []
        clock.offset = timedelta(minutes=56)
        deleted = await guard.run_once()
        assert [d["endpoint"] for d in deleted] == ["tiny"]
        assert deleted[0]["backend"] == "local"
        assert (await services.endpoints.list())["endpoints"] == []
    finally:
        await services.close()

    restarted = Services.create(settings, log=logging.getLogger("cost-guard-local-2"))
    try:
        status = await restarted.cost_guard.status()
        assert [d["endpoint"] for d in status["deletions"]] == ["tiny"]
    finally:
        await restarted.close()


async def test_local_records_keep_the_settings_across_a_restart(tmp_path: Path) -> None:
    settings = ExtensionSettings(backend="local", data_dir=tmp_path / "data")
    folder = settings.data_dir / "local" / "endpoints"
    folder.mkdir(parents=True)
    created = datetime.now(timezone.utc) - timedelta(hours=1)
    record = {
        "name": "old-one",
        "status": "Failed",  # no worker is started for it
        "model_id": MODEL_7B,
        "config": None,
        "created_at": created.isoformat(),
        "auto_delete_idle_minutes": 30,
        "keep_until": None,
    }
    (folder / "old-one.json").write_text(json.dumps(record))
    first = Services.create(settings)
    try:
        until = datetime.now(timezone.utc) + timedelta(minutes=30)
        view = await first.cost_guard.keep("old-one", {"minutes": 30})
        assert abs(datetime.fromisoformat(view["keep_until"]) - until) < timedelta(seconds=30)
    finally:
        await first.close()
    second = Services.create(settings)
    try:
        (listed,) = (await second.endpoints.list())["endpoints"]
        assert listed["auto_delete_idle_minutes"] == 30
        assert listed["keep_until"] == view["keep_until"]
        assert listed["idle_minutes"] is None  # not InService: not guarded
    finally:
        await second.close()


# -- training jobs stop by themselves ---------------------------------------------------------------------


async def test_a_local_training_job_stops_at_its_max_runtime(
    tmp_path: Path,
    tiny_model_dir: Path,  # noqa: F811
) -> None:
    from tests.test_training_local import make_backend, store_dataset, training_request, wait_job

    backend = make_backend(tmp_path, tiny_model_dir)
    try:
        uri = store_dataset(tmp_path)
        request = dataclasses.replace(training_request("runaway", uri, max_steps="100000"), max_runtime_s=1)
        await backend.create_training_job(request)
        job = await wait_job(backend, "runaway", lambda j: j.status in ("Completed", "Failed", "Stopped"))
        assert job.status == "Stopped"
        assert job.secondary_status == "MaxRuntimeExceeded"
        assert job.max_runtime_s == 1
        assert job.output_model is None
    finally:
        await backend.close()
