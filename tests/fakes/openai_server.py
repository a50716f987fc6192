"""Fake OpenAI Chat Completions and Embeddings API for the real langchain-openai clients."""

from __future__ import annotations

import array
import base64
import json
import time
import uuid
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

from tests.fakes._scripted_server import (
    Answer,
    Route,
    ScriptedServer,
    ScriptError,
    Vectors,
    count_tokens,
    split_tokens,
)

_ROUTES: dict[str, Route] = {"/v1/chat/completions": "chat", "/v1/embeddings": "embeddings"}


class OpenAIServer(ScriptedServer):
    """Scripted stand-in for api.openai.com, for the real clients (`chat_model()` builds one).

    ```python
    ChatOpenAI(model="gpt-4o-mini", base_url=server.url + "/v1", api_key="test",
               max_retries=0, timeout=2, stream_usage=True)
    OpenAIEmbeddings(model="text-embedding-3-small", base_url=server.url + "/v1",
                     api_key="test", max_retries=0, check_embedding_ctx_length=False)
    ```

    `ChatOpenAI` uses Chat Completions for such model names (the Responses API
    only for e.g. `*-pro`/codex models, built-in tools or `reasoning`-style
    options). Streamed usage arrives only if asked for (`stream_usage=True`), as
    with the real API. `check_embedding_ctx_length=False` stops `OpenAIEmbeddings`
    from fetching a tiktoken vocabulary over the network.
    """

    def chat_model(self, **overrides: Any) -> ChatOpenAI:
        """A real `ChatOpenAI` aimed here: one attempt, short timeout, streamed usage."""
        settings: dict[str, Any] = {
            "model": "gpt-4o-mini",
            "base_url": self.url + "/v1",
            "api_key": "test",
            "max_retries": 0,
            "timeout": 2,
            "stream_usage": True,
        }
        return ChatOpenAI(**settings | overrides)

    def embeddings(self, **overrides: Any) -> OpenAIEmbeddings:
        """A real `OpenAIEmbeddings` aimed here, sending raw text rather than tiktoken ids."""
        settings: dict[str, Any] = {
            "model": "text-embedding-3-small",
            "base_url": self.url + "/v1",
            "api_key": "test",
            "max_retries": 0,
            "check_embedding_ctx_length": False,
        }
        return OpenAIEmbeddings(**settings | overrides)

    def _route(self, path: str) -> Route | None:
        return _ROUTES.get(path)

    def _error(self, status: int, message: str) -> dict[str, Any]:
        kind = "server_error" if status >= 500 else "invalid_request_error"
        return {"error": {"message": message, "type": kind, "param": None, "code": None}}

    def _chat(self, path: str, body: dict[str, Any], message: AIMessage) -> Answer:
        calls = [  # valid and invalid calls alike, arguments as raw JSON text
            (call["id"], call["name"], call["args"] or "")
            for call in AIMessageChunk(
                content="",
                tool_calls=message.tool_calls,
                invalid_tool_calls=message.invalid_tool_calls,
            ).tool_call_chunks
        ]
        pieces = split_tokens(message.text)
        prompt_tokens = count_tokens(body.get("messages", []))
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(pieces),
            "total_tokens": prompt_tokens + len(pieces),
        }
        envelope = {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "system_fingerprint": None,
        }
        finish_reason = "tool_calls" if calls else "stop"
        if not body.get("stream"):
            wire_calls = [
                {"id": id_, "type": "function", "function": {"name": name, "arguments": args}}
                for id_, name, args in calls
            ]
            reply = {"role": "assistant", "content": message.text or None, "refusal": None}
            choice = {
                "index": 0,
                "message": {**reply, **({"tool_calls": wire_calls} if wire_calls else {})},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
            return {**envelope, "object": "chat.completion", "choices": [choice], "usage": usage}

        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        deltas += [{"content": piece} for piece in pieces]
        for index, (id_, name, args) in enumerate(calls):
            opening = {"id": id_, "type": "function", "function": {"name": name, "arguments": ""}}
            deltas.append({"tool_calls": [{"index": index, **opening}]})
            deltas += [
                {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}
                for fragment in split_tokens(args)
            ]
        chunks = [_chunk(envelope, [{"index": 0, "delta": delta}]) for delta in deltas]
        chunks.append(_chunk(envelope, [{"index": 0, "delta": {}, "finish_reason": finish_reason}]))
        if body.get("stream_options", {}).get("include_usage"):
            chunks.append(_chunk(envelope, [], usage=usage))
        return [*map(json.dumps, chunks), "[DONE]"]

    def _embeddings(self, path: str, body: dict[str, Any], vectors: Vectors | None) -> Answer:
        texts = body["input"]
        texts = [texts] if isinstance(texts, str) else texts
        if not all(isinstance(text, str) for text in texts):
            raise ScriptError(
                "input must be text; build OpenAIEmbeddings with check_embedding_ctx_length=False"
            )
        dimensions = body.get("dimensions", self.dimensions)
        if vectors is None:
            vectors = [self.embed(text, dimensions) for text in texts]
        if len(vectors) != len(texts):
            raise ScriptError(f"{len(vectors)} vectors scripted for {len(texts)} inputs")
        as_base64 = body.get("encoding_format") == "base64"
        tokens = sum(map(count_tokens, texts))
        return {
            "object": "list",
            "model": body.get("model", "fake"),
            "data": [
                {
                    "object": "embedding",
                    "index": index,
                    "embedding": _base64(vector) if as_base64 else vector,
                }
                for index, vector in enumerate(vectors)
            ],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }


def _chunk(envelope: dict[str, Any], choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {**envelope, "object": "chat.completion.chunk", "choices": choices, **extra}


def _base64(vector: list[float]) -> str:
    """Encode as the SDK's default `encoding_format="base64"` expects: packed float32."""
    return base64.b64encode(array.array("f", vector).tobytes()).decode()
