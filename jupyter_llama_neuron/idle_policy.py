"""The idle-time policy of the cost guard, as pure functions: limits, idle since, deadlines, warning periods,
the cost-guard fields of the endpoint JSON, and the REST inputs that set them.

Idle since = the later of creation and the last invocation; deletes at = the latest of idle since + limit,
keep-until, and the end of a warning period. The warning period is ``warn_before(limit)``: 5 minutes or 20 %
of the limit, whichever is longer, but at most half the limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .backends.base import Endpoint
from .errors import BadRequest
from .resource_rules import whole_number
from .settings import ExtensionSettings
from .timestamps import aware, iso

MIN_IDLE_MINUTES = 5  # CloudWatch reports invocations a minute or two late: shorter limits are unsafe
MAX_IDLE_MINUTES = 7 * 24 * 60
MAX_KEEP_MINUTES = 7 * 24 * 60
WARN_BEFORE = timedelta(minutes=5)
WARN_FRACTION = 0.2
# How far back activity is read: the longest limit plus a margin, within these bounds.
LOOKBACK_MIN = timedelta(hours=3)
LOOKBACK_MAX = timedelta(hours=24)
LOOKBACK_MARGIN = timedelta(minutes=10)
GUARDED_STATUSES = frozenset({"InService"})


# ------------------------------------------------------------------------------------------------------------
# The arithmetic (pure functions)


def default_idle_minutes(settings: ExtensionSettings) -> int:
    """The server-wide limit: 0 (off) or at least ``MIN_IDLE_MINUTES``."""
    value = int(settings.auto_delete_idle_minutes or 0)
    if value <= 0:
        return 0
    return min(MAX_IDLE_MINUTES, max(MIN_IDLE_MINUTES, value))


def effective_idle_minutes(endpoint_minutes: int | None, default_minutes: int) -> int | None:
    """The endpoint's own setting wins (0 = never); without one, the server default. None = never."""
    value = default_minutes if endpoint_minutes is None else endpoint_minutes
    return value if value > 0 else None


def warn_before(limit_minutes: int) -> timedelta:
    """How long before deletion the warning starts: 5 min or 20 % of the limit (the longer), at most half."""
    limit = timedelta(minutes=limit_minutes)
    return min(limit / 2, max(WARN_BEFORE, limit * WARN_FRACTION))


def idle_since(
    created_at: datetime, last_activity: datetime | None, window_start: datetime | None
) -> tuple[datetime, bool]:
    """When the endpoint last did something, and whether that is only a lower bound.

    Without an invocation inside the activity window, all we know is "idle since at least the window
    start" (or since creation, when that is later)."""
    created = aware(created_at)
    if last_activity is not None:
        return max(created, aware(last_activity)), False
    if window_start is not None and aware(window_start) > created:
        return aware(window_start), True
    return created, False


def deletion_deadline(
    since: datetime,
    limit_minutes: int,
    keep_until: datetime | None,
    warned_at: datetime | None,
    now: datetime,
) -> datetime:
    """idle since + limit, not before keep-until, and never before a full warning period has passed."""
    deadline = since + timedelta(minutes=limit_minutes)
    if keep_until is not None:
        deadline = max(deadline, aware(keep_until))
    return max(deadline, (warned_at or now) + warn_before(limit_minutes))


def in_warning(deadline: datetime, limit_minutes: int, now: datetime) -> bool:
    return deadline - now <= warn_before(limit_minutes)


def guard_fields(
    endpoint: Endpoint,
    *,
    default_minutes: int,
    known: bool,
    last_activity: datetime | None,
    window_start: datetime | None,
    warned_at: datetime | None,
    now: datetime,
    in_service_at: datetime | None = None,
) -> dict[str, Any]:
    """The cost-guard part of the endpoint JSON. The idle clock starts when the endpoint became InService
    (``in_service_at``; creation when unknown), not at creation: SageMaker takes 15-25 minutes to create one.

    ``known``: whether the endpoint's activity has been read (on SageMaker only after a guard check; local
    records always know). Unknown activity shows no idle time and no deadline - and is never acted on."""
    limit = effective_idle_minutes(endpoint.auto_delete_idle_minutes, default_minutes)
    fields: dict[str, Any] = {
        "idle_minutes": None,
        "idle_capped": False,
        "last_activity_at": iso(last_activity),
        "auto_delete_idle_minutes": limit,
        "auto_delete_source": "server" if endpoint.auto_delete_idle_minutes is None else "endpoint",
        "keep_until": iso(endpoint.keep_until),
        "deletes_at": None,
        "warning": False,
    }
    if endpoint.status not in GUARDED_STATUSES or not known:
        return fields
    since, capped = idle_since(in_service_at or endpoint.created_at, last_activity, window_start)
    fields["idle_minutes"] = round(max(0.0, (now - since).total_seconds()) / 60.0, 1)
    fields["idle_capped"] = capped
    if limit is not None:
        deadline = deletion_deadline(since, limit, endpoint.keep_until, warned_at, now)
        fields["deletes_at"] = iso(deadline)
        fields["warning"] = in_warning(deadline, limit, now)
    return fields


# ------------------------------------------------------------------------------------------------------------
# REST input


def parse_idle_minutes(value: Any, field_name: str = "idle_minutes") -> int | None:
    """None (the server default), 0 (never) or MIN_IDLE_MINUTES..MAX_IDLE_MINUTES; else 400."""
    if value is None:
        return None
    number = whole_number(value)
    if (
        number is None
        or (number != 0 and not MIN_IDLE_MINUTES <= number <= MAX_IDLE_MINUTES)
    ):
        raise BadRequest(
            f"{field_name} must be null (the server default), 0 (never) or a whole number of minutes from "
            f"{MIN_IDLE_MINUTES} to {MAX_IDLE_MINUTES}.",
            hint="For example 60: delete the endpoint after an hour without invocations.",
            code="InvalidAutoDelete",
        )
    return number


def parse_keep_minutes(value: Any) -> int:
    number = whole_number(value)
    if number is None or not 1 <= number <= MAX_KEEP_MINUTES:
        raise BadRequest(
            f"minutes must be a whole number from 1 to {MAX_KEEP_MINUTES}.",
            hint="For example 60: keep the endpoint for at least another hour.",
            code="InvalidKeep",
        )
    return number


def only_fields(body: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.", code="InvalidBody")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(
            f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}.",
            code="InvalidBody",
        )
    return body
