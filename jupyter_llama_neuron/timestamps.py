"""Timestamps as the services, backends and stores write and read them: aware UTC datetimes, ISO 8601 text."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def aware(value: datetime) -> datetime:
    """Backends should give aware datetimes; a naive one is taken as UTC rather than local time."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def iso(value: datetime | None) -> str | None:
    return aware(value).isoformat() if value is not None else None


def parse_time(value: Any) -> datetime | None:
    """A stored ISO 8601 timestamp; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
