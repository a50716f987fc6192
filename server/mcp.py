"""The MCP server: a user's memories as MCP tools, over stdio or streamable HTTP.

No tool takes a user id. The user (and agent scope) the tools act for comes from
how the server was reached: fixed by the command line for stdio (`for_user`), or,
over HTTP at `/memory/mcp` (`mount_mcp`), from the request's API key, resolved
before the MCP layer sees the request and read back by `request_caller`. A user id
the model puts in a tool's arguments is in no schema and is ignored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Request
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import BaseModel, Field, ValidationError
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from memory import Memory, MemoryAgentError, MemoryNotFoundError, prompts
from memory.schema import MemoryEvent, UserMemory, validate_agent_id, validate_user_id
from server.auth import authorize, principal
from server.routes import PREFIX, memory_of

CALLER_STATE_KEY = "memory_mcp_caller"
"""Where the HTTP endpoint leaves the request's `Caller` in the ASGI scope's state."""
USER_HEADER = "X-Memory-User"
"""The user an admin key's MCP connection acts for (a user key may only name its own)."""
AGENT_HEADER = "X-Memory-Agent"
"""The agent scope an MCP connection acts in, when its key is not bound to one."""
MAX_RESULTS = 100
"""The most memories one search or list call returns."""


@dataclass(frozen=True)
class Caller:
    """Whose memories a tool call reaches (`user_id`), and where they live: `memory`,
    already in the caller's agent scope."""

    memory: Memory
    user_id: str


CallerSource = Callable[[Context], Caller]
"""Learns whose memories one tool call reaches, from its MCP context."""


def for_user(memory: Memory, user_id: str, agent_id: str | None = None) -> CallerSource:
    """Every call acts for one user: the stdio server, started for that user."""
    caller = Caller(memory.for_agent(agent_id), validate_user_id(user_id))
    return lambda _context: caller


def request_caller(context: Context) -> Caller:
    """The caller the HTTP endpoint resolved from the request's key.

    Refuses a call that did not come through that endpoint, so a server mounted
    without it fails closed instead of acting for nobody in particular.
    """
    request = context.request_context.request
    state = getattr(request, "scope", {}).get("state") or {}
    caller = state.get(CALLER_STATE_KEY)
    if not isinstance(caller, Caller):
        raise ToolError("this MCP server was reached without an authenticated user")
    return caller


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


def create_mcp_server(caller: CallerSource, *, name: str = "memory") -> MCPServer:
    """An MCP server whose tools read and change the memories of the user each call
    acts for.

    Args:
        caller: How a call learns whose memories it reaches, and where they live:
            `for_user(memory, user_id)` for stdio, `request_caller` behind the
            HTTP endpoint (`mount_mcp`).
        name: The server name MCP clients show.
    """
    # The SDK sets up root logging when nothing did; WARNING keeps its per-call INFO lines
    # (which quote tool errors) out of an app that never asked for them.
    server: MCPServer = MCPServer(
        name, instructions=prompts.MCP_SERVER_INSTRUCTIONS, log_level="WARNING"
    )

    def scoped(context: Context) -> tuple[Memory, str]:
        found = caller(context)
        return found.memory, found.user_id

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


def mount_mcp(app: FastAPI) -> None:
    """Serve the MCP server over streamable HTTP at `/memory/mcp` of `app`, behind the
    app's own auth, and run its session manager for as long as the app runs.

    Stateless: each request stands alone (no session to pin to one worker), and the
    caller is resolved from each request's key, so a session id alone reaches nothing.
    """
    server = create_mcp_server(request_caller)
    server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        # The app's keys guard every route alike; the SDK's Host check would refuse
        # the hosts LangGraph Server or a proxy serves the app under.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    manager = server.session_manager
    app.router.routes.append(Route(f"{PREFIX}/mcp", McpEndpoint(StreamableHTTPASGIApp(manager))))
    app_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        async with manager.run(), app_lifespan(app) as state:
            yield state

    app.router.lifespan_context = lifespan


class McpEndpoint:
    """The streamable-HTTP transport behind the app's auth: a request without a usable
    key is answered 401/403 as every REST route would, before any MCP message is read;
    an authorized one carries its `Caller` to the tools in the ASGI scope's state."""

    def __init__(self, transport: ASGIApp) -> None:
        self.transport = transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        caller = await _caller_of(Request(scope, receive))
        scope.setdefault("state", {})[CALLER_STATE_KEY] = caller
        await self.transport(scope, receive, send)


async def _caller_of(request: Request) -> Caller:
    """A user key acts as its user (and its agent scope, when bound to one); an admin
    must name the user in `X-Memory-User`. A header naming another user or agent than
    the key's own is refused (403)."""
    who = principal(request)
    user_id = request.headers.get(USER_HEADER) or who.user_id
    if user_id is None:
        raise HTTPException(
            400, f"an admin key must name the user the MCP connection acts for in {USER_HEADER}"
        )
    agent_id = request.headers.get(AGENT_HEADER) or who.agent_id
    user_id, agent_id = validate_user_id(user_id), validate_agent_id(agent_id)
    authorize(who, user_id, agent_id)
    return Caller((await memory_of(request)).for_agent(agent_id), user_id)


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
    except MemoryNotFoundError as error:  # its message names the user: the SDK logs it
        raise ToolError(f"no memory {error.memory_id!r}") from error
    except (MemoryAgentError, ValidationError) as error:
        raise ToolError(str(error)) from error
