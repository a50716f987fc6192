"""Fake Gemini Developer API for the real langchain-google-genai clients."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from langchain_core.messages import AIMessage
from langchain_google_genai import ChatGoogleGenerativeAI, GoogleGenerativeAIEmbeddings

from tests.fakes._scripted_server import (
    Answer,
    Route,
    ScriptedServer,
    ScriptError,
    Vectors,
    count_tokens,
    split_tokens,
)

_PATH = re.compile(r"/v1beta/models/(?P<model>[^/:]+):(?P<method>\w+)")
_METHODS: dict[str, Route] = {
    "generateContent": "chat",
    "streamGenerateContent": "chat",
    "batchEmbedContents": "embeddings",
}
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class GeminiServer(ScriptedServer):
    """Scripted stand-in for generativelanguage.googleapis.com (`chat_model()` builds a client).

    ```python
    ChatGoogleGenerativeAI(model="gemini-2.5-flash", base_url=server.url,
                           api_key="test", max_retries=1, timeout=2)
    GoogleGenerativeAIEmbeddings(model="gemini-embedding-001", base_url=server.url,
                                 api_key="test")
    ```

    `max_retries` counts attempts: the default 6 retries a 500 with backoff for
    about 30 s; 1 (or 0 in this SDK) makes a single attempt. A timeout surfaces as
    `httpx.TimeoutException`, unwrapped. Function calls carry JSON objects, so
    malformed arguments cannot be scripted; embeddings use `batchEmbedContents`.
    """

    def chat_model(self, **overrides: Any) -> ChatGoogleGenerativeAI:
        """A real `ChatGoogleGenerativeAI` aimed here: one attempt, short timeout."""
        settings: dict[str, Any] = {
            "model": "gemini-2.5-flash",
            "base_url": self.url,
            "api_key": "test",
            "max_retries": 1,
            "timeout": 2,
        }
        return ChatGoogleGenerativeAI(**settings | overrides)

    def embeddings(self, **overrides: Any) -> GoogleGenerativeAIEmbeddings:
        """A real `GoogleGenerativeAIEmbeddings` aimed here."""
        settings: dict[str, Any] = {
            "model": "gemini-embedding-001",
            "base_url": self.url,
            "api_key": "test",
        }
        return GoogleGenerativeAIEmbeddings(**settings | overrides)

    def _route(self, path: str) -> Route | None:
        match = _PATH.fullmatch(path)
        return _METHODS.get(match["method"]) if match else None

    def _error(self, status: int, message: str) -> dict[str, Any]:
        name = _STATUS_NAMES.get(status, "UNKNOWN")
        return {"error": {"code": status, "message": message, "status": name}}

    def _chat(self, path: str, body: dict[str, Any], message: AIMessage) -> Answer:
        if message.invalid_tool_calls:
            raise ScriptError("Gemini functionCall args are JSON objects; none can be malformed")
        function_calls = [
            {"functionCall": {"id": call["id"], "name": call["name"], "args": call["args"]}}
            for call in message.tool_calls
        ]
        pieces = split_tokens(message.text)
        prompt_tokens = count_tokens(body.get("contents", []))
        model_version = path.rsplit("/", 1)[-1].partition(":")[0]
        response_id = uuid.uuid4().hex

        def response(parts: list[dict[str, Any]], sent: int, final: bool) -> dict[str, Any]:
            """One response object; usage is cumulative, as the real stream reports it."""
            candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
            if final:
                candidate["finishReason"] = "STOP"
            usage = {
                "promptTokenCount": prompt_tokens,
                "candidatesTokenCount": sent,
                "totalTokenCount": prompt_tokens + sent,
            }
            return {
                "candidates": [candidate],
                "usageMetadata": usage,
                "modelVersion": model_version,
                "responseId": response_id,
            }

        if not path.endswith(":streamGenerateContent"):
            text_parts = [{"text": message.text}] if message.text else []
            return response(text_parts + function_calls, len(pieces), final=True)
        events = [
            response([{"text": piece}], sent, final=False) for sent, piece in enumerate(pieces, 1)
        ]
        events.append(response(function_calls, len(pieces), final=True))
        return [json.dumps(event) for event in events]

    def _embeddings(self, path: str, body: dict[str, Any], vectors: Vectors | None) -> Answer:
        requests = body["requests"]
        texts = [" ".join(part["text"] for part in r["content"]["parts"]) for r in requests]
        if vectors is None:
            vectors = [
                self.embed(text, r.get("outputDimensionality", self.dimensions))
                for text, r in zip(texts, requests, strict=True)
            ]
        if len(vectors) != len(texts):
            raise ScriptError(f"{len(vectors)} vectors scripted for {len(texts)} inputs")
        return {"embeddings": [{"values": vector} for vector in vectors]}
