"""A LangGraph server's store as a `BaseStore`, reached through langgraph-sdk.

So that `StoreMemoryDb` runs in a test process against the store (and semantic
index) of a `langgraph dev` server, as the graph does inside it. Each op is one
HTTP call: a batch is not atomic, which no test here relies on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import httpx
from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)
from langgraph_sdk.client import SyncLangGraphClient


class SdkStore(BaseStore):
    def __init__(self, client: SyncLangGraphClient) -> None:
        self.client = client

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        return [self._one(op) for op in ops]

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await asyncio.to_thread(self.batch, list(ops))

    def _one(self, op: Op) -> Result:
        store = self.client.store
        if isinstance(op, GetOp):
            try:
                found = store.get_item(list(op.namespace), op.key, refresh_ttl=op.refresh_ttl)
            except httpx.HTTPStatusError as error:
                if error.response.status_code == 404:
                    return None
                raise
            return _item(dict(found)) if found else None
        if isinstance(op, SearchOp):
            answer = store.search_items(
                list(op.namespace_prefix),
                filter=op.filter,
                limit=op.limit,
                offset=op.offset,
                query=op.query,
                refresh_ttl=op.refresh_ttl,
            )
            return [_search_item(dict(item)) for item in answer["items"]]
        if isinstance(op, PutOp):
            if op.value is None:
                store.delete_item(list(op.namespace), op.key)
            else:
                store.put_item(list(op.namespace), op.key, dict(op.value), index=op.index)
            return None
        assert isinstance(op, ListNamespacesOp)
        conditions = {c.match_type: list(c.path) for c in op.match_conditions or ()}
        listed = store.list_namespaces(
            prefix=conditions.get("prefix"),
            suffix=conditions.get("suffix"),
            max_depth=op.max_depth,
            limit=op.limit,
            offset=op.offset,
        )
        return [tuple(namespace) for namespace in listed["namespaces"]]


def _item(data: dict[str, Any]) -> Item:
    return Item(
        value=data["value"],
        key=data["key"],
        namespace=tuple(data["namespace"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
    )


def _search_item(data: dict[str, Any]) -> SearchItem:
    return SearchItem(
        namespace=tuple(data["namespace"]),
        key=data["key"],
        value=data["value"],
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        score=data.get("score"),
    )
