"""`memory-agent mcp`: the MCP server over stdio, acting for the user the command names."""

from __future__ import annotations

import argparse

from rich.console import Console

from graphs.cli.options import EXIT_OK, open_memory


def serve_stdio(args: argparse.Namespace, console: Console) -> int:
    """Serve until the client closes standard input; stdout carries only MCP messages."""
    from server.mcp import create_mcp_server, for_user  # the server's dependencies load here

    with open_memory(args) as memory:
        create_mcp_server(for_user(memory, args.user, args.agent)).run("stdio")
    return EXIT_OK
