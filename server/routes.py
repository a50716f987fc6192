"""The REST routes (`/memory/health`, `/memory/v1/...`): the library's calls, one per route.

Each route names the user in its path and reaches that user's memories only,
through `authorize`: a user key reaches its own user (and agent scope) whatever
it asks. Each write is one library call, applied whole or not at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from graphs.scope import StoreMemory
from graphs.steps import memory_section
from memory import Memory, UserMemory, import_agno_rows
from memory.db.base import ListQuery, Scope
from memory.db.view import MemoryFilter
from memory.errors import MemoryConflictError, MemoryDbError, MemoryNotFoundError
from memory.retrieval import memory_tokens
from memory.schema import (
    DeleteMemory,
    ReplaceMemory,
    WriteContext,
    validate_memory_id,
    validate_user_id,
)
from memory.twins import AWAITING
from server import models
from server.auth import Principal, authorize, principal

PREFIX = "/memory"
MAX_BODY_BYTES = 1_000_000
"""An import of a few thousand memories fits; a larger body is refused (413) unread."""
router = APIRouter(prefix=PREFIX, max_body_size=MAX_BODY_BYTES)
PATCH_ATTEMPTS = 3
"""How often a PATCH rereads a memory that other writes keep changing before it gives up."""
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
"""A moment before any memory expired: reads judged then include expired memories."""


async def memory_of(request: Request) -> Memory:
    """The `Memory` the routes act on: the app's, else one over the server's store."""
    memory: Memory | None = request.app.state.memory
    if memory is not None:
        return memory
    try:
        from langgraph_api.store import get_store  # only installed where LangGraph Server runs
    except ImportError:
        raise MemoryDbError(
            "no store: create_app() without a Memory serves the store of the LangGraph Server "
            "it is mounted in, and only runs there"
        ) from None
    store_memory: StoreMemory = request.app.state.store_memory
    return store_memory.memory(await get_store())


Caller = Annotated[Principal, Depends(principal)]
Store = Annotated[Memory, Depends(memory_of)]
AgentQuery = Annotated[
    str | None,
    Query(
        description="the agent scope (default: the memories every agent shares, or the "
        "key's own agent)"
    ),
]


def _scoped(
    memory: Memory, caller: Principal, user_id: str, agent_id: str | None
) -> tuple[str, Memory]:
    """The validated user and the memory of the agent scope the caller may reach."""
    user_id = validate_user_id(user_id)
    agent_id = agent_id if agent_id is not None else caller.agent_id
    authorize(caller, user_id, agent_id)
    return user_id, memory.for_agent(agent_id)


@router.get("/health", response_model=models.Health)
async def health(memory: Store) -> models.Health:
    """Whether the app is up, and the kind of store it serves."""
    return models.Health(store=type(memory.db).__name__)


@router.get("/v1/users", response_model=models.Users)
async def list_users(memory: Store, caller: Caller, agent_id: AgentQuery = None) -> models.Users:
    """Every user with memories in the agent scope, with how many each has; a user key sees
    its own user only."""
    agent_id = agent_id if agent_id is not None else caller.agent_id
    scoped = memory.for_agent(agent_id)
    user_ids = await scoped.db.auser_ids(scope=Scope(agent_id))
    if not caller.admin:
        authorize(caller, str(caller.user_id), agent_id)
        user_ids = [u for u in user_ids if u == caller.user_id]
    counts = [
        models.UserCount(user_id=user, memories=len(await scoped.aget_user_memories(user)))
        for user in user_ids
    ]
    return models.Users(users=[count for count in counts if count.memories])


@router.get("/v1/users/{user_id}/memories", response_model=models.MemoryPage)
async def list_memories(
    user_id: str,
    memory: Store,
    caller: Caller,
    agent_id: AgentQuery = None,
    topics: Annotated[list[str] | None, Query(description="any of these topics")] = None,
    q: Annotated[str | None, Query(description="text the memory or a topic contains")] = None,
    since: Annotated[datetime | None, Query(description="updated then or later")] = None,
    until: Annotated[datetime | None, Query(description="updated before then")] = None,
    include_expired: bool = False,
    limit: Annotated[int, Query(ge=1, le=models.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    sort: Literal["updated_at", "created_at"] = "updated_at",
    order: Literal["asc", "desc"] = "desc",
) -> models.MemoryPage:
    """The user's memories, filtered, sorted and paged."""
    user_id, scoped = _scoped(memory, caller, user_id, agent_id)
    narrowed = MemoryFilter.of(topics, since, until)
    at = EARLIEST if include_expired else scoped.clock()
    found = await scoped.db.alist_memories(
        user_id, ListQuery(sort, newest_first=order == "desc"), scope=Scope(scoped.agent_id, at)
    )
    text = None if q is None else q.casefold()
    matching = [
        m
        for m in found
        if narrowed.matches(m)
        and (text is None or text in " ".join([m.memory, *m.topics]).casefold())
    ]
    return models.MemoryPage(
        memories=matching[offset : offset + limit], total=len(matching), limit=limit, offset=offset
    )


@router.post("/v1/users/{user_id}/memories", response_model=UserMemory, status_code=201)
async def add_memory(
    user_id: str, body: models.NewMemory, memory: Store, caller: Caller
) -> UserMemory:
    """Store a memory; the user's existing memory with the same text is refreshed instead."""
    user_id, scoped = _scoped(memory, caller, user_id, body.agent_id)
    new = _user_memory(memory=body.memory, topics=body.topics, expires_at=body.expires_at)
    memory_id = await scoped.aadd_user_memory(new, user_id)
    return await _found(scoped, user_id, memory_id)


@router.get("/v1/users/{user_id}/memories/{memory_id}", response_model=UserMemory)
async def get_memory(
    user_id: str, memory_id: str, memory: Store, caller: Caller, agent_id: AgentQuery = None
) -> UserMemory:
    user_id, scoped = _scoped(memory, caller, user_id, agent_id)
    return await _found(scoped, user_id, memory_id)


@router.patch("/v1/users/{user_id}/memories/{memory_id}", response_model=UserMemory)
async def update_memory(
    user_id: str,
    memory_id: str,
    body: models.MemoryChanges,
    memory: Store,
    caller: Caller,
    agent_id: AgentQuery = None,
) -> UserMemory:
    """Change a memory's text, topics or expiry; the fields left out are kept.

    The fields kept are those read first, so the replace applies only while the memory
    still holds them; when another write changed it in between, the change is merged
    into the new state again, and after `PATCH_ATTEMPTS` such races the answer is 409.
    """
    user_id, scoped = _scoped(memory, caller, user_id, agent_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("memory", "") is None or changes.get("topics", []) is None:
        _refuse(["body", "memory" if body.memory is None else "topics"], "may not be null")
    for retries_left in reversed(range(PATCH_ATTEMPTS)):
        current = await _found(scoped, user_id, memory_id)
        changed = _user_memory(
            memory=changes.get("memory", current.memory),
            topics=changes.get("topics", current.topics),
            expires_at=changes.get("expires_at", current.expires_at),
        )
        op = ReplaceMemory(memory_id, changed, expected=current)
        try:
            await scoped.aapply_user_memory_ops(
                user_id, [op], WriteContext("api", at=scoped.clock())
            )
            break
        except MemoryConflictError:
            if not retries_left:
                raise
    return await _found(scoped, user_id, memory_id)


@router.delete("/v1/users/{user_id}/memories/{memory_id}", status_code=204)
async def delete_memory(
    user_id: str, memory_id: str, memory: Store, caller: Caller, agent_id: AgentQuery = None
) -> None:
    user_id, scoped = _scoped(memory, caller, user_id, agent_id)
    if not await scoped.adelete_user_memory(user_id, memory_id):
        raise MemoryNotFoundError(memory_id, user_id)


@router.delete("/v1/users/{user_id}/memories", response_model=models.Deleted)
async def delete_memories(
    user_id: str,
    memory: Store,
    caller: Caller,
    agent_id: AgentQuery = None,
    body: Annotated[models.DeleteMemories | None, Body()] = None,
) -> models.Deleted:
    """Delete the listed memories (all of them, or none when one is unknown), or without
    a list every memory of the user in the agent scope."""
    user_id, scoped = _scoped(memory, caller, user_id, agent_id)
    if body is None or body.memory_ids is None:
        return models.Deleted(deleted=await scoped.aclear(user_id))
    ops = [DeleteMemory(validate_memory_id(i)) for i in dict.fromkeys(body.memory_ids)]
    context = WriteContext("api", at=scoped.clock())
    events = await scoped.aapply_user_memory_ops(user_id, ops, context)
    return models.Deleted(deleted=sum(event.action == "deleted" for event in events))


@router.post("/v1/users/{user_id}/erase")
async def erase_user(user_id: str, memory: Store, caller: Caller) -> dict[str, int]:
    """Remove every trace of the user (memories of every agent scope with their history,
    summaries, pending messages, the sessions kept beside them), unlike the bulk delete,
    which keeps history; returns the counts removed per kind. A key bound to one agent
    may not, since this reaches every agent's memories."""
    if caller.agent_id is not None:
        raise HTTPException(403, "a key bound to one agent may not erase the user")
    user_id, _ = _scoped(memory, caller, user_id, None)
    return asdict(await memory.aerase_user(user_id))


@router.get("/v1/users/{user_id}/memories/{memory_id}/history", response_model=models.History)
async def memory_history(
    user_id: str, memory_id: str, memory: Store, caller: Caller, agent_id: AgentQuery = None
) -> models.History:
    """Every change to the memory, oldest first, also after it was deleted."""
    user_id, scoped = _scoped(memory, caller, user_id, agent_id)
    return models.History(events=await scoped.aget_memory_history(memory_id, user_id))


@router.post("/v1/users/{user_id}/search", response_model=models.SearchResults)
async def search_memories(
    user_id: str,
    body: models.SearchQuery,
    memory: Store,
    caller: Caller,
    agent_id: AgentQuery = None,
) -> models.SearchResults:
    """Search by any retrieval method; `token_budget` keeps the best results that fit it."""
    user_id, scoped = _scoped(memory, caller, user_id, agent_id)
    found = await scoped.asearch_user_memories(
        user_id,
        body.query,
        body.limit,
        body.method,
        topics=body.topics,
        updated_after=body.since,
        updated_before=body.until,
    )
    scores: list[float | None] = list(found.scores) if found.scores else [None] * len(found)
    results = [models.ScoredMemory(memory=m, score=s) for m, s in zip(found, scores, strict=True)]
    if body.token_budget is not None:
        results = _within(results, body.token_budget)
    return models.SearchResults(
        results=results, method=found.method, fallback_reason=found.fallback_reason
    )


@router.get("/v1/users/{user_id}/topics", response_model=models.Topics)
async def list_topics(
    user_id: str, memory: Store, caller: Caller, agent_id: AgentQuery = None
) -> models.Topics:
    """Each topic of the user's memories and how many memories carry it, most used first."""
    user_id, scoped = _scoped(memory, caller, user_id, agent_id)
    counts = Counter(t for m in await scoped.aget_user_memories(user_id) for t in m.topics)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return models.Topics(topics=[models.TopicCount(topic=t, memories=n) for t, n in ranked])


@router.get("/v1/users/{user_id}/export")
async def export_memories(
    user_id: str, memory: Store, caller: Caller, agent_id: AgentQuery = None
) -> dict[str, Any]:
    """The user's memories in the format `import` (and `memory-agent memories import`) reads."""
    user_id, scoped = _scoped(memory, caller, user_id, agent_id)
    return await scoped.aexport_user_memories(user_id)


@router.post("/v1/users/{user_id}/import", response_model=models.Imported)
async def import_memories(
    user_id: str,
    data: Annotated[dict[str, Any], Body()],
    memory: Store,
    caller: Caller,
    agent_id: AgentQuery = None,
) -> models.Imported:
    """Restore exported memories into this user, in one transaction."""
    user_id, scoped = _scoped(memory, caller, user_id, agent_id)
    return models.Imported(memory_ids=await scoped.aimport_user_memories(data, user_id))


@router.post("/v1/import/agno")
async def import_agno(
    body: models.AgnoRows, memory: Store, caller: Caller, agent_id: AgentQuery = None
) -> dict[str, Any]:
    """Import the rows of an Agno memories table, for the users they name (admins only).
    Each user's memories land in one transaction; a bad row is reported, not imported."""
    if not caller.admin:
        raise HTTPException(403, "only an admin key may import Agno rows for any user")
    report = await run_in_threadpool(
        import_agno_rows,
        body.rows,
        memory.for_agent(agent_id),
        body.layout,
        memory_is_json=body.memory_is_json,
    )
    return report.to_dict()


@router.post("/v1/users/{user_id}/prompt", response_model=models.PromptBlock)
async def prompt_block(
    user_id: str,
    body: models.PromptRequest,
    memory: Store,
    caller: Caller,
    agent_id: AgentQuery = None,
) -> models.PromptBlock:
    """What the agent sees: the memory block it would put in its prompt for this message."""
    user_id, scoped = _scoped(memory, caller, user_id, agent_id)
    section = await memory_section(
        AWAITING,
        scoped,
        user_id,
        body.message,
        agentic=body.agentic,
        token_budget=body.token_budget,
    )
    return models.PromptBlock(prompt=section)


@router.get("/v1/users/{user_id}/summaries", response_model=models.Summaries)
async def session_summaries(user_id: str, memory: Store, caller: Caller) -> models.Summaries:
    """The user's session summaries, most recent first (they belong to the user, whatever
    the agent)."""
    user_id, _ = _scoped(memory, caller, user_id, None)
    return models.Summaries(summaries=await memory.aget_session_summaries(user_id))


async def _found(memory: Memory, user_id: str, memory_id: str) -> UserMemory:
    found = await memory.aget_user_memory(memory_id, user_id)
    if found is None:
        raise MemoryNotFoundError(memory_id, user_id)
    return found


def _user_memory(**fields: Any) -> UserMemory:
    """A memory from a request's fields; a value the library refuses is a 422 naming it."""
    try:
        return UserMemory(**fields)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        ) from None


def _refuse(loc: list[str], message: str) -> None:
    raise RequestValidationError([{"loc": tuple(loc), "msg": message, "type": "value_error"}])


def _within(results: list[models.ScoredMemory], token_budget: int) -> list[models.ScoredMemory]:
    """The best results, in order, while their text fits `token_budget`."""
    kept, spent = [], 0
    for result in results:
        spent += memory_tokens(result.memory)
        if spent > token_budget:
            break
        kept.append(result)
    return kept
