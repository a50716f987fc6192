"""The operations surface under /memory/: REST API, inspector page and MCP server."""
