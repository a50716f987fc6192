"""A LangGraph Server deployment with its own `Auth`, mounting the memory routes behind it."""
