"""The app LangGraph Server mounts (`"http": {"app": "./server/langgraph_app.py:app"}`): the
memory routes on the deployment's own store."""

from server.app import create_app

app = create_app()
