"""What every command shares: options, exit codes, and opening memories and the agent."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

    from graphs.printing import Agent
    from memory import Memory, MemoryDb

# The modules a command needs are imported when it runs, so `--help` starts fast.

DEFAULT_DB = "tmp/agent.db"
DEFAULT_TABLE = "user_memories"
EMBEDDINGS_ENV = "MEMORY_AGENT_EMBEDDINGS"
EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
EXIT_MODEL_FAILED = 1
EXIT_INTERRUPTED = 130
EXIT_PARTIAL = 1
"""An import that skipped some rows (and imported the rest)."""
EXIT_DECLINED = 1
"""A destructive command the person at the terminal did not confirm: nothing changed."""


def db_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--db",
        default=os.environ.get("MEMORY_AGENT_DB", DEFAULT_DB),
        help="memories and sessions: a SQLite file, or a postgresql:// URL "
        f"(default: $MEMORY_AGENT_DB or {DEFAULT_DB})",
    )


def is_url(spec: str) -> bool:
    """Whether `--db` names a PostgreSQL server rather than a SQLite file."""
    return spec.startswith(("postgresql://", "postgres://"))


def open_db(spec: str, table: str = DEFAULT_TABLE) -> MemoryDb:
    """The store `--db` names: a PostgreSQL URL (set up on first use) or a SQLite file."""
    if is_url(spec):
        from memory.db.postgres import PostgresMemoryDb  # psycopg: only for a server

        db = PostgresMemoryDb(spec, table)
        try:
            db.setup()
        except BaseException:
            db.close()
            raise
        return db
    from memory.db.sqlite import SqliteMemoryDb

    return SqliteMemoryDb(table_name=table, db_file=spec)


def embeddings_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--embeddings",
        default=os.environ.get(EMBEDDINGS_ENV),
        help="embedding model for semantic and hybrid search: hash, or module:attribute naming "
        f"a LangChain Embeddings (default: ${EMBEDDINGS_ENV}, else none)",
    )


def model_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--model",
        default=None,
        help="provider:model (default: $MEMORY_AGENT_MODEL, else openai:gpt-4.1-mini)",
    )


def resolve_model(args: argparse.Namespace) -> BaseChatModel:
    """The chat model `--model` names, else $MEMORY_AGENT_MODEL, else the default; the
    name chosen is kept in `args.model` for what the command prints."""
    from graphs.scope import DEFAULT_MODEL, MODEL_ENV
    from memory.chat_models import resolve_chat_model

    args.model = args.model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    return resolve_chat_model(args.model)


def model_help() -> str:
    """What to set so a model can be used: printed after a model configuration error."""
    from graphs.scope import DEFAULT_MODEL, MODEL_ENV

    return f"""\
Set one of:
  OPENAI_API_KEY=sk-...                          for OpenAI (--model openai:gpt-4.1-mini)
  OPENAI_BASE_URL=http://localhost:11434/v1      for a local OpenAI-compatible server such as
                                                 Ollama (--model openai:llama3.2)
  GOOGLE_API_KEY=...                             for Gemini (--model google_genai:gemini-2.5-flash)
Any other provider:model that LangChain's init_chat_model knows works with its package
installed and its key set (e.g. --model anthropic:claude-sonnet-4-5 with ANTHROPIC_API_KEY).
The model comes from --model, else ${MODEL_ENV}, else {DEFAULT_MODEL}."""


def embeddings(args: argparse.Namespace) -> Embeddings | None:
    """The embedding model `--embeddings` names; a name that is not one is a usage error."""
    if not args.embeddings:
        return None
    from graphs.cli.errors import CliError
    from memory.embeddings import load_embeddings
    from memory.errors import InvalidInputError

    try:
        return load_embeddings(args.embeddings)
    except InvalidInputError as error:
        raise CliError(
            f"--embeddings {args.embeddings} is not an embedding model: give hash, "
            "openai:MODEL, or module:attribute naming a LangChain Embeddings."
        ) from error


def open_memory(args: argparse.Namespace, model: BaseChatModel | None = None) -> Memory:
    """The memories in `--db`; the user may ask the agent to forget one or all of theirs."""
    from memory import Memory

    return Memory(
        db=open_db(args.db),
        model=model,
        delete_memories=True,
        clear_memories=True,
        embeddings=embeddings(args),
        agent_id=args.agent,
    )


def open_agent(
    args: argparse.Namespace, model: BaseChatModel, memory: Memory, *, markdown: bool
) -> Agent:
    """The agent `chat` and `ask` talk to; sessions persist in the memories' SQLite file."""
    from graphs.agent import create_memory_agent
    from graphs.deferred import DEFAULT_DELAY_S

    delay = DEFAULT_DELAY_S if args.extraction_delay is None else args.extraction_delay
    return create_memory_agent(
        model,
        memory=memory,
        enable_agentic_memory=args.agentic,
        enable_user_memories=args.auto,
        enable_session_summaries=args.session_summaries,
        markdown=markdown,
        memory_extraction=args.extraction,
        extraction_delay_s=delay,
    )
