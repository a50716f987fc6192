"""The storage protocol: where a new backend starts.

A backend stores memories, their history and their vectors, scoped by user and
`Scope` on every call; it never ranks. A scope is an agent partition (memories of
one user and one agent, or of the user alone) and the moment expiry is judged
at: a memory past its `expires_at` is never returned or counted by a read.
Session summaries are scoped by user alone; pending messages by user and agent. To write one,
subclass `MemoryDb` and implement:

- `apply`: one batch of operations as one transaction, planned by
  `memory.planner` (read what `reads_for` asks and the scope's expired
  memories, `plan_writes`, store the plan: it sweeps the expired ones);
- `get_memories`, `list_memories`, `history`, `user_ids`: reads;
- `set_vectors`, `vectors`, `unembedded`: embeddings, kept per memory and only
  while the text they were made from is unchanged;
- `write_summary`, `get_summaries`, `summary_history`: session summaries, one per
  user and session, with their history (rules: `memory.planner.plan_summary`);
- `add_pending`, `claim_pending`, `release_pending`, `pending_threads`,
  `drop_pending`: user messages kept for deferred extraction until a batch
  learned from them settles them (`apply` with `WriteContext.settles`, in the
  batch's transaction);
- `claim_thread`, `user_threads`: who owns each thread (session), claimed
  atomically by the first run on it;
- `erase_user`: every row of one user, in one transaction.

That is all a backend must do. Optionally it overrides `keyword_candidates`
(the default reads all of the user's memories; an index finds only the ones
that contain a query term), `semantic_index` and `semantic_ranking` (when the
store embeds memories itself, as a LangGraph store with an index does), and the
async twins (`a...`; by default they run the sync method in a worker thread,
which suits local blocking I/O such as SQLite; a backend with a native async
client overrides them), and `erase_sessions` when the agent's sessions live in the
backend's own database. Scoring, fusion, recency rules, filters by topic and
time (`memory.db.view`) and dedupe live above this protocol, in
`memory.ranking` and `memory.retrieval`, so every backend returns the same results.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from memory.planner import SummaryPlan
from memory.schema import (
    EraseResult,
    MemoryEvent,
    MemoryOp,
    PendingMessage,
    PendingThread,
    SessionSummary,
    SummaryEvent,
    UserMemory,
    WriteContext,
    utc,
    utcnow,
)
from memory.text import cached_index_text
from memory.twins import offload

OrderBy = Literal["created_at", "updated_at"]
Matrix = npt.NDArray[np.float32]
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Scope:
    """Which of a user's memories a call reaches, and when it is made.

    Memories of one user are partitioned by agent: `agent_id=None` is the user's
    own partition, shared by every agent without an id; another partition's
    memories are not found, as another user's are not. `at` is when expiry is
    judged (None: the clock at the call): a memory whose `expires_at` is not after
    it is never returned, and is not counted in any statistic.
    """

    agent_id: str | None = None
    at: datetime | None = None

    def now(self) -> datetime:
        return utcnow() if self.at is None else utc(self.at)


USER_SCOPE = Scope()
"""The user's own memories, judged now: what a call without a scope reaches."""

ScoredMemories = list[tuple[UserMemory, float]]


@dataclass(frozen=True)
class MemoryVector:
    """An embedding of one memory's text, stored only while that text is unchanged."""

    memory_id: str
    memory: str
    """The text that was embedded; a memory edited meanwhile keeps no stale vector."""
    vector: Sequence[float]


@dataclass(frozen=True)
class UserVectors:
    """One user's vectors of one model and dimension, as rows of length 1."""

    memory_ids: list[str]
    matrix: Matrix
    """Row i is the unit vector of `memory_ids[i]`, so a dot product is a cosine."""
    foreign: tuple[str, int, int] | None
    """(model, dimensions, count) of the user's vectors made by another model, if any."""
    unembedded: int
    """How many of the user's memories have no vector at all."""


@dataclass(frozen=True)
class KeywordCandidates:
    """The user's memories that contain a query term, column by column, and the user's totals.

    Row i of every column describes the memory `memory_ids[i]`.
    """

    documents: int
    """How many memories the user has."""
    total_length: int
    """The sum of their lengths (`IndexedText.length`), for the average BM25 normalises by."""
    memory_ids: list[str]
    recency: Ints
    """Larger for a more recently updated memory, and for the later added of two updated
    at the same time; only comparable within one result, it breaks ties of score."""
    lengths: Floats
    """Each candidate's `IndexedText.length`."""
    frequencies: dict[str, Floats]
    """For each query term, each candidate's `IndexedText.frequencies` of it (0 if absent)."""


def recency_ranks(updated: Sequence[datetime], positions: Sequence[int]) -> Ints:
    """Ranks by update time, then insertion position: the `recency` of `KeywordCandidates`."""
    order = sorted(range(len(updated)), key=lambda i: (updated[i], positions[i]))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order))
    return ranks


class Document(NamedTuple):
    """What full-scan keyword search needs of one stored memory."""

    memory_id: str
    memory: str
    topics: Sequence[str]
    updated_at: datetime
    position: int
    """Insertion order within the user."""


def keyword_candidates_of(documents: Sequence[Document], terms: Sequence[str]) -> KeywordCandidates:
    """Candidates found by reading every one of a user's memories."""
    wanted = set(terms)
    total = 0
    found: list[tuple[Document, dict[str, float], int]] = []
    for document in documents:
        indexed = cached_index_text(document.memory, document.topics)
        total += indexed.length
        hits = {t: f for t, f in indexed.frequencies.items() if t in wanted}
        if hits:
            found.append((document, hits, indexed.length))
    return KeywordCandidates(
        documents=len(documents),
        total_length=total,
        memory_ids=[document.memory_id for document, _, _ in found],
        recency=recency_ranks(
            [document.updated_at for document, _, _ in found],
            [document.position for document, _, _ in found],
        ),
        lengths=np.array([length for _, _, length in found], dtype=np.float64),
        frequencies={
            t: np.array([hits.get(t, 0.0) for _, hits, _ in found], dtype=np.float64)
            for t in dict.fromkeys(terms)
        },
    )


def _updated(memory: UserMemory) -> datetime:
    assert memory.updated_at is not None, "stored memories have times"
    return memory.updated_at


class MemoryDb(ABC):
    """Where memories, their history and their vectors live; see the module docstring.

    Every method takes the owning `user_id` (but `user_ids`) and never touches
    another user's rows: an id that belongs to someone else is not found.
    """

    # -- what every backend implements ------------------------------------------

    @abstractmethod
    def apply(
        self,
        user_id: str,
        ops: Sequence[MemoryOp],
        context: WriteContext,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[MemoryEvent]:
        """Apply `ops` in order as one transaction: all of them or, on any error, none.

        Within `scope.agent_id`'s partition; the memories expired by `context.at`
        are swept by the same transaction. Raises `MemoryNotFoundError` when a
        replace or delete names an id the user does not have; the rules are
        `memory.planner.plan_writes`. When `context.settles` names claimed pending
        messages, they stop being pending in the same transaction (also when `ops`
        is empty); if any of them is no longer pending under that claim, it raises
        `PendingClaimLostError` and applies nothing.
        """

    @abstractmethod
    def get_memories(
        self, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        """Those of `memory_ids` that are the user's memories, in any order."""

    @abstractmethod
    def list_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        """The user's memories by `order_by`, insertion order breaking ties."""

    @abstractmethod
    def history(
        self, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        """Every recorded change to one memory, oldest first, also after it was deleted."""

    @abstractmethod
    def user_ids(self, *, scope: Scope = USER_SCOPE) -> list[str]:
        """Every user with a stored memory in the scope's partition (an expired one counts
        until a write sweeps it)."""

    @abstractmethod
    def set_vectors(
        self,
        user_id: str,
        model: str,
        vectors: Sequence[MemoryVector],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        """Store vectors made by `model`, replacing older ones; returns how many were kept.

        A vector whose memory is gone or whose text changed since it was embedded is
        dropped, so a slow embedder racing an edit never leaves a stale vector.
        """

    @abstractmethod
    def vectors(
        self, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        """The user's vectors made by `model` in `dimensions`, and what else they have."""

    @abstractmethod
    def unembedded(
        self,
        user_id: str,
        model: str,
        dimensions: int | None,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        """Up to `limit` of the user's memories with no vector from `model` (in `dimensions`)."""

    @abstractmethod
    def write_summary(
        self,
        user_id: str,
        session_id: str,
        summary: SessionSummary | None,
        context: WriteContext,
    ) -> SummaryPlan:
        """Store the session's summary (delete it, with `None`) and its history event,
        as one transaction; `memory.planner.plan_summary` decides what changes."""

    @abstractmethod
    def get_summaries(self, user_id: str, session_id: str | None = None) -> list[SessionSummary]:
        """The user's session summaries, most recently updated first (or `session_id`'s)."""

    @abstractmethod
    def summary_history(self, user_id: str, session_id: str) -> list[SummaryEvent]:
        """Every change to one session's summary, oldest first, also after it was deleted."""

    @abstractmethod
    def add_pending(
        self,
        user_id: str,
        thread_id: str,
        messages: Sequence[PendingMessage],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        """Keep user messages to learn from later in `scope.agent_id`'s scope; returns how
        many were new.

        A message id the thread already has pending in that scope is kept once.
        """

    @abstractmethod
    def claim_pending(
        self,
        user_id: str,
        thread_id: str,
        token: str,
        now: datetime,
        until: datetime,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[PendingMessage]:
        """Take up to `limit` of the thread's pending messages in `scope.agent_id`'s scope,
        oldest first, for `token`.

        The claim lasts until `until`. Nothing is taken while another token's claim
        on the thread's messages of that scope is live (ends after `now`), so one
        worker at a time learns from them, in order.
        """

    @abstractmethod
    def release_pending(
        self, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        """Drop `token`'s claim on what it did not settle, for another worker to take."""

    @abstractmethod
    def pending_threads(
        self, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        """The threads (of one user, or of every user) with pending messages in
        `scope.agent_id`'s scope."""

    @abstractmethod
    def drop_pending(self, user_id: str | None = None, *, scope: Scope = USER_SCOPE) -> int:
        """Forget the pending messages of one user (or of every user) in `scope.agent_id`'s
        scope, and no other scope's; returns how many.

        A batch learned from them meanwhile then fails to settle, and lands nothing.
        """

    @abstractmethod
    def claim_thread(self, user_id: str, thread_id: str) -> str:
        """Make `user_id` the owner of `thread_id` unless it has one; returns its owner.

        Atomic: of two processes claiming one new thread for two users, one wins and
        both see the winner.
        """

    @abstractmethod
    def user_threads(self, user_id: str) -> list[str]:
        """The ids of the threads the user owns."""

    @abstractmethod
    def erase_user(self, user_id: str) -> EraseResult:
        """Delete every row of the user, in every agent scope, as one transaction: memories,
        their history and vectors, summaries and their history, pending messages,
        statistics and thread owners; returns the counts (the sessions' are 0)."""

    # -- optional ---------------------------------------------------------------

    def erase_sessions(self, thread_ids: Sequence[str]) -> tuple[int, int]:
        """Delete the checkpoints and archived runs of these threads where this backend
        hosts the agent's sessions; returns (checkpoints, archived runs). None by default."""
        return 0, 0

    def keyword_candidates(
        self, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        """The user's memories that contain any of `terms` (`memory.text` index terms).

        This default reads all of the user's memories; a backend with an index
        overrides it to read only the ones that match.
        """
        documents = [
            Document(str(m.memory_id), m.memory, m.topics, _updated(m), n)
            for n, m in enumerate(self.list_memories(user_id, scope=scope))
        ]
        return keyword_candidates_of(documents, terms)

    @property
    def semantic_index(self) -> bool:
        """Whether the store embeds memories itself and ranks them by meaning
        (`semantic_ranking`), so that a `Memory` needs no embeddings of its own."""
        return False

    def semantic_ranking(
        self, user_id: str, query: str, limit: int | None, *, scope: Scope = USER_SCOPE
    ) -> ScoredMemories:
        """Up to `limit` of the user's memories closest in meaning to `query`, best first,
        with their cosine similarity, found by the store's own index.

        Only for a backend whose `semantic_index` is true. It raises
        `EmbeddingUnavailableError` when the store's embedding model fails.
        """
        raise NotImplementedError(f"{type(self).__name__} has no semantic index of its own")

    def close(self) -> None:  # noqa: B027 (optional: most backends hold nothing to release)
        """Release connections, when the backend holds any."""

    async def aclose(self) -> None:
        """As `close`; a backend with async pools closes them here."""
        await offload(self.close)

    def __enter__(self) -> MemoryDb:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- async twins: a worker thread by default; override for native async I/O ---

    async def aapply(
        self,
        user_id: str,
        ops: Sequence[MemoryOp],
        context: WriteContext,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[MemoryEvent]:
        return await offload(self.apply, user_id, ops, context, scope=scope)

    async def aget_memories(
        self, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        return await offload(self.get_memories, user_id, memory_ids, scope=scope)

    async def alist_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        return await offload(
            self.list_memories,
            user_id,
            order_by=order_by,
            newest_first=newest_first,
            limit=limit,
            scope=scope,
        )

    async def ahistory(
        self, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        return await offload(self.history, user_id, memory_id, scope=scope)

    async def auser_ids(self, *, scope: Scope = USER_SCOPE) -> list[str]:
        return await offload(self.user_ids, scope=scope)

    async def aset_vectors(
        self,
        user_id: str,
        model: str,
        vectors: Sequence[MemoryVector],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        return await offload(self.set_vectors, user_id, model, vectors, scope=scope)

    async def avectors(
        self, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        return await offload(self.vectors, user_id, model, dimensions, scope=scope)

    async def aunembedded(
        self,
        user_id: str,
        model: str,
        dimensions: int | None,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        return await offload(self.unembedded, user_id, model, dimensions, limit, scope=scope)

    async def akeyword_candidates(
        self, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        return await offload(self.keyword_candidates, user_id, terms, scope=scope)

    async def asemantic_ranking(
        self, user_id: str, query: str, limit: int | None, *, scope: Scope = USER_SCOPE
    ) -> ScoredMemories:
        return await offload(self.semantic_ranking, user_id, query, limit, scope=scope)

    async def awrite_summary(
        self,
        user_id: str,
        session_id: str,
        summary: SessionSummary | None,
        context: WriteContext,
    ) -> SummaryPlan:
        return await offload(self.write_summary, user_id, session_id, summary, context)

    async def aget_summaries(
        self, user_id: str, session_id: str | None = None
    ) -> list[SessionSummary]:
        return await offload(self.get_summaries, user_id, session_id)

    async def asummary_history(self, user_id: str, session_id: str) -> list[SummaryEvent]:
        return await offload(self.summary_history, user_id, session_id)

    async def aadd_pending(
        self,
        user_id: str,
        thread_id: str,
        messages: Sequence[PendingMessage],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        return await offload(self.add_pending, user_id, thread_id, messages, scope=scope)

    async def aclaim_pending(
        self,
        user_id: str,
        thread_id: str,
        token: str,
        now: datetime,
        until: datetime,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[PendingMessage]:
        return await offload(
            self.claim_pending, user_id, thread_id, token, now, until, limit, scope=scope
        )

    async def arelease_pending(
        self, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        await offload(self.release_pending, user_id, thread_id, token, scope=scope)

    async def apending_threads(
        self, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        return await offload(self.pending_threads, user_id, scope=scope)

    async def adrop_pending(self, user_id: str | None = None, *, scope: Scope = USER_SCOPE) -> int:
        return await offload(self.drop_pending, user_id, scope=scope)

    async def aclaim_thread(self, user_id: str, thread_id: str) -> str:
        return await offload(self.claim_thread, user_id, thread_id)

    async def auser_threads(self, user_id: str) -> list[str]:
        return await offload(self.user_threads, user_id)

    async def aerase_user(self, user_id: str) -> EraseResult:
        return await offload(self.erase_user, user_id)

    async def aerase_sessions(self, thread_ids: Sequence[str]) -> tuple[int, int]:
        return await offload(self.erase_sessions, thread_ids)
