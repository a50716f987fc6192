"""The checks of the other aggregates, on the backend itself: session summaries, pending
messages, thread owners, erasing a user, and the async entry points."""

from __future__ import annotations

import asyncio
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

from memory.db.base import (
    ClaimRequest,
    MemoryDb,
    MemoryVector,
    Scope,
    SummaryWrite,
    WriteBatch,
)
from memory.db.conformance.common import BackendFactory, expect
from memory.errors import PendingClaimLostError
from memory.schema import (
    AddMemory,
    PendingClaim,
    PendingMessage,
    SessionSummary,
    UserMemory,
    WriteContext,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
AVA, BOB = "ava", "org/bob.lead"
PLANNER = Scope(agent_id="planner")
HOUR = timedelta(hours=1)


def _summary(text: str, runs: int, *topics: str) -> SessionSummary:
    return SessionSummary(summary=text, topics=list(topics), runs=runs)


def _written(
    db: MemoryDb, user_id: str, session_id: str, summary: SessionSummary | None, at: datetime
) -> str | None:
    """The action of the event the write recorded, or None when it changed nothing."""
    plan = db.write_summary(
        user_id, SummaryWrite(session_id, summary, WriteContext("agent", at=at))
    )
    return None if plan.event is None else plan.event.action


def check_summaries(factory: BackendFactory) -> None:
    """One summary per user and session, most recently updated first, with its history;
    a stale writer (fewer runs) changes nothing; another user's session of the same id
    is theirs alone."""
    with closing(factory()) as db:
        expect(
            _written(db, AVA, "s1", _summary("Planned a trip", 2, "travel"), T0) == "created",
            "a first summary of a session must be 'created'",
        )
        _written(db, AVA, "s2", _summary("Talked about tea", 1), T0 + HOUR)
        _written(db, BOB, "s1", _summary("Bob's own session", 1), T0 + HOUR)
        expect(
            [s.session_id for s in db.get_summaries(AVA)] == ["s2", "s1"],
            "summaries must come most recently updated first",
        )
        expect(
            _written(db, AVA, "s1", _summary("Booked the trip", 3), T0 + 2 * HOUR) == "updated",
            "a second summary of a session must be 'updated'",
        )
        expect(
            _written(db, AVA, "s1", _summary("An older view", 1), T0 + 3 * HOUR) is None,
            "a summary covering fewer runs than the stored one must change nothing",
        )
        found = db.get_summaries(AVA, "s1")
        expect(len(found) == 1, f"one summary of session s1 expected: {found}")
        s1 = found[0]
        expect(
            (s1.summary, s1.runs, s1.user_id, s1.session_id) == ("Booked the trip", 3, AVA, "s1"),
            f"the stored summary is not the last written: {s1!r}",
        )
        expect(
            s1.created_at == T0 and s1.updated_at == T0 + 2 * HOUR,
            f"created_at must be the first write's time, updated_at the last's: {s1!r}",
        )
        expect(
            [s.session_id for s in db.get_summaries(AVA)] == ["s1", "s2"],
            "an updated summary must come first",
        )
        expect(db.get_summaries(AVA, "nope") == [], "a session without a summary has none")
        expect(
            [s.summary for s in db.get_summaries(BOB)] == ["Bob's own session"],
            "another user's summary of the same session id must stay theirs",
        )
        expect(
            _written(db, AVA, "s2", None, T0 + 4 * HOUR) == "deleted",
            "writing None must delete the summary",
        )
        expect(
            _written(db, AVA, "s2", None, T0 + 5 * HOUR) is None,
            "deleting a summary that is gone must change nothing",
        )
        expect([s.session_id for s in db.get_summaries(AVA)] == ["s1"], "s2 was deleted")
        history = [(e.action, e.old_summary, e.new_summary) for e in db.summary_history(AVA, "s1")]
        expect(
            history
            == [
                ("created", None, "Planned a trip"),
                ("updated", "Planned a trip", "Booked the trip"),
            ],
            f"the history of s1, oldest first, is wrong: {history}",
        )
        expect(
            [e.action for e in db.summary_history(AVA, "s2")] == ["created", "deleted"],
            "the history must outlive the deleted summary",
        )
        expect(
            [e.user_id for e in db.summary_history(BOB, "s1")] == [BOB],
            "another user's history of the same session id must stay theirs",
        )


def _messages(thread_id: str, *numbers: int) -> list[PendingMessage]:
    return [
        PendingMessage(thread_id, f"m{n}", f"message {n}", T0 + timedelta(seconds=n))
        for n in numbers
    ]


def _texts(messages: list[PendingMessage]) -> list[str]:
    return [m.text for m in messages]


def check_pending(factory: BackendFactory) -> None:
    """Pending messages: kept once per id and scope, claimed oldest first by one worker at
    a time, settled with the batch learned from them (or the batch fails whole),
    released, and dropped per user and scope."""
    with closing(factory()) as db:
        expect(db.add_pending(AVA, _messages("t1", 0, 1, 2)) == 3, "three new messages")
        expect(
            db.add_pending(AVA, _messages("t1", 1, 2, 3)) == 1,
            "a message id the thread already has pending must be kept once",
        )
        db.add_pending(AVA, _messages("t2", 0))
        db.add_pending(BOB, _messages("t1", 0))
        db.add_pending(AVA, _messages("t1", 0), scope=PLANNER)
        threads = {
            (t.thread_id, t.messages, t.last_at, t.claimed_until) for t in db.pending_threads(AVA)
        }
        expect(
            threads == {("t1", 4, T0 + timedelta(seconds=3), None), ("t2", 1, T0, None)},
            f"the user's pending threads are wrong: {threads}",
        )
        everyone = {(t.user_id, t.thread_id) for t in db.pending_threads()}
        expect(
            everyone == {(AVA, "t1"), (AVA, "t2"), (BOB, "t1")},
            f"the pending threads of every user (one scope) are wrong: {everyone}",
        )
        expect(
            [t.messages for t in db.pending_threads(AVA, scope=PLANNER)] == [1],
            "an agent's pending messages must stay in its scope",
        )

        now, until = T0 + HOUR, T0 + HOUR + timedelta(minutes=5)
        taken = db.claim_pending(AVA, ClaimRequest("t1", "w1", now, until, 2))
        expect(_texts(taken) == ["message 0", "message 1"], f"claim oldest first: {taken}")
        expect(
            db.claim_pending(AVA, ClaimRequest("t1", "w2", now, until, 10)) == [],
            "nothing may be taken while another worker's claim is live",
        )
        claimed = [t.claimed_until for t in db.pending_threads(AVA) if t.thread_id == "t1"]
        expect(claimed == [until], f"the claim's end must show: {claimed}")

        db.apply(
            AVA,
            WriteBatch([], WriteContext(at=now, settles=PendingClaim("t1", "w1", ("m0", "m1")))),
        )
        try:
            db.apply(
                AVA,
                WriteBatch(
                    [AddMemory(UserMemory(memory="The user skis"))],
                    WriteContext(at=now, settles=PendingClaim("t1", "w1", ("m0",))),
                ),
            )
        except PendingClaimLostError:
            pass
        else:
            raise AssertionError("settling messages already settled must raise")
        expect(db.list_memories(AVA) == [], "a batch whose claim was lost must apply nothing")

        expect(
            _texts(db.claim_pending(AVA, ClaimRequest("t1", "w2", now, until, 10)))
            == ["message 2", "message 3"],
            "settled messages must be gone",
        )
        db.release_pending(AVA, "t1", "w2")
        expect(
            len(db.claim_pending(AVA, ClaimRequest("t1", "w3", now, until, 10))) == 2,
            "released messages must be free for another worker",
        )
        later = until + timedelta(seconds=1)
        expect(
            len(db.claim_pending(AVA, ClaimRequest("t1", "w4", later, later + HOUR, 10))) == 2,
            "a claim that ended must not hold the messages",
        )

        expect(db.drop_pending(AVA, scope=PLANNER) == 1, "drop the agent's one message")
        expect(db.drop_pending(AVA) == 3, "drop the user's three remaining messages")
        expect(
            [t.user_id for t in db.pending_threads()] == [BOB],
            "dropping one user's messages must leave another's",
        )
        expect(db.drop_pending() == 1, "dropping everyone's must drop the rest")
        expect(
            db.add_pending(AVA, [*_messages("t5", 0), *_messages("t6", 0, 1)]) == 3,
            "one call may keep messages of several threads",
        )
        mixed = sorted((t.thread_id, t.messages) for t in db.pending_threads(AVA))
        expect(mixed == [("t5", 1), ("t6", 2)], f"each message joins its own thread: {mixed}")


def check_vectors(factory: BackendFactory) -> None:
    """Each vector names its model, so one call may carry several models' (a re-embedding
    under a new model meets the old one's); a read by model returns that model's and
    counts the rest as foreign; a vector of a text the memory no longer has is dropped."""
    with closing(factory()) as db:
        skis, rows = db.apply(
            AVA,
            WriteBatch(
                [AddMemory(UserMemory(memory=text)) for text in ("The user skis", "The user rows")],
                WriteContext(),
            ),
        )
        kept = db.set_vectors(
            AVA,
            [
                MemoryVector(skis.memory_id, "The user skis", [1.0, 0.0], "old"),
                MemoryVector(rows.memory_id, "The user rows", [0.0, 1.0], "new"),
            ],
        )
        expect(kept == 2, f"both vectors must be kept, not {kept}")
        old = db.vectors(AVA, "old", 2)
        expect(old.memory_ids == [skis.memory_id], f"the old model's vectors: {old.memory_ids}")
        expect(old.foreign == ("new", 2, 1), f"the new model's vector is foreign: {old.foreign}")
        new = db.vectors(AVA, "new", 2).memory_ids
        expect(new == [rows.memory_id], f"the new model's vectors: {new}")
        stale = MemoryVector(skis.memory_id, "The user skied", [0.0, 1.0], "new")
        expect(db.set_vectors(AVA, [stale]) == 0, "a vector of an old text must be dropped")


def check_thread_owners(factory: BackendFactory) -> None:
    """A thread belongs to the user who claimed it first; later claims see that owner."""
    with closing(factory()) as db:
        expect(db.claim_thread(AVA, "t1") == AVA, "a new thread belongs to its claimer")
        expect(db.claim_thread(BOB, "t1") == AVA, "a claimed thread must keep its first owner")
        expect(db.claim_thread(AVA, "t1") == AVA, "claiming one's own thread again is fine")
        for thread in ["t/2.x", "用户"]:
            expect(db.claim_thread(BOB, thread) == BOB, f"thread id {thread!r} must work")
        expect(db.user_threads(AVA) == ["t1"], "the user owns exactly the thread they claimed")
        expect(
            sorted(db.user_threads(BOB)) == sorted(["t/2.x", "用户"]),
            "the other user owns exactly theirs, not the one they lost",
        )


def _fill(db: MemoryDb, user: str) -> None:
    """One memory in the user's scope and one in an agent's, with a vector, a summary, a
    pending message and a thread."""
    [added] = db.apply(
        user, WriteBatch([AddMemory(UserMemory(memory="The user skis"))], WriteContext())
    )
    db.apply(
        user,
        WriteBatch([AddMemory(UserMemory(memory="The user plans"))], WriteContext()),
        scope=PLANNER,
    )
    db.set_vectors(user, [MemoryVector(added.memory_id, "The user skis", [1.0, 0.0], "model")])
    db.write_summary(user, SummaryWrite("s1", _summary("Talked skiing", 1), WriteContext()))
    db.add_pending(user, _messages(f"{user}-thread", 0))
    db.claim_thread(user, f"{user}-thread")


def _held(db: MemoryDb, user: str) -> dict[str, Any]:
    """What the user has, by kind."""
    return {
        "memories": db.list_memories(user),
        "agent memories": db.list_memories(user, scope=PLANNER),
        "vectors": db.vectors(user, "model", 2).memory_ids,
        "summaries": db.get_summaries(user),
        "summary history": db.summary_history(user, "s1"),
        "pending": db.pending_threads(user),
        "threads": db.user_threads(user),
    }


def check_erase_user(factory: BackendFactory) -> None:
    """Erasing a user removes every kind of row of theirs, counts them, and leaves
    another user's untouched."""
    with closing(factory()) as db:
        _fill(db, AVA)
        _fill(db, BOB)
        bobs = _held(db, BOB)
        erased = db.erase_user(AVA)
        counts = (
            erased.memories,
            erased.memory_history,
            erased.vectors,
            erased.session_summaries,
            erased.summary_history,
            erased.pending_messages,
            erased.threads,
        )
        expect(counts == (2, 2, 1, 1, 1, 1, 1), f"the erased counts are wrong: {erased}")
        left = {kind: held for kind, held in _held(db, AVA).items() if held}
        expect(left == {}, f"erasing left the user's {sorted(left)}")
        expect(db.history(AVA, "any") == [] and AVA not in db.user_ids(), "the user must be gone")
        expect(_held(db, BOB) == bobs, "erasing one user changed another's rows")
        expect(
            db.claim_thread(BOB, f"{AVA}-thread") == BOB,
            "an erased user's thread must be free to claim",
        )


async def _through_async_entries(db: MemoryDb) -> dict[str, Any]:
    """A short script through the `a...` entry points, and what the sync ones read after."""
    [added] = await db.aapply(
        AVA, WriteBatch([AddMemory(UserMemory(memory="The user skis"))], WriteContext(at=T0))
    )
    memory_id = str(added.memory_id)
    await db.aadd_pending(AVA, _messages("t1", 0))
    await db.awrite_summary(AVA, SummaryWrite("s1", _summary("Skiing", 1), WriteContext(at=T0)))
    seen = {
        "listed": await db.alist_memories(AVA),
        "got": await db.aget_memories(AVA, [memory_id]),
        "history": await db.ahistory(AVA, memory_id),
        "users": await db.auser_ids(),
        "keyword": (await db.akeyword_candidates(AVA, ["ski"])).memory_ids,
        "pending": await db.apending_threads(AVA),
        "summaries": await db.aget_summaries(AVA),
        "owner": await db.aclaim_thread(AVA, "t1"),
    }
    expected = {
        "listed": db.list_memories(AVA),
        "got": db.get_memories(AVA, [memory_id]),
        "history": db.history(AVA, memory_id),
        "users": db.user_ids(),
        "keyword": db.keyword_candidates(AVA, ["ski"]).memory_ids,
        "pending": db.pending_threads(AVA),
        "summaries": db.get_summaries(AVA),
        "owner": db.claim_thread(AVA, "t1"),
    }
    differing = [key for key in expected if seen[key] != expected[key]]
    expect(differing == [], f"the async entry points read otherwise than the sync: {differing}")
    expect(
        bool(seen["listed"]) and seen["keyword"] == [memory_id],
        "the async entry points must find the memory they wrote",
    )
    erased = await db.aerase_user(AVA)
    await db.aclose()
    return {"erased": erased.memories}


def check_async_entries(factory: BackendFactory) -> None:
    """The async entry points, in an event loop, write and read what the sync ones do."""
    db = factory()
    try:
        seen = asyncio.run(_through_async_entries(db))
    finally:
        db.close()
    expect(seen == {"erased": 1}, f"the async erase must count the one memory: {seen}")
