"""The MCP server: a user's memories as MCP tools, over stdio or streamable HTTP.

No tool takes a user id. The user (and agent scope) the tools act for comes from
how the server was reached: fixed by the command line for stdio (`fixed_actor`),
or, over HTTP, from the request's API key, resolved before the MCP layer sees the
request and read back by `request_actor`. A user id the model puts in a tool's
arguments is not part of any schema and is ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, ValidationError

from memory import Memory, MemoryAgentError, prompts
from memory.schema import MemoryEvent, UserMemory, validate_agent_id, validate_user_id

ACTOR_STATE_KEY = "memory_actor"
"""Where the HTTP endpoint leaves the request's `Actor` in the ASGI scope's state."""
MAX_RESULTS = 100
"""The most memories one search or list call returns."""


@dataclass(frozen=True)
class Actor:
    """Whose memories the tools reach: a user, and the agent scope within that user's."""

    user_id: str
    agent_id: str | None = None

    def __post_init__(self) -> None:
        validate_user_id(self.user_id)
        validate_agent_id(self.agent_id)


ActorSource = Callable[[Context], Actor]
"""Learns the acting user of one tool call from its MCP context."""


def fixed_actor(user_id: str, agent_id: str | None = None) -> ActorSource:
    """Every call acts for one user: the stdio server, started for that user."""
    actor = Actor(user_id, agent_id)
    return lambda _context: actor


def request_actor(context: Context) -> Actor:
    """The actor the HTTP endpoint resolved from the request's key.

    Refuses a call that did not come through that endpoint, so a server mounted
    without it fails closed instead of acting for nobody in particular.
    """
    request = context.request_context.request
    state = getattr(request, "scope", {}).get("state") or {}
    actor = state.get(ACTOR_STATE_KEY)
    if not isinstance(actor, Actor):
        raise ToolError("this MCP server was reached without an authenticated user")
    return actor


class Found(BaseModel):
    """Memories a search found, best first, and how they were ranked."""

    method: str
    fallback_reason: str | None = None
    memories: list[UserMemory]


class Listed(BaseModel):
    """A page of the user's memories, oldest first, and how many match in all."""

    total: int
    memories: list[UserMemory]


class Forgotten(BaseModel):
    deleted: int


class Deleted(BaseModel):
    memory_id: str
    deleted: bool


SearchMethod = Literal["keyword", "semantic", "hybrid", "last_n", "first_n"]
Limit = Annotated[int, Field(ge=1, le=MAX_RESULTS)]
TopicFilter = Annotated[
    list[str] | None, Field(description="Only memories with any of these topics.")
]


def create_mcp_server(memory: Memory, actor: ActorSource, *, name: str = "memory") -> MCPServer:
    """An MCP server whose tools read and change one user's memories in `memory`.

    Args:
        memory: Where the memories live; each call reaches its actor's agent scope.
        actor: How a call learns whose memories it reaches: `fixed_actor(...)` for
            stdio, `request_actor` behind the HTTP endpoint.
        name: The server name MCP clients show.
    """
    server: MCPServer = MCPServer(name, instructions=prompts.MCP_SERVER_INSTRUCTIONS)

    def scoped(context: Context) -> tuple[Memory, str]:
        who = actor(context)
        return memory.for_agent(who.agent_id), who.user_id

    @server.tool(description=prompts.MCP_ADD_MEMORY_DESCRIPTION)
    async def add_memory(
        memory: str,
        context: Context,
        topics: list[str] | None = None,
        expires_at: datetime | None = None,
    ) -> UserMemory:
        store, user_id = scoped(context)
        with _refusals():
            new = UserMemory(memory=memory, topics=topics or [], expires_at=expires_at)
            memory_id = await store.aadd_user_memory(new, user_id, source="mcp")
            return await _existing(store, memory_id, user_id)

    @server.tool(description=prompts.MCP_SEARCH_MEMORIES_DESCRIPTION)
    async def search_memories(
        query: str,
        context: Context,
        limit: Limit = 5,
        method: SearchMethod | None = None,
        topics: TopicFilter = None,
    ) -> Found:
        store, user_id = scoped(context)
        with _refusals():
            found = await store.asearch_user_memories(user_id, query, limit, method, topics=topics)
        return Found(method=found.method, fallback_reason=found.fallback_reason, memories=found)

    @server.tool(description=prompts.MCP_LIST_MEMORIES_DESCRIPTION)
    async def list_memories(
        context: Context,
        topics: TopicFilter = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
        limit: Limit = 50,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> Listed:
        store, user_id = scoped(context)
        with _refusals():
            memories = await store.aget_user_memories(
                user_id,
                topics=topics,
                updated_after=updated_after,
                updated_before=updated_before,
            )
        return Listed(total=len(memories), memories=memories[offset : offset + limit])

    @server.tool(description=prompts.MCP_GET_MEMORY_DESCRIPTION)
    async def get_memory(memory_id: str, context: Context) -> UserMemory:
        store, user_id = scoped(context)
        with _refusals():
            return await _existing(store, memory_id, user_id)

    @server.tool(description=prompts.MCP_UPDATE_MEMORY_DESCRIPTION)
    async def update_memory(
        memory_id: str,
        context: Context,
        memory: str | None = None,
        topics: list[str] | None = None,
        expires_at: datetime | None = None,
    ) -> UserMemory:
        if memory is None and topics is None and expires_at is None:
            raise ToolError("nothing to change: give memory, topics or expires_at")
        store, user_id = scoped(context)
        with _refusals():
            current = await _existing(store, memory_id, user_id)
            changed = UserMemory(
                memory=current.memory if memory is None else memory,
                topics=current.topics if topics is None else topics,
                expires_at=current.expires_at if expires_at is None else expires_at,
            )
            await store.areplace_user_memory(memory_id, changed, user_id, source="mcp")
            return await _existing(store, memory_id, user_id)

    @server.tool(description=prompts.MCP_DELETE_MEMORY_DESCRIPTION)
    async def delete_memory(memory_id: str, context: Context) -> Deleted:
        store, user_id = scoped(context)
        with _refusals():
            deleted = await store.adelete_user_memory(user_id, memory_id, source="mcp")
        if not deleted:
            raise ToolError(f"no memory {memory_id!r}")
        return Deleted(memory_id=memory_id, deleted=True)

    @server.tool(description=prompts.MCP_MEMORY_HISTORY_DESCRIPTION)
    async def memory_history(memory_id: str, context: Context) -> list[MemoryEvent]:
        store, user_id = scoped(context)
        with _refusals():
            return await store.aget_memory_history(memory_id, user_id)

    @server.tool(description=prompts.MCP_FORGET_ALL_DESCRIPTION)
    async def forget_all(confirm: bool, context: Context) -> Forgotten:
        if confirm is not True:
            raise ToolError("nothing deleted: forget_all needs confirm=true")
        store, user_id = scoped(context)
        with _refusals():
            return Forgotten(deleted=await store.aclear(user_id, source="mcp"))

    return server


async def _existing(memory: Memory, memory_id: str, user_id: str) -> UserMemory:
    found = await memory.aget_user_memory(memory_id, user_id)
    if found is None:
        raise ToolError(f"no memory {memory_id!r}")
    return found


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn the library's refusals (bad input, an unknown id) into tool errors the model
    reads, instead of the SDK's opaque "unexpected error"; nothing was changed."""
    try:
        yield
    except (MemoryAgentError, ValidationError) as error:
        raise ToolError(str(error)) from error
