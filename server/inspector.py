"""The memory inspector: one server-rendered page at `/memory/` whose script reads and
changes memories through the REST API, with the key the person enters.

Every asset is served from `server/static/`; the page's Content-Security-Policy lets
it load and call nothing but this app, so no request leaves the machine.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from server.routes import PREFIX

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def mount_inspector(app: FastAPI) -> None:
    """Serve the page at `/memory/` and its assets under `/memory/static/`."""
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="memory-static")
    app.add_api_route(
        f"{PREFIX}/", inspector_page, response_class=HTMLResponse, include_in_schema=False
    )


async def inspector_page(request: Request) -> HTMLResponse:
    """The page; it holds no memory, so it needs no key (its API calls do)."""
    page = TEMPLATES.TemplateResponse(
        request,
        "inspector.html",
        {"prefix": PREFIX, "keys_required": bool(request.app.state.keys)},
    )
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page
