"""The records the library stores and returns, and the write operations on them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from memory.errors import InvalidInputError

MAX_MEMORY_CHARS = 2_000
"""A memory is one short fact; longer text is almost always a paste, not a fact."""
MAX_INPUT_CHARS = 20_000
"""The source text kept with a memory; callers trim longer conversations first."""
MAX_TOPICS = 20
MAX_TOPIC_CHARS = 100
MAX_USER_ID_CHARS = 256
MAX_MEMORY_ID_CHARS = 128
MAX_SESSION_ID_CHARS = 256
MAX_SUMMARY_CHARS = 4_000
"""A session summary is a paragraph or two; the summary model is asked for far less."""


def utcnow() -> datetime:
    return datetime.now(UTC)


_UNUSABLE_IN_IDS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters (Unicode category Cc) and lone surrogates (Cs)."""


def validate_user_id(user_id: object) -> str:
    """Return `user_id` unchanged if usable: ids are opaque and compared byte for byte."""
    return _validate_owner(user_id, "user_id")


def validate_agent_id(agent_id: object) -> str | None:
    """Return `agent_id` unchanged if usable (None: no agent); the rules of user ids."""
    return None if agent_id is None else _validate_owner(agent_id, "agent_id")


def _validate_owner(value: object, name: str, max_chars: int = MAX_USER_ID_CHARS) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError(f"{name} must not be empty")
    if len(value) > max_chars:
        raise InvalidInputError(f"{name} is longer than {max_chars} characters")
    if _UNUSABLE_IN_IDS.search(value):
        raise InvalidInputError(f"{name} must not contain control characters or lone surrogates")
    return value


def utc(moment: datetime) -> datetime:
    """Every stored time is in UTC, so its ISO text sorts as time does; naive means UTC.

    A time whose UTC falls outside years 1 to 9999 (year 1 east of Greenwich, 9999
    west of it) is refused with `InvalidInputError`.
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:
        raise InvalidInputError(f"{moment.isoformat()} is outside what UTC can hold") from error


def later(moment: datetime, delta: timedelta) -> datetime:
    """`moment` (in UTC) plus `delta`; `InvalidInputError` past the year 9999."""
    try:
        return utc(moment) + delta
    except OverflowError as error:
        raise InvalidInputError(
            f"{delta} after {moment.isoformat()} is past the year 9999"
        ) from error


def expired(memory: UserMemory, now: datetime) -> bool:
    """Whether the memory's fact stopped being true by `now` (a UTC time)."""
    return memory.expires_at is not None and memory.expires_at <= now


def validate_session_id(session_id: object) -> str:
    """A session is a thread: its id is opaque, like a user id, and as strictly checked."""
    if not isinstance(session_id, str):
        raise InvalidInputError(f"session_id must be a string, got {type(session_id).__name__}")
    if not session_id.strip():
        raise InvalidInputError("session_id must not be empty")
    if len(session_id) > MAX_SESSION_ID_CHARS:
        raise InvalidInputError(f"session_id is longer than {MAX_SESSION_ID_CHARS} characters")
    if _UNUSABLE_IN_IDS.search(session_id):
        raise InvalidInputError("session_id must not contain control characters or lone surrogates")
    return session_id


def validate_thread_id(thread_id: object) -> str:
    """A thread id as pending messages key it; "" stands for a run without a thread."""
    if not isinstance(thread_id, str):
        raise InvalidInputError(f"thread_id must be a string, got {type(thread_id).__name__}")
    if len(thread_id) > MAX_USER_ID_CHARS:
        raise InvalidInputError(f"thread_id is longer than {MAX_USER_ID_CHARS} characters")
    if _UNUSABLE_IN_IDS.search(thread_id):
        raise InvalidInputError("thread_id must not contain control characters or lone surrogates")
    return thread_id


def storable_text(text: str) -> str:
    """`text` as every store can keep it: NUL dropped, lone surrogates replaced."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def validate_memory_id(memory_id: object) -> str:
    """Return `memory_id` unchanged if usable: the rules of user ids (no control characters,
    no lone surrogates), within `MAX_MEMORY_ID_CHARS`, the same on every backend."""
    return _validate_owner(memory_id, "memory_id", MAX_MEMORY_ID_CHARS)


STORABLE = r"^[^\x00]*$"
"""No NUL, which PostgreSQL's text cannot hold; lone surrogates, which no UTF-8 store can
hold, are refused by the same check, which pydantic-core runs on valid Unicode only."""


Topic = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_TOPIC_CHARS, pattern=STORABLE
    ),
]

Topics = Annotated[
    list[Topic],
    BeforeValidator(lambda value: [] if value is None else value),
    AfterValidator(lambda value: list(dict.fromkeys(value))),
    Field(max_length=MAX_TOPICS),
]
"""`None` means none; duplicates are dropped, order kept."""


class UserMemory(BaseModel):
    """One fact about a user, in the third person ("The user's name is Ava")."""

    model_config = ConfigDict(validate_assignment=True)

    memory: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=MAX_MEMORY_CHARS, pattern=STORABLE
        ),
    ]
    """The fact itself; surrounding whitespace is dropped."""
    topics: Topics = Field(default_factory=list)
    """Short labels such as "name" or "hobbies"; duplicates are dropped, order kept."""
    input: Annotated[
        str | None, StringConstraints(max_length=MAX_INPUT_CHARS, pattern=STORABLE)
    ] = None
    """The text the fact was taken from, when a model extracted it."""
    memory_id: str | None = None
    """Set by the store when the memory is added."""
    user_id: str | None = None
    """The owner; set by the store, never trusted from a model."""
    agent_id: str | None = None
    """The agent whose memory of the user this is; None for the memories every agent
    without an id shares. Set by the store, from the `Memory`'s `agent_id`."""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    expires_at: datetime | None = None
    """When the fact stops being true ("in Rome until Friday"); from then on the memory
    is never returned, searched, counted or shown to a model. None: it never expires.
    A time without a zone is UTC."""

    @field_validator("expires_at")
    @classmethod
    def _expiry_in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else utc(value)

    @property
    def last_updated(self) -> datetime | None:
        """Agno's name for `updated_at`."""
        return self.updated_at

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, timestamps as ISO 8601."""
        return self.model_dump(mode="json")


def stored_memories(rows: Iterable[dict[str, Any]]) -> list[UserMemory]:
    """Memories read back from a store that validated them when they were written: each
    of `rows` holds every field of `UserMemory`, with values of their types.

    Listing a user's memories builds one per row; validating each again would cost
    ten times the read itself. Each result is a full `UserMemory` (every field set,
    assignment still validated), as `model_construct` gives, without its per-field
    Python loop. The memories of one call share one set of set fields: as every field
    is in it, assigning one (which adds its name) leaves it as it is, and a set less
    per memory is a tenth less time for a thousand of them, mostly the collector's.
    """
    every_field = set(UserMemory.model_fields)
    built = []
    for fields in rows:
        memory = _new_memory(UserMemory)
        _set(memory, "__dict__", fields)
        _set(memory, "__pydantic_fields_set__", every_field)
        _set(memory, "__pydantic_extra__", None)
        _set(memory, "__pydantic_private__", None)
        built.append(memory)
    return built


_new_memory = UserMemory.__new__
_set = object.__setattr__


MemoryAction = Literal["added", "updated", "refreshed", "deleted", "cleared", "expired"]


class MemoryEvent(BaseModel):
    """One change to one memory, kept after the memory itself is gone."""

    memory_id: str
    user_id: str
    action: MemoryAction
    """`refreshed`: an add whose text the user already had; the existing memory was kept.
    `expired`: the memory passed its `expires_at` and was swept by a later write."""
    old_memory: str | None = None
    new_memory: str | None = None
    old_topics: list[str] | None = None
    new_topics: list[str] | None = None
    source: str
    """Who made the change: "api", "cli", "manager", "agent", "import"."""
    input: str | None = None
    """The text that caused the change, when a model made it."""
    at: datetime
    agent_id: str | None = None
    """The agent scope of the memory (None: the user's shared memories)."""
    expires_at: datetime | None = None
    """The memory's expiry after the change (for a removal, the one it had); None: never."""

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class SessionSummary(BaseModel):
    """What one session (one thread) of a user has been about, as Agno's `SessionSummary`.

    Kept up to date after each run when the agent has `enable_session_summaries=True`,
    so the model still knows what left its window of recent runs.
    """

    model_config = ConfigDict(validate_assignment=True)

    summary: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=MAX_SUMMARY_CHARS, pattern=STORABLE
        ),
    ]
    topics: Topics = Field(default_factory=list)
    session_id: str | None = None
    """Set by the store: the thread the summary is of."""
    user_id: str | None = None
    """The owner; set by the store."""
    runs: int = Field(0, ge=0)
    """How many of the session's runs it covers: the next update reads the runs after them."""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def last_updated(self) -> datetime | None:
        """Agno's name for `updated_at`."""
        return self.updated_at

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


SummaryAction = Literal["created", "updated", "deleted"]


class SummaryEvent(BaseModel):
    """One change to one session summary, kept after the summary is deleted."""

    session_id: str
    user_id: str
    action: SummaryAction
    old_summary: str | None = None
    new_summary: str | None = None
    old_topics: list[str] | None = None
    new_topics: list[str] | None = None
    source: str
    """Who made the change: "api", "cli", "agent"."""
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class AddMemory:
    memory: UserMemory


@dataclass(frozen=True)
class ReplaceMemory:
    memory_id: str
    memory: UserMemory
    expected: UserMemory | None = None
    """The memory as the caller read it, when the new one was derived from it: the batch
    fails (`MemoryConflictError`) if the stored text, topics or expiry differ by then,
    so a read-modify-write never overwrites a change made in between."""


@dataclass(frozen=True)
class DeleteMemory:
    memory_id: str


@dataclass(frozen=True)
class ClearMemories:
    """Every memory of the batch's user, and nobody else's."""


MemoryOp = AddMemory | ReplaceMemory | DeleteMemory | ClearMemories


@dataclass(frozen=True)
class PendingMessage:
    """A user message whose memories are still to be learned (deferred extraction)."""

    message_id: str
    """Unique within its thread: recording a message twice keeps it once."""
    text: str
    at: datetime


@dataclass(frozen=True)
class PendingThread:
    """A thread of one user with messages still to be learned from."""

    user_id: str
    thread_id: str
    messages: int
    last_at: datetime
    """When its newest pending message was recorded: the debounce counts from here."""
    claimed_until: datetime | None
    """Until when a worker holds the claim it last took on them, if any."""


@dataclass(frozen=True)
class PendingClaim:
    """Pending messages one worker took to learn from, to settle with the batch it applies."""

    thread_id: str
    token: str
    message_ids: tuple[str, ...]


@dataclass(frozen=True)
class WriteContext:
    """Where a batch of writes came from, recorded in each memory's history."""

    source: str = "api"
    input: str | None = None
    at: datetime = field(default_factory=utcnow)
    settles: PendingClaim | None = None
    """Pending messages this batch was learned from: they stop being pending in the
    batch's transaction, and the batch fails whole (`PendingClaimLostError`) when
    another worker has taken or settled them meanwhile."""


@dataclass(frozen=True)
class EraseResult:
    """What `Memory.erase_user` removed of one user, counted per kind."""

    memories: int = 0
    """Memories, of every agent scope, expired ones included."""
    memory_history: int = 0
    """History events of those memories (with the text they held)."""
    vectors: int = 0
    session_summaries: int = 0
    summary_history: int = 0
    pending_messages: int = 0
    """Messages kept for deferred extraction, not yet learned from."""
    threads: int = 0
    """Threads (sessions) the user owned."""
    checkpoints: int = 0
    """Checkpoints of those threads, where the sessions live beside the memories."""
    archived_runs: int = 0
    """Runs of those threads in the session archive."""
