"""The memory routes of the deployment (`"http": {"app": "deploy.app:app"}`), on the memories
its agent keeps in PostgreSQL (`MEMORY_AGENT_DB`) rather than on the server's store."""

from deploy.graph import memory
from server import create_app

app = create_app(memory)
