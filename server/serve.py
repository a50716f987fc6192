"""`memory-agent serve`: the memory app on a SQLite file or PostgreSQL, run by uvicorn."""

from __future__ import annotations

import argparse

import uvicorn
from rich.console import Console

from graphs.cli.options import EXIT_OK, embeddings, open_db
from memory import Memory
from server.app import create_app
from server.auth import ApiKeys

LOOPBACK = "127.0.0.1"


def serve(args: argparse.Namespace, console: Console) -> int:
    keys = ApiKeys.from_env(keys_file=args.keys)
    host = args.host
    if not keys and host != LOOPBACK:
        console.print(
            f"No API key is configured: listening on {LOOPBACK} only, not {host}. "
            "Set MEMORY_AGENT_API_KEYS or --keys FILE to serve other machines."
        )
        host = LOOPBACK
    elif not keys:
        console.print("No API key is configured: anyone on this machine is an admin.")
    with Memory(db=open_db(args.db), model=args.model, embeddings=embeddings(args)) as memory:
        console.print(f"Memories in {args.db}: http://{host}:{args.port}/memory/")
        # No access log: its request paths name users, which stay out of logs above DEBUG.
        app = create_app(memory, keys=keys)
        uvicorn.run(app, host=host, port=args.port, log_level="info", access_log=False)
    return EXIT_OK
