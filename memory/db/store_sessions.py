"""Session summaries and thread owners in a LangGraph store."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import cast

from langgraph.store.base import GetOp, Item, PutOp, SearchOp

from memory.db.base import SummaryWrite
from memory.db.store_layout import StoreBacked, batch, read_all
from memory.planner import SummaryPlan, plan_summary
from memory.schema import SessionSummary, SummaryEvent
from memory.twins import Io


def _claim_key(thread_id: str, user_id: str) -> str:
    return hashlib.sha256(f"{thread_id}\0{user_id}".encode()).hexdigest()


def _owned_summary(item: Item | None, user_id: str) -> SessionSummary | None:
    """The summary an item holds, if it is this user's (whatever a store's matching does)."""
    if item is None or item.value.get("user_id") != user_id:
        return None
    return SessionSummary.model_validate(item.value)


def _timestamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else 0.0


class StoreSessions(StoreBacked):
    """Session summaries, with their history, in the user's namespaces, and the owners of
    threads in one namespace under the prefix (see `StoreMemoryDb`)."""

    async def _write_summary(self, io: Io, user_id: str, write: SummaryWrite) -> SummaryPlan:
        ns = self._namespaces(user_id)
        [found] = await batch(io, self.store, [GetOp(ns.summaries, write.session_id)])
        previous = _owned_summary(cast(Item | None, found), user_id)
        plan = plan_summary(user_id, write.session_id, previous, write.summary, write.context)
        if plan.event is None:
            return plan
        kept = None if plan.summary is None else plan.summary.to_dict()
        key = f"{plan.event.at.isoformat()}-{uuid.uuid4().hex[:8]}"
        await batch(
            io,
            self.store,
            [
                PutOp(ns.summaries, write.session_id, kept, index=False),
                PutOp(ns.summary_history, key, plan.event.to_dict(), index=False),
            ],
        )
        return plan

    async def _get_summaries(
        self, io: Io, user_id: str, session_id: str | None = None
    ) -> list[SessionSummary]:
        ns = self._namespaces(user_id)
        if session_id is not None:
            [found] = await batch(io, self.store, [GetOp(ns.summaries, session_id)])
            summary = _owned_summary(cast(Item | None, found), user_id)
            return [] if summary is None else [summary]
        [listed] = await read_all(io, self.store, lambda limit: SearchOp(ns.summaries, limit=limit))
        summaries = [
            summary
            for item in cast(list[Item], listed)
            if item.namespace == ns.summaries
            and (summary := _owned_summary(item, user_id)) is not None
        ]
        return sorted(summaries, key=lambda s: (-_timestamp(s.updated_at), s.session_id or ""))

    async def _summary_history(self, io: Io, user_id: str, session_id: str) -> list[SummaryEvent]:
        ns = self._namespaces(user_id)
        [found] = await read_all(
            io,
            self.store,
            lambda limit: SearchOp(
                ns.summary_history, filter={"session_id": session_id}, limit=limit
            ),
        )
        mine = sorted(
            (
                item
                for item in cast(list[Item], found)
                if item.namespace == ns.summary_history
                and item.value.get("user_id") == user_id
                and item.value.get("session_id") == session_id
            ),
            key=lambda item: item.key,
        )
        return [SummaryEvent.model_validate(item.value) for item in mine]

    async def _claim_thread(self, io: Io, user_id: str, thread_id: str) -> str:
        mine = _claim_key(thread_id, user_id)
        claims = await self._search_all(io, self._threads, {"thread_id": thread_id})
        if not claims:
            value = {"thread_id": thread_id, "user_id": user_id}
            await batch(io, self.store, [PutOp(self._threads, mine, value, index=False)])
            claims = await self._search_all(io, self._threads, {"thread_id": thread_id})
        first = min(claims, key=lambda item: (item.created_at, item.key), default=None)
        if first is None:  # a store that does not read its own writes at once
            return user_id
        owner = str(first.value["user_id"])
        if owner != user_id and any(item.key == mine for item in claims):
            await batch(io, self.store, [PutOp(self._threads, mine, None)])
        return owner

    async def _user_threads(self, io: Io, user_id: str) -> list[str]:
        claims = await self._search_all(io, self._threads, {"user_id": user_id})
        return [str(item.value["thread_id"]) for item in claims]
