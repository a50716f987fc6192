"""The ASGI app: every memory route under `/memory/`, on a `Memory` or the deployment's store.

Standalone (`memory-agent serve`) it serves the `Memory` it is given; mounted in
LangGraph Server (`langgraph.json` `"http": {"app": "./server/langgraph_app.py:app"}`)
it serves the server's own store (`langgraph_api.store.get_store()`, the one its graphs
and its `/store` routes use).
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from graphs.scope import StoreMemory
from memory import Memory
from server.auth import ApiKeys
from server.errors import add_error_handlers
from server.inspector import mount_inspector
from server.mcp import mount_mcp
from server.routes import PREFIX, router


def create_app(memory: Memory | None = None, *, keys: ApiKeys | None = None) -> FastAPI:
    """The memory app on `memory`, or (None) on the store of the LangGraph Server it is
    mounted in. `keys` (default: from the environment, see `server.auth`) decide who may
    reach which user's memories; with none the app is open. The caller keeps `memory`
    and closes it."""
    app = FastAPI(
        title="memory-agent",
        summary="See, search, correct and erase what agents learned about their users.",
        openapi_url=f"{PREFIX}/openapi.json",
        # FastAPI's Swagger UI loads its scripts from a CDN: offline it shows nothing, and
        # the inspector's policy allows no other host. The schema stays, for any client.
        docs_url=None,
        redoc_url=None,
    )
    app.state.memory = memory
    app.state.store_memory = StoreMemory(delete_memories=True, clear_memories=True)
    app.state.keys = ApiKeys.from_env() if keys is None else keys
    app.state.requires_identity = _deployment_authenticates()
    add_error_handlers(app)
    # The routes themselves, not an included router: LangGraph Server wraps each route of
    # a mounted app in its auth middleware, which needs every route to be an ASGI app.
    app.router.routes.extend(router.routes)
    mount_mcp(app)
    mount_inspector(app)
    return app


def _deployment_authenticates() -> bool:
    """Whether the app runs in a LangGraph Server that has its own `Auth` (`langgraph dev`
    and the server's image pass langgraph.json's "auth" in this variable)."""
    return bool(os.environ.get("LANGGRAPH_AUTH"))
