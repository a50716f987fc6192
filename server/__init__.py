"""The operations surface of memory-agent: a REST app under `/memory/`, standalone or mounted
in LangGraph Server, with API keys or the deployment's own login."""

from server.app import create_app
from server.auth import ApiKeys, Principal, authorize, principal

__all__ = ["ApiKeys", "Principal", "authorize", "create_app", "principal"]
