"""Who is calling: API keys for `memory-agent serve`, LangGraph Server's identity when mounted.

A key is an admin key, or bound to one user (and optionally one agent scope); a
user key reaches that user's memories only, whatever the path, query or body
says. Keys come from `MEMORY_AGENT_API_KEYS` (JSON text) and/or a JSON file
(`MEMORY_AGENT_API_KEYS_FILE`, `serve --keys FILE`), in one format::

    {"keys": [
      {"key": "admin-secret", "admin": true},
      {"key": "alice-secret", "user_id": "alice"},
      {"key": "bot-secret", "user_id": "alice", "agent_id": "support",
       "expires_at": "2027-01-01T00:00:00Z"}
    ]}

Only a SHA-256 digest of each key is kept in memory. With no key configured the
app is open: every caller is an admin (and `serve` listens on 127.0.0.1 only).

Mounted in LangGraph Server with `"enable_custom_route_auth": true`, the identity
the deployment's `Auth` returned decides instead: its `identity` is the user, a
`memory:admin` permission makes an admin, and a `memory:agent:<id>` permission
binds the caller to that agent scope.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Self

from fastapi import HTTPException, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, model_validator

from memory.errors import InvalidInputError
from memory.schema import utc, utcnow, validate_agent_id, validate_user_id

KEYS_ENV = "MEMORY_AGENT_API_KEYS"
KEYS_FILE_ENV = "MEMORY_AGENT_API_KEYS_FILE"
ADMIN_PERMISSION = "memory:admin"
AGENT_PERMISSION_PREFIX = "memory:agent:"


@dataclass(frozen=True)
class Principal:
    """The caller: an admin, or one user's key (optionally of one agent scope)."""

    admin: bool
    user_id: str | None
    agent_id: str | None


ADMIN = Principal(admin=True, user_id=None, agent_id=None)


class ApiKey(BaseModel):
    """One entry of the keys file: `admin: true`, or a `user_id` (and maybe an `agent_id`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Annotated[str, AfterValidator(lambda key: _long_enough(key))]
    admin: bool = False
    user_id: Annotated[str | None, AfterValidator(validate_optional_user_id)] = None
    agent_id: Annotated[str | None, AfterValidator(validate_agent_id)] = None
    expires_at: datetime | None = None

    @model_validator(mode="after")
    def _admin_or_user(self) -> Self:
        if self.admin == (self.user_id is not None):
            raise ValueError("a key is either admin: true or bound to a user_id, not both")
        if self.admin and self.agent_id is not None:
            raise ValueError("an admin key takes no agent_id")
        return self

    def principal(self) -> Principal:
        return Principal(admin=self.admin, user_id=self.user_id, agent_id=self.agent_id)


def validate_optional_user_id(user_id: str | None) -> str | None:
    return None if user_id is None else validate_user_id(user_id)


def _long_enough(key: str) -> str:
    if len(key) < 16:
        raise ValueError("a key must be at least 16 characters long")
    return key


class _KeysFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: list[ApiKey]


def _entries(text: str, source: str) -> list[ApiKey]:
    try:
        return _KeysFile.model_validate(json.loads(text)).keys
    except (ValueError, ValidationError) as error:
        raise InvalidInputError(f"{source} are not valid: {error}") from None


def _file_entries(path: str | Path) -> list[ApiKey]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInputError(f"cannot read the keys file {path}: {error}") from None
    return _entries(text, f"the keys in {path}")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class ApiKeys:
    """The configured keys, looked up by digest; empty means the app is open."""

    def __init__(self, keys: list[ApiKey] | None = None) -> None:
        self._by_digest: dict[str, ApiKey] = {}
        for entry in keys or []:
            digest = _digest(entry.key)
            if digest in self._by_digest:
                raise InvalidInputError("the same API key is configured twice")
            self._by_digest[digest] = entry.model_copy(update={"key": ""})

    @classmethod
    def parse(cls, text: str, source: str = "API keys") -> ApiKeys:
        """Keys from JSON text: `{"keys": [...]}` (see the module docstring)."""
        return cls(_entries(text, source))

    @classmethod
    def from_file(cls, path: str | Path) -> ApiKeys:
        return cls(_file_entries(path))

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, keys_file: str | Path | None = None
    ) -> ApiKeys:
        """The keys of `MEMORY_AGENT_API_KEYS` and of `keys_file` (else of the file
        `MEMORY_AGENT_API_KEYS_FILE` names), together."""
        environ = os.environ if environ is None else environ
        entries: list[ApiKey] = []
        if text := environ.get(KEYS_ENV, "").strip():
            entries += _entries(text, f"the keys in ${KEYS_ENV}")
        keys_file = keys_file or environ.get(KEYS_FILE_ENV) or None
        if keys_file is not None:
            entries += _file_entries(keys_file)
        return cls(entries)

    def __bool__(self) -> bool:
        return bool(self._by_digest)

    def principal_of(self, key: str, now: datetime) -> Principal:
        """The caller a key names; 401 when it is unknown or expired."""
        entry = self._by_digest.get(_digest(key))
        if entry is None:
            raise _unauthorized("unknown API key")
        if entry.expires_at is not None and utc(entry.expires_at) <= now:
            raise _unauthorized("the API key has expired")
        return entry.principal()


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def _presented_key(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("x-api-key") or None


def principal(request: Request) -> Principal:
    """The caller of `request`: by API key when keys are configured, else by the identity
    LangGraph Server authenticated, else (an open app) an admin."""
    keys: ApiKeys = request.app.state.keys
    if keys:
        key = _presented_key(request)
        if key is None:
            raise _unauthorized("an API key is required: Authorization: Bearer <key>")
        return keys.principal_of(key, utcnow())
    user = request.scope.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        return _principal_of_identity(user)
    if request.app.state.requires_identity:
        raise _unauthorized(
            "the deployment authenticates its users: set http.enable_custom_route_auth in "
            "langgraph.json so the memory routes see who is calling"
        )
    return ADMIN


def _principal_of_identity(user: Any) -> Principal:
    """LangGraph Server's authenticated user: `identity` is the user id."""
    permissions = list(getattr(user, "permissions", None) or [])
    if ADMIN_PERMISSION in permissions:
        return ADMIN
    agents = [p.removeprefix(AGENT_PERMISSION_PREFIX) for p in permissions]
    agents = [a for a, p in zip(agents, permissions, strict=True) if a != p]
    identity = getattr(user, "identity", "")
    try:
        return Principal(
            admin=False,
            user_id=validate_user_id(identity),
            agent_id=validate_agent_id(agents[0]) if agents else None,
        )
    except InvalidInputError as error:
        raise HTTPException(403, f"the authenticated identity is unusable: {error}") from None


def authorize(principal: Principal, user_id: str, agent_id: str | None) -> None:
    """Refuse (403) a user key reaching another user, or another agent scope than its own."""
    if principal.admin:
        return
    if user_id != principal.user_id:
        raise HTTPException(403, "this key may only reach its own user's memories")
    if principal.agent_id is not None and agent_id != principal.agent_id:
        raise HTTPException(403, "this key may only reach its own agent's memories")
