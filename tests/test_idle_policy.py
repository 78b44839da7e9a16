"""The cost guard's arithmetic (``idle_policy``, ``billing``) as pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from jupyter_llama_neuron.backends.base import Endpoint
from jupyter_llama_neuron.billing import hourly_burn
from jupyter_llama_neuron.errors import BadRequest
from jupyter_llama_neuron.idle_policy import (
    default_idle_minutes,
    deletion_deadline,
    effective_idle_minutes,
    guard_fields,
    idle_since,
    in_warning,
    parse_idle_minutes,
    parse_keep_minutes,
    warn_before,
)
from jupyter_llama_neuron.settings import ExtensionSettings

MODEL_7B = "meta-textgenerationneuron-llama-2-7b"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def endpoint(
    name: str = "e1",
    *,
    status: str = "InService",
    created_at: datetime = T0,
    minutes: int | None = None,
    keep_until: datetime | None = None,
    backend: str = "sagemaker",
) -> Endpoint:
    return Endpoint(
        name=name,
        status=status,
        model_id=MODEL_7B,
        config=None,
        created_at=created_at,
        backend=backend,  # type: ignore[arg-type]
        auto_delete_idle_minutes=minutes,
        keep_until=keep_until,
    )



def test_limits_endpoint_setting_wins_over_the_server_default() -> None:
    assert effective_idle_minutes(None, 0) is None
    assert effective_idle_minutes(None, 60) == 60
    assert effective_idle_minutes(0, 60) is None  # explicitly never
    assert effective_idle_minutes(15, 0) == 15
    assert default_idle_minutes(ExtensionSettings(auto_delete_idle_minutes=0)) == 0
    assert default_idle_minutes(ExtensionSettings(auto_delete_idle_minutes=-3)) == 0
    assert default_idle_minutes(ExtensionSettings(auto_delete_idle_minutes=2)) == 5  # CloudWatch lag
    assert default_idle_minutes(ExtensionSettings(auto_delete_idle_minutes=90)) == 90


def test_warning_window_is_five_minutes_or_a_fifth_at_most_half() -> None:
    assert warn_before(15) == timedelta(minutes=5)
    assert warn_before(60) == timedelta(minutes=12)
    assert warn_before(120) == timedelta(minutes=24)
    assert warn_before(5) == timedelta(minutes=2.5)
    deadline = T0 + timedelta(minutes=15)
    assert not in_warning(deadline, 15, T0 + timedelta(minutes=9))
    assert in_warning(deadline, 15, T0 + timedelta(minutes=10))


def test_idle_since_and_the_deadline() -> None:
    assert idle_since(T0, None, None) == (T0, False)
    later = T0 + timedelta(minutes=42)
    assert idle_since(T0, later, T0 - timedelta(hours=3)) == (later, False)
    # No invocation inside the window read: idle since at least the window start.
    window = T0 + timedelta(hours=2)
    assert idle_since(T0, None, window) == (window, True)
    now = T0 + timedelta(minutes=100)
    assert deletion_deadline(T0, 60, None, T0 + timedelta(minutes=48), now) == T0 + timedelta(minutes=60)
    keep = T0 + timedelta(minutes=90)
    assert deletion_deadline(T0, 60, keep, None, T0) == keep
    # Never before a full warning period after the guard first saw it in warning (restart, lowered limit).
    assert deletion_deadline(T0, 60, None, None, now) == now + timedelta(minutes=12)
    assert deletion_deadline(T0, 60, None, now, now) == now + timedelta(minutes=12)


def test_cost_arithmetic() -> None:
    assert hourly_burn([15.58, 0.99, None, 2.36]) == pytest.approx(18.93)
    assert hourly_burn([]) == 0.0
    now = T0 + timedelta(minutes=30)
    fields = guard_fields(
        endpoint(minutes=60),
        default_minutes=0,
        known=True,
        last_activity=T0 + timedelta(minutes=10),
        window_start=None,
        warned_at=None,
        now=now,
    )
    assert fields["idle_minutes"] == 20.0
    assert fields["auto_delete_idle_minutes"] == 60
    assert fields["auto_delete_source"] == "endpoint"
    assert fields["deletes_at"] == (T0 + timedelta(minutes=70)).isoformat()
    assert fields["warning"] is False
    # Unknown activity (SageMaker before a check) and endpoints not InService: no idle time, no deadline.
    for unknown in (
        guard_fields(
            endpoint(),
            default_minutes=30,
            known=False,
            last_activity=None,
            window_start=None,
            warned_at=None,
            now=now,
        ),
        guard_fields(
            endpoint(status="Creating"),
            default_minutes=30,
            known=True,
            last_activity=None,
            window_start=None,
            warned_at=None,
            now=now,
        ),
    ):
        assert unknown["idle_minutes"] is None
        assert unknown["deletes_at"] is None
        assert unknown["auto_delete_idle_minutes"] == 30
        assert unknown["auto_delete_source"] == "server"


def test_rest_inputs_are_judged() -> None:
    assert parse_idle_minutes(None) is None
    assert parse_idle_minutes(0) == 0
    assert parse_idle_minutes(30) == 30
    bad_idle: tuple[object, ...] = (True, 3, -1, 1.5, "30", 10081)
    for bad in bad_idle:
        with pytest.raises(BadRequest):
            parse_idle_minutes(bad)
    assert parse_keep_minutes(1) == 1
    bad_keep: tuple[object, ...] = (0, None, False, 10081, "5")
    for value in bad_keep:
        with pytest.raises(BadRequest):
            parse_keep_minutes(value)


