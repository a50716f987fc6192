"""Test-session guards that keep tests off the network and away from real credentials."""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

import pytest

_PROVIDER_ENV_PREFIXES = (
    "OPENAI_",
    "AZURE_OPENAI_",
    "GOOGLE_",
    "GEMINI_",
    "LANGSMITH_",
    "LANGCHAIN_",
    "LC_",
)
_DUMMY_KEY = "test-key-not-real"


class NetworkBlockedError(RuntimeError):
    """A test tried to reach a non-loopback host; use a fake server or scripted model."""


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).partition("%")[0]).is_loopback
    except ValueError:
        return False


def forbid_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make DNS look-ups and IP connections to anything but loopback raise at once.

    Failing loudly beats a hang or a silent call to a paid API: a client left
    pointing at a real provider shows up as `NetworkBlockedError` in the trace.
    """
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise NetworkBlockedError(f"tests must not connect to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host):
            raise NetworkBlockedError(f"tests must not resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def isolate_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop provider and tracing settings, then set dummy keys so clients still build.

    Base-URL, gateway, Vertex and output-version variables would otherwise
    reroute clients (e.g. `LC_OUTPUT_VERSION=responses/v1` selects OpenAI's
    Responses API), and real keys must never reach a test.
    """
    for name in list(os.environ):
        if name.startswith(_PROVIDER_ENV_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OPENAI_API_KEY", _DUMMY_KEY)
    monkeypatch.setenv("GOOGLE_API_KEY", _DUMMY_KEY)
