"""The ASGI app: every memory route under `/memory/`, on a `Memory` or the deployment's store.

Standalone (`memory-agent serve`) it serves the `Memory` it is given; mounted in
LangGraph Server (`langgraph.json` `"http": {"app": "./server/langgraph_app.py:app"}`)
it serves the server's own store (`langgraph_api.store.get_store()`, the one its graphs
and its `/store` routes use).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.routing import APIRoute

from graphs.scope import StoreMemory
from memory import Memory
from memory.errors import MemoryDbError
from server.auth import ApiKeys
from server.errors import add_error_handlers

PREFIX = "/memory"
MAX_BODY_BYTES = 1_000_000
"""An import of a few thousand memories fits; a larger body is refused (413) unread."""


class LimitedBodyRoute(APIRoute):
    """A route that refuses (413) a body over `MAX_BODY_BYTES` before parsing any of it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                raise HTTPException(413, f"the body is over {MAX_BODY_BYTES} bytes")
            body = bytearray()
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise HTTPException(413, f"the body is over {MAX_BODY_BYTES} bytes")
            request._body = bytes(body)
            return await handler(request)

        return limited


def create_app(memory: Memory | None = None, *, keys: ApiKeys | None = None) -> FastAPI:
    """The memory app on `memory`, or (None) on the store of the LangGraph Server it is
    mounted in. `keys` (default: from the environment, see `server.auth`) decide who may
    reach which user's memories; with none the app is open. The caller keeps `memory`
    and closes it."""
    from server.inspector import mount_inspector
    from server.mcp import mount_mcp
    from server.routes import router

    app = FastAPI(
        title="memory-agent",
        summary="See, search, correct and erase what agents learned about their users.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    app.state.memory = memory
    app.state.store_memory = StoreMemory(delete_memories=True, clear_memories=True)
    app.state.keys = ApiKeys.from_env() if keys is None else keys
    app.state.requires_identity = memory is None and _deployment_authenticates()
    add_error_handlers(app)
    app.include_router(router, prefix=PREFIX)
    mount_mcp(app)
    mount_inspector(app)
    return app


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


def _deployment_authenticates() -> bool:
    """Whether the LangGraph Server this app may be mounted in has its own `Auth`."""
    try:
        from langgraph_api import config  # only installed where LangGraph Server runs
    except ImportError:
        return False
    return bool(getattr(config, "LANGGRAPH_AUTH", None))
