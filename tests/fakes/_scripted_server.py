"""Loopback HTTP server that answers model-provider API calls from a script."""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, urlsplit

from langchain_core.messages import AIMessage

Route = Literal["chat", "embeddings"]
Vectors = list[list[float]]
Answer = dict[str, Any] | list[str]
"""A JSON body to send whole, or the `data:` payloads of a server-sent event stream."""

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\s*\S+|\s+")


@dataclass(frozen=True)
class HTTPFault:
    """Fail the request with this status and a provider-shaped error body."""

    status: int = 500
    message: str = "scripted provider failure"


@dataclass(frozen=True)
class Delay:
    """Send `reply` only after `seconds`; beyond the client's timeout it acts as a hung provider."""

    seconds: float
    reply: Reply = ""


Reply = str | AIMessage | Vectors | HTTPFault | Delay
"""Chat text or message (its `invalid_tool_calls` send malformed JSON), vectors, or a fault."""


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received, so tests can assert what the client sent."""

    path: str
    query: dict[str, str]
    body: dict[str, Any]


class ScriptError(ValueError):
    """The script cannot answer this request; the server reports it as an HTTP 500."""


def hashed_embedding(text: str, dimensions: int) -> list[float]:
    """Unit bag-of-words vector, so texts sharing words are similar and runs are repeatable."""
    vector = [0.0] * dimensions
    for word in _WORD.findall(text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=5).digest()
        vector[int.from_bytes(digest[:4], "big") % dimensions] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(value * value for value in vector)) or 1.0
    return [value / norm for value in vector]


def count_tokens(value: object) -> int:
    """Approximate token count (words in the JSON form), enough for plausible usage numbers."""
    return len(_WORD.findall(value if isinstance(value, str) else json.dumps(value)))


def split_tokens(text: str) -> list[str]:
    """Split text into word-sized pieces that concatenate back to it, for streaming."""
    return list(_TOKEN.findall(text))


class ScriptedServer(ABC):
    """Provider API on 127.0.0.1 that replies from a queue and records every request.

    Chat replies come from `script(...)`; when none is left the request fails
    with HTTP 500 naming the problem. Embedding requests take `script_embeddings(...)`
    replies first and otherwise get `embed(text, dimensions)` vectors (`hashed_embedding`
    unless a test sets its own). Subclasses only translate between the queue and one
    provider's wire format.
    """

    def __init__(self, dimensions: int = 64) -> None:
        """Bind a free port now (`start()` begins serving); `dimensions` sizes hashed vectors."""
        self.dimensions = dimensions
        self.embed: Callable[[str, int], list[float]] = hashed_embedding
        self._queues: dict[Route, deque[Reply]] = {"chat": deque(), "embeddings": deque()}
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL of the server, without a trailing slash or API version."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def script(self, *replies: Reply) -> None:
        """Queue replies for chat requests, in order."""
        with self._lock:
            self._queues["chat"].extend(replies)

    def script_embeddings(self, *replies: Reply) -> None:
        """Queue replies (vectors, one per input text, or faults) for embedding requests."""
        with self._lock:
            self._queues["embeddings"].extend(replies)

    def start(self) -> Self:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, waking any delayed reply so shutdown is immediate."""
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def answer(self, target: str, body: dict[str, Any]) -> tuple[int, Answer]:
        """Record a request and produce its status and answer (called by the HTTP handler)."""
        parts = urlsplit(target)
        route = self._route(parts.path)
        with self._lock:
            self._requests.append(RecordedRequest(parts.path, dict(parse_qsl(parts.query)), body))
            queue = self._queues[route] if route else None
            reply = queue.popleft() if queue else None
        while isinstance(reply, Delay):
            self._closing.wait(reply.seconds)
            reply = reply.reply
        if isinstance(reply, HTTPFault):
            return reply.status, self._error(reply.status, reply.message)
        try:
            if route == "chat":
                return 200, self._chat(parts.path, body, _as_message(reply))
            if route == "embeddings":
                if isinstance(reply, str | AIMessage):
                    raise ScriptError(f"embedding request got a chat reply: {reply!r}")
                return 200, self._embeddings(parts.path, body, reply)
            return 404, self._error(404, f"no fake route for {parts.path}")
        except ScriptError as error:
            return 500, self._error(500, f"fake server script error: {error}")

    @abstractmethod
    def _route(self, path: str) -> Route | None:
        """Which queue a request path draws from, or None if the path is unknown."""

    @abstractmethod
    def _chat(self, path: str, body: dict[str, Any], message: AIMessage) -> Answer:
        """Render a scripted message as the provider's (streamed or whole) response."""

    @abstractmethod
    def _embeddings(self, path: str, body: dict[str, Any], vectors: Vectors | None) -> Answer:
        """Render embeddings for the request, hashed unless vectors were scripted."""

    @abstractmethod
    def _error(self, status: int, message: str) -> dict[str, Any]:
        """Error body in the provider's format, so the real client raises its own error."""


def _as_message(reply: Reply | None) -> AIMessage:
    if reply is None:
        raise ScriptError("no scripted chat reply left")
    if isinstance(reply, str):
        return AIMessage(content=reply)
    if not isinstance(reply, AIMessage):
        raise ScriptError(f"chat request got a non-chat reply: {reply!r}")
    return reply


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: ScriptedServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, answer = self.server.owner.answer(self.path, json.loads(raw) if raw else {})
        try:
            self.send_response(status)
            if isinstance(answer, dict):
                payload = json.dumps(answer).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for event in answer:
                self.wfile.write(f"data: {event}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. timed out) before the reply was sent

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; requests are recorded on the server instead."""
