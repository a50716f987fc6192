"""The storage protocol: where a new backend starts.

A backend stores memories, their history and their vectors, scoped by user and
`Scope` on every call; it never ranks. A scope is an agent partition (memories of
one user and one agent, or of the user alone) and the moment expiry is judged
at: a memory past its `expires_at` is never returned or counted by a read.
Session summaries are scoped by user alone; pending messages by user and agent.

The contract is one abstract class per aggregate: `MemoryStorage` (memories, their
history and vectors, keyword and semantic candidates), `SummaryStorage`,
`PendingStorage` and `ThreadOwnerStorage`; code that needs one aggregate asks for
that class. `MemoryDb`, the whole backend, is all four plus `_erase_user`, which
removes a user from every aggregate in one transaction. `SessionHost` is an
optional protocol for a backend that also keeps the agent's sessions.

To write a backend, subclass `MemoryDb` and implement the bodies: `async def
_name(self, io, ...)`, whose parameters after `io` are those of the public
`name`. Each public pair `name`/`aname` is made once, here, by `twins`; a
backend writes no public method of its own. The bodies are:

- `_apply`: one batch of operations as one transaction, planned by
  `memory.planner` (read what `reads_for` asks and the scope's expired
  memories, `plan_writes`, store the plan: it sweeps the expired ones);
- `_get_memories`, `_list_memories`, `_history`, `_user_ids`: reads;
- `_set_vectors`, `_vectors`, `_unembedded`: embeddings, kept per memory and only
  while the text they were made from is unchanged;
- `_write_summary`, `_get_summaries`, `_summary_history`: session summaries, one per
  user and session, with their history (rules: `memory.planner.plan_summary`);
- `_add_pending`, `_claim_pending`, `_release_pending`, `_pending_threads`,
  `_drop_pending`: user messages kept for deferred extraction until a batch
  learned from them settles them (`apply` with `WriteContext.settles`, in the
  batch's transaction);
- `_claim_thread`, `_user_threads`: who owns each thread (session), claimed
  atomically by the first run on it;
- `_erase_user`: every row of one user, in one transaction.

How `aname` runs a body is the class's `_awaited`: by default in a worker thread
with `BLOCKING`, which suits local blocking I/O such as SQLite (such a body may
ignore `io`); a backend with a native async client overrides `_awaited` to
await `run(AWAITING)` and makes its I/O through `io.call`.

Optionally a backend overrides `_keyword_candidates` (the default reads all of
the user's memories; an index finds only the ones that contain a query term),
`semantic_index` and `_semantic_ranking` (when the store embeds memories itself,
as a LangGraph store with an index does), `_scope_version` (when it can tell
cheaply that a user's memories are unchanged, so a `Memory` reuses what it chose
from them), and `_erase_sessions` when the agent's sessions live in the backend's
own database. Scoring, fusion, recency
rules, filters by topic and time (`memory.db.view`) and dedupe live above this
protocol, in `memory.ranking` and `memory.retrieval`, so every backend returns
the same results.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, TypeVar, runtime_checkable

from memory.planner import SummaryPlan
from memory.schema import (
    EraseResult,
    MemoryEvent,
    MemoryOp,
    PendingClaim,
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
from memory.twins import BLOCKING, Io, Twinned, offload, run_sync, twins

if TYPE_CHECKING:  # numpy loads with the first search, not with every backend
    import numpy as np
    import numpy.typing as npt
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.store.base import BaseStore

    Matrix = npt.NDArray[np.float32]
    Floats = npt.NDArray[np.float64]
    Ints = npt.NDArray[np.int64]

OrderBy = Literal["created_at", "updated_at"]


def __getattr__(name: str) -> Any:
    """`Matrix`, `Floats` or `Ints` for code that imports it at run time: numpy loads
    then, not with every backend (a command that only lists memories never needs it)."""
    if name not in ("Matrix", "Floats", "Ints"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import numpy as np
    import numpy.typing as npt

    arrays: dict[str, Any] = {
        "Matrix": npt.NDArray[np.float32],
        "Floats": npt.NDArray[np.float64],
        "Ints": npt.NDArray[np.int64],
    }
    globals().update(arrays)  # later lookups skip this function
    return arrays[name]


T = TypeVar("T")


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


@dataclass(frozen=True)
class ListQuery:
    """Which of a user's memories a listing returns, in what order: by `order_by`
    (insertion order breaking ties), oldest first unless `newest_first`, `limit` at most."""

    order_by: OrderBy = "created_at"
    newest_first: bool = False
    limit: int | None = None


AS_ADDED = ListQuery()
"""Every memory, in the order they were added: what a listing without a query returns."""


@dataclass(frozen=True)
class ClaimRequest:
    """What a worker asks of a thread's pending messages: up to `limit` of them, for
    `token`, held until `until` unless another token's claim is live at `now`."""

    thread_id: str
    token: str
    now: datetime
    until: datetime
    limit: int

    def settling(self, messages: Sequence[PendingMessage]) -> PendingClaim:
        """The claim on `messages`, taken by this request, for the batch learned from them."""
        return PendingClaim(self.thread_id, self.token, tuple(m.message_id for m in messages))


@dataclass(frozen=True)
class WriteBatch:
    """Operations to apply in order as one transaction, and where they came from."""

    ops: Sequence[MemoryOp]
    context: WriteContext


@dataclass(frozen=True)
class SummaryWrite:
    """One change to a session's summary: the new one (None deletes it), and its source."""

    session_id: str
    summary: SessionSummary | None
    context: WriteContext


ScoredMemories = list[tuple[UserMemory, float]]


@dataclass(frozen=True)
class MemoryVector:
    """An embedding of one memory's text, stored only while that text is unchanged."""

    memory_id: str
    memory: str
    """The text that was embedded; a memory edited meanwhile keeps no stale vector."""
    vector: Sequence[float]
    model: str
    """The embedding model that made it."""


@dataclass(frozen=True)
class MissingVectors:
    """Which memories a re-embedding asks for: up to `limit` of those with no vector from
    `model` in `dimensions` (None: in any number of dimensions)."""

    model: str
    dimensions: int | None
    limit: int


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
    import numpy as np

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
    import numpy as np

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


class Storage(Twinned, ABC):
    """What every part of the storage contract shares: how an async entry point runs a body."""

    async def _awaited(self, run: Callable[[Io], Coroutine[Any, Any, T]]) -> T:
        """Run the body blocking in a worker thread: right for a backend whose bodies block
        (SQLite) and ignore `io`. A backend with a native async client awaits `run(AWAITING)`."""
        return await offload(lambda: run_sync(run(BLOCKING)))


class MemoryStorage(Storage):
    """Memories, their history and their vectors, and the candidates of keyword and
    semantic search: the aggregate every `Memory` reads and writes.

    Every body takes the owning `user_id` (but `_user_ids`) and never touches
    another user's rows: an id that belongs to someone else is not found.
    """

    @abstractmethod
    async def _apply(
        self, io: Io, user_id: str, writes: WriteBatch, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        """Apply `writes.ops` in order as one transaction: all of them or, on any error, none.

        Within `scope.agent_id`'s partition; the memories expired by `writes.context.at`
        are swept by the same transaction. Raises `MemoryNotFoundError` when a
        replace or delete names an id the user does not have; the rules are
        `memory.planner.plan_writes`. When `writes.context.settles` names claimed pending
        messages, they stop being pending in the same transaction (also when there are
        no ops); if any of them is no longer pending under that claim, it raises
        `PendingClaimLostError` and applies nothing.
        """

    apply, aapply = twins(_apply)

    @abstractmethod
    async def _get_memories(
        self, io: Io, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        """Those of `memory_ids` that are the user's memories, in any order."""

    get_memories, aget_memories = twins(_get_memories)

    @abstractmethod
    async def _list_memories(
        self, io: Io, user_id: str, query: ListQuery = AS_ADDED, *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        """The user's memories that `query` asks for, in its order."""

    list_memories, alist_memories = twins(_list_memories)

    @abstractmethod
    async def _history(
        self, io: Io, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        """Every recorded change to one memory, oldest first, also after it was deleted."""

    history, ahistory = twins(_history)

    @abstractmethod
    async def _user_ids(self, io: Io, *, scope: Scope = USER_SCOPE) -> list[str]:
        """Every user with a stored memory in the scope's partition (an expired one counts
        until a write sweeps it)."""

    user_ids, auser_ids = twins(_user_ids)

    @abstractmethod
    async def _set_vectors(
        self, io: Io, user_id: str, vectors: Sequence[MemoryVector], *, scope: Scope = USER_SCOPE
    ) -> int:
        """Store vectors (each made by its `model`), replacing older ones; returns how many
        were kept.

        A vector whose memory is gone or whose text changed since it was embedded is
        dropped, so a slow embedder racing an edit never leaves a stale vector.
        """

    set_vectors, aset_vectors = twins(_set_vectors)

    @abstractmethod
    async def _vectors(
        self, io: Io, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        """The user's vectors made by `model` in `dimensions`, and what else they have."""

    vectors, avectors = twins(_vectors)

    @abstractmethod
    async def _unembedded(
        self, io: Io, user_id: str, missing: MissingVectors, *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        """Up to `missing.limit` of the user's memories with no vector from `missing.model`
        (in `missing.dimensions`)."""

    unembedded, aunembedded = twins(_unembedded)

    # -- optional ---------------------------------------------------------------

    async def _keyword_candidates(
        self, io: Io, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        """The user's memories that contain any of `terms` (`memory.text` index terms).

        This default reads all of the user's memories; a backend with an index
        overrides it to read only the ones that match.
        """
        memories = await io.call(self.list_memories, self.alist_memories, user_id, scope=scope)
        documents = [
            Document(str(m.memory_id), m.memory, m.topics, _updated(m), n)
            for n, m in enumerate(memories)
        ]
        return keyword_candidates_of(documents, terms)

    keyword_candidates, akeyword_candidates = twins(_keyword_candidates)

    @property
    def semantic_index(self) -> bool:
        """Whether the store embeds memories itself and ranks them by meaning
        (`semantic_ranking`), so that a `Memory` needs no embeddings of its own."""
        return False

    async def _semantic_ranking(
        self, io: Io, user_id: str, query: str, limit: int | None, *, scope: Scope = USER_SCOPE
    ) -> ScoredMemories:
        """Up to `limit` of the user's memories closest in meaning to `query`, best first,
        with their cosine similarity, found by the store's own index.

        Only for a backend whose `semantic_index` is true. It raises
        `EmbeddingUnavailableError` when the store's embedding model fails.
        """
        raise NotImplementedError(f"{type(self).__name__} has no semantic index of its own")

    semantic_ranking, asemantic_ranking = twins(_semantic_ranking)

    async def _scope_version(
        self, io: Io, user_id: str, *, scope: Scope = USER_SCOPE
    ) -> Hashable | None:
        """A value that two calls return equal only when every read of the user's scope
        would find the same between them: changed by any write, by any process, and
        by a memory expiring at the scope's moment. None (this default): the backend
        cannot tell, and nothing read is reused."""
        return None

    scope_version, ascope_version = twins(_scope_version)


class SummaryStorage(Storage):
    """Session summaries, one per user and session, with their history."""

    @abstractmethod
    async def _write_summary(self, io: Io, user_id: str, write: SummaryWrite) -> SummaryPlan:
        """Store the session's summary (delete it, with `None`) and its history event,
        as one transaction; `memory.planner.plan_summary` decides what changes."""

    write_summary, awrite_summary = twins(_write_summary)

    @abstractmethod
    async def _get_summaries(
        self, io: Io, user_id: str, session_id: str | None = None
    ) -> list[SessionSummary]:
        """The user's session summaries, most recently updated first (or `session_id`'s)."""

    get_summaries, aget_summaries = twins(_get_summaries)

    @abstractmethod
    async def _summary_history(self, io: Io, user_id: str, session_id: str) -> list[SummaryEvent]:
        """Every change to one session's summary, oldest first, also after it was deleted."""

    summary_history, asummary_history = twins(_summary_history)


class PendingStorage(Storage):
    """User messages kept for deferred extraction until a batch learned from them settles
    them; scoped by user and agent."""

    @abstractmethod
    async def _add_pending(
        self, io: Io, user_id: str, messages: Sequence[PendingMessage], *, scope: Scope = USER_SCOPE
    ) -> int:
        """Keep user messages to learn from later, each in its thread, in `scope.agent_id`'s
        scope; returns how many were new.

        A message id its thread already has pending in that scope is kept once.
        """

    add_pending, aadd_pending = twins(_add_pending)

    @abstractmethod
    async def _claim_pending(
        self, io: Io, user_id: str, request: ClaimRequest, *, scope: Scope = USER_SCOPE
    ) -> list[PendingMessage]:
        """Take up to `request.limit` of the thread's pending messages in `scope.agent_id`'s
        scope, oldest first, for `request.token`.

        The claim lasts until `request.until`. Nothing is taken while another token's
        claim on the thread's messages of that scope is live (ends after `request.now`),
        so one worker at a time learns from them, in order.
        """

    claim_pending, aclaim_pending = twins(_claim_pending)

    @abstractmethod
    async def _release_pending(
        self, io: Io, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        """Drop `token`'s claim on what it did not settle, for another worker to take."""

    release_pending, arelease_pending = twins(_release_pending)

    @abstractmethod
    async def _pending_threads(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        """The threads (of one user, or of every user) with pending messages in
        `scope.agent_id`'s scope."""

    pending_threads, apending_threads = twins(_pending_threads)

    @abstractmethod
    async def _drop_pending(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> int:
        """Forget the pending messages of one user (or of every user) in `scope.agent_id`'s
        scope, and no other scope's; returns how many.

        A batch learned from them meanwhile then fails to settle, and lands nothing.
        """

    drop_pending, adrop_pending = twins(_drop_pending)


class ThreadOwnerStorage(Storage):
    """Who owns each thread (session): the user of its first run."""

    @abstractmethod
    async def _claim_thread(self, io: Io, user_id: str, thread_id: str) -> str:
        """Make `user_id` the owner of `thread_id` unless it has one; returns its owner.

        Atomic: of two processes claiming one new thread for two users, one wins and
        both see the winner.
        """

    claim_thread, aclaim_thread = twins(_claim_thread)

    @abstractmethod
    async def _user_threads(self, io: Io, user_id: str) -> list[str]:
        """The ids of the threads the user owns."""

    user_threads, auser_threads = twins(_user_threads)


class MemoryDb(MemoryStorage, SummaryStorage, PendingStorage, ThreadOwnerStorage):
    """A whole backend: every aggregate of one user in one place, so that erasing the
    user is one transaction; see the module docstring."""

    @abstractmethod
    async def _erase_user(self, io: Io, user_id: str) -> EraseResult:
        """Delete every row of the user, in every agent scope, as one transaction: memories,
        their history and vectors, summaries and their history, pending messages,
        statistics and thread owners; returns the counts (the sessions' are 0)."""

    erase_user, aerase_user = twins(_erase_user)

    async def _erase_sessions(self, io: Io, thread_ids: Sequence[str]) -> tuple[int, int]:
        """Delete the checkpoints and archived runs of these threads where this backend
        hosts the agent's sessions; returns (checkpoints, archived runs). None by default."""
        return 0, 0

    erase_sessions, aerase_sessions = twins(_erase_sessions)

    def close(self) -> None:
        """Release connections, when the backend holds any."""

    async def aclose(self) -> None:
        """As `close`; a backend with async pools closes them here."""
        await offload(self.close)

    def __enter__(self) -> MemoryDb:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@runtime_checkable
class SessionHost(Protocol):
    """Optional: a backend that keeps an agent's sessions (checkpoints and archived runs)
    in its own storage, so they outlive the process and are erased with their user
    (`_erase_sessions`). `graphs` asks a backend for this; without it, an agent keeps its
    sessions in process and says so in a warning.

    Both savers use the backend's own connections and close with it.
    """

    def session_checkpointer(self) -> BaseCheckpointSaver[Any] | None:
        """A LangGraph saver for the agent's checkpoints, set up; None when this backend
        keeps none (an in-process database; a store whose server brings its own)."""

    def session_archive(self) -> BaseStore | None:
        """A LangGraph store for the runs that left the session window, set up; None when
        this backend keeps none."""
