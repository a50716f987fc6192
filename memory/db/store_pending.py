"""Pending messages of deferred extraction in a LangGraph store: one item per message."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from urllib.parse import unquote

from langgraph.store.base import GetOp, Item, ListNamespacesOp, MatchCondition, PutOp

from memory.db.base import USER_SCOPE, ClaimRequest, Scope
from memory.db.store_layout import PENDING, StoreBacked, batch, moment, put_all, read_all
from memory.errors import PendingClaimLostError
from memory.schema import PendingClaim, PendingMessage, PendingThread
from memory.twins import Io


def _pending_key(thread_id: str, message_id: str) -> str:
    """One key per message of a thread, whatever characters the two ids hold."""
    return hashlib.sha256(f"{thread_id}\0{message_id}".encode()).hexdigest()


def _pending_message(value: dict[str, Any]) -> PendingMessage:
    at = datetime.fromisoformat(value["at"])
    return PendingMessage(value["thread_id"], value["message_id"], value["text"], at)


class StorePending(StoreBacked):
    """Pending messages in a `pending` namespace beside the memories of the agent scope
    that recorded them (see `StoreMemoryDb`)."""

    async def _settle(
        self, io: Io, user_id: str, scope: Scope, claim: PendingClaim | None
    ) -> list[PutOp]:
        """The deletes that settle `claim`, sent with the batch; raises if it was lost."""
        if claim is None:
            return []
        ns = self._namespaces(user_id, scope)
        keys = sorted({_pending_key(claim.thread_id, m) for m in claim.message_ids})
        found = await batch(io, self.store, [GetOp(ns.pending, key) for key in keys])
        lost = [
            key
            for key, item in zip(keys, cast(list[Item | None], found), strict=True)
            if item is None or item.value.get("claim") != claim.token
        ]
        if lost:
            raise PendingClaimLostError(
                f"{len(lost)} of {len(keys)} messages of thread {claim.thread_id!r} "
                "were taken or settled by another worker"
            )
        return [PutOp(ns.pending, key, None) for key in keys]

    async def _thread_pending(
        self, io: Io, user_id: str, thread_id: str, scope: Scope
    ) -> list[tuple[str, dict[str, Any]]]:
        """The thread's pending messages in the scope as (key, value), oldest first."""
        found = await self._search_all(
            io, self._namespaces(user_id, scope).pending, {"thread_id": thread_id}
        )
        mine = [
            (item.key, item.value)
            for item in found
            if item.value.get("user_id") == user_id and item.value.get("thread_id") == thread_id
        ]
        return sorted(mine, key=lambda kv: cast(str, kv[1]["order"]))

    async def _add_pending(
        self, io: Io, user_id: str, messages: Sequence[PendingMessage], *, scope: Scope = USER_SCOPE
    ) -> int:
        ns = self._namespaces(user_id, scope)
        keyed = {_pending_key(m.thread_id, m.message_id): (n, m) for n, m in enumerate(messages)}
        if not keyed:
            return 0
        found = await batch(io, self.store, [GetOp(ns.pending, key) for key in keyed])
        new = [key for key, item in zip(keyed, found, strict=True) if item is None]
        writes = [
            PutOp(
                ns.pending,
                key,
                {
                    "user_id": user_id,
                    "thread_id": message.thread_id,
                    "message_id": message.message_id,
                    "text": message.text,
                    "at": moment(message.at),
                    "order": f"{moment(message.at)}#{n:06d}",
                    "claim": None,
                    "claimed_until": None,
                },
                index=False,
            )
            for key in new
            for n, message in [keyed[key]]
        ]
        return await put_all(io, self.store, writes)

    async def _claim_pending(
        self, io: Io, user_id: str, request: ClaimRequest, *, scope: Scope = USER_SCOPE
    ) -> list[PendingMessage]:
        pending = await self._thread_pending(io, user_id, request.thread_id, scope)
        if any(
            value["claim"] not in (None, request.token)
            and value["claimed_until"] > moment(request.now)
            for _, value in pending
        ):
            return []
        taken = pending[: request.limit]
        ns = self._namespaces(user_id, scope)
        claimed = {"claim": request.token, "claimed_until": moment(request.until)}
        await put_all(
            io,
            self.store,
            [PutOp(ns.pending, key, {**value, **claimed}, index=False) for key, value in taken],
        )
        return [_pending_message(value) for _, value in taken]

    async def _release_pending(
        self, io: Io, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        ns = self._namespaces(user_id, scope)
        released = {"claim": None, "claimed_until": None}
        writes = [
            PutOp(ns.pending, key, {**value, **released}, index=False)
            for key, value in await self._thread_pending(io, user_id, thread_id, scope)
            if value["claim"] == token
        ]
        await put_all(io, self.store, writes)

    async def _pending_items(
        self, io: Io, user_id: str | None, scope: Scope
    ) -> list[tuple[str, Item]]:
        """The pending messages in the scope of one user or of all, with their owners."""
        if user_id is not None:
            namespaces = [self._namespaces(user_id, scope).pending]
        else:
            [listed] = await read_all(
                io,
                self.store,
                lambda limit: ListNamespacesOp(
                    (
                        MatchCondition("prefix", self.namespace_prefix),
                        MatchCondition("suffix", (PENDING,)),
                    ),
                    limit=limit,
                ),
            )
            user = len(self.namespace_prefix)
            namespaces = [
                ns
                for ns in cast(list[tuple[str, ...]], listed)
                if self._namespaces(unquote(ns[user]), scope).pending == ns
            ]
        return [
            (owner, item)
            for namespace in namespaces
            for owner in [unquote(namespace[len(self.namespace_prefix)])]
            for item in await self._search_all(io, namespace)
            if item.value.get("user_id") == owner
        ]

    async def _drop_pending(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> int:
        deletes = [
            PutOp(item.namespace, item.key, None)
            for _, item in await self._pending_items(io, user_id, scope)
        ]
        if deletes:
            await batch(io, self.store, deletes)
        return len(deletes)

    async def _pending_threads(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        threads: defaultdict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for owner, item in await self._pending_items(io, user_id, scope):
            threads[(owner, item.value["thread_id"])].append(item.value)
        in_order = sorted(threads.items(), key=lambda kv: min(v["order"] for v in kv[1]))
        return [
            PendingThread(
                user_id=owner,
                thread_id=thread_id,
                messages=len(values),
                last_at=datetime.fromisoformat(max(v["at"] for v in values)),
                claimed_until=max(
                    (datetime.fromisoformat(v["claimed_until"]) for v in values if v["claim"]),
                    default=None,
                ),
            )
            for (owner, thread_id), values in in_order
        ]
