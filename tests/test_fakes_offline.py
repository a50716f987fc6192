"""The autouse guard keeps every test off the network and away from real keys."""

from __future__ import annotations

import os
import socket

import pytest
from langchain_openai import ChatOpenAI

from tests.fakes import NetworkBlockedError, OpenAIServer


def test_non_loopback_connections_and_lookups_fail_loudly() -> None:
    with pytest.raises(NetworkBlockedError):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    with pytest.raises(NetworkBlockedError):
        socket.getaddrinfo("api.openai.com", 443)


def test_a_client_left_on_the_real_api_is_stopped() -> None:
    with pytest.raises(NetworkBlockedError, match=r"api\.openai\.com"):
        ChatOpenAI(model="gpt-4o-mini").invoke("hi")


def test_loopback_servers_still_work(openai_server: OpenAIServer) -> None:
    openai_server.script("ok")
    assert openai_server.chat_model().invoke("hi").content == "ok"


def test_provider_keys_are_dummies() -> None:
    assert os.environ["OPENAI_API_KEY"] == os.environ["GOOGLE_API_KEY"] == "test-key-not-real"
    assert "GEMINI_API_KEY" not in os.environ
