"""Offline stand-ins for model providers: scripted local servers and network guards."""

from tests.fakes._scripted_server import Delay, HTTPFault, RecordedRequest, hashed_embedding
from tests.fakes.gemini_server import GeminiServer
from tests.fakes.offline import NetworkBlockedError
from tests.fakes.openai_server import OpenAIServer

__all__ = [
    "Delay",
    "GeminiServer",
    "HTTPFault",
    "NetworkBlockedError",
    "OpenAIServer",
    "RecordedRequest",
    "hashed_embedding",
]
