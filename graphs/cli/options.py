"""What every command shares: options, exit codes, and opening memories and the agent."""

from __future__ import annotations

import argparse
import os

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from graphs.agent import create_memory_agent
from graphs.printing import Agent
from graphs.scope import MODEL_ENV
from memory import Memory, MemoryDb, PostgresMemoryDb, SqliteMemoryDb
from memory.embeddings import load_embeddings

DEFAULT_DB = "tmp/agent.db"
DEFAULT_TABLE = "user_memories"
DEFAULT_MODEL = "openai:gpt-4.1-mini"
EMBEDDINGS_ENV = "MEMORY_AGENT_EMBEDDINGS"
EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
EXIT_MODEL_FAILED = 1
EXIT_PARTIAL = 1
"""An import that skipped some rows (and imported the rest)."""
EXIT_DECLINED = 1
"""A destructive command the person at the terminal did not confirm: nothing changed."""
MODEL_HELP = f"""\
Set one of:
  OPENAI_API_KEY=sk-...                          for OpenAI (--model openai:gpt-4.1-mini)
  OPENAI_BASE_URL=http://localhost:11434/v1      for a local OpenAI-compatible server such as
                                                 Ollama (--model openai:llama3.2)
  GOOGLE_API_KEY=...                             for Gemini (--model google_genai:gemini-2.5-flash)
Any other provider:model that LangChain's init_chat_model knows works with its package
installed and its key set (e.g. --model anthropic:claude-sonnet-4-5 with ANTHROPIC_API_KEY).
The model comes from --model, else ${MODEL_ENV}, else {DEFAULT_MODEL}."""


def db_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--db",
        default=os.environ.get("MEMORY_AGENT_DB", DEFAULT_DB),
        help="memories and sessions: a SQLite file, or a postgresql:// URL "
        f"(default: $MEMORY_AGENT_DB or {DEFAULT_DB})",
    )


def open_db(spec: str, table: str = "user_memories") -> MemoryDb:
    """The store `--db` names: a PostgreSQL URL (set up on first use) or a SQLite file."""
    if spec.startswith(("postgresql://", "postgres://")):
        db = PostgresMemoryDb(spec, table)
        try:
            db.setup()
        except BaseException:
            db.close()
            raise
        return db
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
        default=os.environ.get(MODEL_ENV) or DEFAULT_MODEL,
        help=f"provider:model (default: ${MODEL_ENV} or {DEFAULT_MODEL})",
    )


def embeddings(args: argparse.Namespace) -> Embeddings | None:
    return load_embeddings(args.embeddings) if args.embeddings else None


def open_memory(args: argparse.Namespace, model: BaseChatModel | None = None) -> Memory:
    """The memories in `--db`; the user may ask the agent to forget one or all of theirs."""
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
    return create_memory_agent(
        model,
        memory=memory,
        enable_agentic_memory=args.agentic,
        enable_user_memories=args.auto,
        enable_session_summaries=args.session_summaries,
        markdown=markdown,
        memory_extraction=args.extraction,
        extraction_delay_s=args.extraction_delay,
    )
