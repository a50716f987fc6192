"""`memory-agent demo`: the two agent examples of Agno's User Memories page, as written."""

from __future__ import annotations

import argparse
import uuid

from rich.console import Console
from rich.pretty import pprint
from rich.text import Text

from graphs.agent import create_memory_agent
from graphs.cli.options import EXIT_OK, embeddings, open_db, open_memory
from graphs.printing import Agent, print_response
from graphs.scope import user_session
from memory import Memory
from memory.chat_models import resolve_chat_model

AVA, JOHN = "ava", "john_doe@example.com"
AVA_SAYS = (
    "My name is Ava and I like to ski.",
    "I live in san francisco, where should i move within a 4 hour drive?",
)
JOHN_SAYS = (
    "My name is John Doe and I like to hike in the mountains on weekends.",
    "What are my hobbies?",
    "Remove all existing memories of me.",
)


def demo(args: argparse.Namespace, out: Console) -> int:
    """The seed's two agent examples as written, each user in a new session of their own.

    Only the demo users' memories are cleared first, not everyone's as in the
    seed: the file may hold real users' memories.
    """
    model = resolve_chat_model(args.model)
    run = uuid.uuid4().hex[:8]
    sessions = {user: f"demo-{run}-{user_session(user)}" for user in (AVA, JOHN)}

    def say(agent: Agent, message: str, user: str, *, steps: bool, markdown: bool) -> None:
        out.print(Text(f"> {message}", style="bold"))
        print_response(
            agent,
            message,
            user_id=user,
            session_id=sessions[user],
            show_intermediate_steps=steps,
            markdown=markdown,
            console=out,
        )

    def show(memory: Memory, user: str, name: str) -> None:
        out.print(f"Memories about {name}:")
        pprint(memory.get_user_memories(user), console=out)

    out.rule("Agentic memory: Ava")
    db = open_db(args.db)
    with Memory(model=model, db=db, embeddings=embeddings(args)) as memory:
        memory.clear(AVA, source="cli")
        agent = create_memory_agent(
            model=model,
            memory=memory,
            enable_agentic_memory=True,
            enable_user_memories=True,
            add_history_to_messages=True,
            num_history_runs=3,
            markdown=True,
        )
        for message in AVA_SAYS:
            say(agent, message, AVA, steps=True, markdown=True)
            show(memory, AVA, "Ava")

    out.rule("Memories after each message: John Doe")
    with open_memory(args) as memory:
        memory.clear(JOHN, source="cli")
        agent = create_memory_agent(model=model, memory=memory, enable_user_memories=True)
        for n, message in enumerate(JOHN_SAYS):
            say(agent, message, JOHN, steps=False, markdown=False)
            if n:
                show(memory, JOHN, "John Doe")
    return EXIT_OK
