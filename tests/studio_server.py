"""Start ``uv run langgraph dev`` as a subprocess for end-to-end tests, fully offline."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from importlib.util import find_spec
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LOG_NAME = "langgraph_dev.log"

# Inherited variables with these prefixes are dropped: an exported LANGSMITH_API_KEY turns on
# tracing and the usage-metadata loop, LANGCHAIN_TRACING_V2=true wins over LANGSMITH_TRACING,
# and real provider keys or base URLs must never reach a test server.
_DROPPED_PREFIXES = (
    *("LANGSMITH_", "LANGCHAIN_", "LANGGRAPH_", "OTEL_", "LC_"),
    *("OPENAI_", "AZURE_OPENAI_", "GOOGLE_", "GEMINI_", "MEMORY_AGENT_"),
)
OFFLINE_ENV = {
    "LANGSMITH_TRACING": "false",  # no LangSmith traces and no LangSmith lookups at startup
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",  # CLI posts a usage record to Supabase otherwise
    "LANGGRAPH_NO_VERSION_CHECK": "true",  # langgraph_api asks PyPI for newer versions otherwise
    "LOG_COLOR": "false",  # plain server log
    "PYTHONUNBUFFERED": "1",  # keep the log file current
}
# The banner line "- 🚀 API: <ansi>http://127.0.0.1:PORT<ansi>" names the port actually bound:
# the CLI silently moves to another free port when the requested one is taken.
_API_URL = re.compile(r"API: (?:\x1b\[[0-9;]*m)?(https?://[^\s\x1b]+)")
_STARTUP_FAILED = "Application startup failed"  # uvicorn, e.g. when a graph fails to import

requires_langgraph_cli = pytest.mark.skipif(
    shutil.which("uv") is None or find_spec("langgraph_api") is None,
    reason="needs `uv` on PATH and langgraph-cli[inmem] (uv sync --group dev)",
)


def offline_env() -> dict[str, str]:
    """Inherited environment minus tracing, provider and PYTHONPATH settings, plus offline flags."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}
    env.pop("PYTHONPATH", None)  # graph modules must import as they do for the README command
    return env | OFFLINE_ENV | {"UV_PROJECT": str(PROJECT_ROOT)}  # `uv run` outside the project


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _is_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ok", timeout=1):
            return True  # non-2xx answers raise HTTPError
    except (urllib.error.URLError, OSError):
        return False


def _wait_ready(proc: subprocess.Popen[bytes], log: Path, timeout: float) -> str:
    """Poll until the server answers ``/ok``; return its base URL."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"langgraph dev exited with code {proc.returncode}")
        text = log.read_text(errors="replace")
        if _STARTUP_FAILED in text:  # with reload on, the reloader outlives the failed worker
            raise RuntimeError("langgraph dev failed to start (see log)")
        match = _API_URL.search(text)
        if match and _is_ok(match[1]):
            return match[1]
        time.sleep(0.1)
    raise TimeoutError(f"langgraph dev not ready after {timeout:.0f}s")


def _stop(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the process group, SIGKILL whatever is left after ``grace`` seconds."""
    pgid = proc.pid  # start_new_session=True: the group id is the leader's pid
    try:
        os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            proc.poll()  # reap the leader so that a zombie does not count as alive
            os.killpg(pgid, 0)  # raises ProcessLookupError once the group is empty
            time.sleep(0.05)
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


@contextmanager
def langgraph_dev_server(
    config: str,
    state_dir: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 60.0,
    stop_grace: float = 10.0,
) -> Iterator[str]:
    """Run ``uv run langgraph dev --config CONFIG --no-browser --port PORT``; yield its URL.

    ``config`` is relative to the project root, as in the README. The server runs in
    ``state_dir/server/`` (``state_dir`` is a fresh temporary directory by default), which
    links the config's top folder from the project, so that the command and its module
    graph specs resolve exactly as from the repo root, while ``.langgraph_api/`` and
    ``langgraph_dev.log`` stay out of the repo. ``env`` is added to the server's
    environment.
    """
    with ExitStack() as stack:
        base = state_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        log = base / LOG_NAME  # outside cwd: the reloader watches cwd and logs each change
        cwd = base / "server"
        cwd.mkdir()
        top = Path(config).parts[0]
        (cwd / top).symlink_to(PROJECT_ROOT / top, target_is_directory=True)
        command = ["uv", "run", "langgraph", "dev", "--config", config, "--no-browser"]
        command += ["--port", str(free_port())]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                command,
                cwd=cwd,
                env=offline_env() | dict(env or {}),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        stack.callback(_stop, proc, stop_grace)
        try:
            url = _wait_ready(proc, log, startup_timeout)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}\n--- {log} ---\n{log.read_text(errors='replace')}") from exc
        yield url
