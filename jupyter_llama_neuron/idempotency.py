"""Idempotent creates by client token, shared by endpoints and training jobs.

A retried create with the same ``client_token`` answers with what the first request made instead of making it
again; the token is found in this server's memory and, after a restart, on the resource itself (its tag).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Collection, Iterable
from typing import Any, Protocol, TypeVar

from .errors import BadRequest, Conflict

CLIENT_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Tokened(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def client_token(self) -> str | None: ...


R = TypeVar("R", bound=Tokened)


def check_optional_strings(body: dict[str, Any], fields: Iterable[str]) -> None:
    """Each of these fields, when present and not null, is a string (400 otherwise)."""
    for field in fields:
        if body.get(field) is not None and not isinstance(body[field], str):
            raise BadRequest(f"{field} must be a string.", code="InvalidBody")


def check_client_token(token: str | None) -> str | None:
    if token is not None and not CLIENT_TOKEN_PATTERN.match(token):
        raise BadRequest(
            "client_token must be 1 to 64 letters, digits, '-' or '_'.",
            hint="Send a fresh random token per user action, e.g. a UUID.",
            code="InvalidClientToken",
        )
    return token


def unused_name(base: str, taken: Collection[str], max_length: int) -> str:
    """``base``, or ``base-2``, ``base-3``… (cut to ``max_length``) when a resource has it (case-blind)."""
    name, suffix = base, 2
    while name.lower() in taken:  # two quick creates in the same second
        name = f"{base[: max_length - 1 - len(str(suffix))]}-{suffix}"
        suffix += 1
    return name


class ClientTokens:
    """One lock for creates and the client_token -> resource name map, for this server's lifetime."""

    def __init__(self, what: str, new_hint: str) -> None:
        self.what = what  # "endpoint", "training job"
        self.new_hint = new_hint  # what a new token would do
        self.lock = asyncio.Lock()
        self.names: dict[str, str] = {}

    def find(self, token: str, existing: Iterable[R], differs: Callable[[R], str | None]) -> R | None:
        """The resource an earlier request with this token made, if any (also found after a restart).

        ``differs`` says how the found resource was made differently from this request (what it was used
        to do), or None when it is the same request: a different one is a 409.
        """
        known = self.names.get(token)
        match = next((r for r in existing if r.client_token == token or r.name == known), None)
        if match is None:
            if known is not None:
                raise Conflict(
                    f"client_token {token} was used for {self.what} {known}, which no longer exists.",
                    hint=self.new_hint,
                    code="ClientTokenReused",
                )
            return None
        difference = differs(match)
        if difference is not None:
            raise Conflict(
                f"client_token {token} was already used to {difference}.",
                hint="Send a new client_token for a different request.",
                code="ClientTokenReused",
            )
        self.names[token] = match.name
        return match

    def remember(self, token: str | None, name: str) -> None:
        if token is not None:
            self.names[token] = name
