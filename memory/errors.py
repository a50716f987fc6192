"""Every error this package raises on purpose; all derive from `MemoryAgentError`."""

from __future__ import annotations


class MemoryAgentError(Exception):
    """Base class of every error this package raises on purpose."""


class InvalidInputError(MemoryAgentError, ValueError):
    """An argument was refused before anything was read or written."""


class MemoryNotFoundError(MemoryAgentError, LookupError):
    """The id is not one of this user's memories (another user's id counts as unknown)."""

    def __init__(self, memory_id: str, user_id: str) -> None:
        super().__init__(f"no memory {memory_id!r} for user {user_id!r}")
        self.memory_id = memory_id
        self.user_id = user_id


class MemoryDbError(MemoryAgentError):
    """The database could not be opened, read or written; nothing stored was changed."""


class EmbeddingMismatchError(MemoryAgentError):
    """The user's stored vectors come from another embedding model or dimension.

    Vectors of two models cannot be compared, so a search refuses to mix them;
    `memory-agent memories reembed` recomputes them. No memory is lost meanwhile.
    """


class EmbeddingUnavailableError(MemoryAgentError):
    """The embedding model failed, timed out, or returned something that is not vectors."""


class ModelConfigError(MemoryAgentError):
    """The chat model cannot be built: unknown provider, missing package, or no credentials."""


class MemoryModelError(MemoryAgentError):
    """The model call failed (provider error, timeout, no model); no memory was changed."""


class PendingClaimLostError(MemoryAgentError):
    """Another worker took or settled the pending messages a batch was learned from.

    The batch was not applied: those messages are that worker's to learn from, so
    each message is learned from once.
    """


class MemoryConflictError(MemoryAgentError):
    """The memory changed after the caller read it, so the replace based on that read was
    not applied (`ReplaceMemory.expected`); read it again and redo the change."""

    def __init__(self, memory_id: str, user_id: str) -> None:
        super().__init__(f"memory {memory_id!r} of user {user_id!r} changed since it was read")
        self.memory_id = memory_id
        self.user_id = user_id


class ThreadOwnershipError(MemoryAgentError):
    """The thread (session) belongs to another user: a thread is its first run's user's.

    Raised before any model call. The message names neither user, so it can be
    shown to whoever made the request.
    """

    def __init__(self) -> None:
        super().__init__("this session belongs to another user: start a session of your own")
