"""A process serving a deferred-extraction agent, for the fault tests.

    python -m tests.deferred_child DB THREAD WHEN_DONE MESSAGE...

DB is a SQLite file or a postgresql:// URL. The process answers each MESSAGE in
THREAD for user "ava" (memory extraction deferred by an hour), prints "recorded",
then, by WHEN_DONE:

- `hang`: waits to be killed, its messages pending;
- `hang-learning`: flushes, with a memory model that hangs, to be killed mid-call;
- `flush-after:PATH`: waits for PATH to exist, flushes with a memory model that
  takes 0.3 s, and prints the user lines each of its memory-model calls saw, as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from langchain_core.messages import AIMessage, BaseMessage

from graphs import create_memory_agent, flush_memories
from graphs.cli.options import open_db
from memory import Memory
from memory.testing import ScriptedChatModel, remember_user_lines

USER = "ava"


def slow_learner(messages: list[BaseMessage]) -> AIMessage:
    time.sleep(0.3)  # long enough for the other process to try the same thread
    return remember_user_lines(messages)


def hanging_learner(messages: list[BaseMessage]) -> AIMessage:
    print("learning", flush=True)
    time.sleep(3600)
    raise AssertionError("should have been killed")


def main(db_spec: str, thread: str, when_done: str, *said: str) -> None:
    learn = hanging_learner if when_done == "hang-learning" else slow_learner
    learner = ScriptedChatModel([learn] * 10)
    with Memory(db=open_db(db_spec), model=learner) as memory:
        agent = create_memory_agent(
            ScriptedChatModel(["Noted."] * len(said)),
            memory=memory,
            enable_user_memories=True,
            memory_extraction="deferred",
            extraction_delay_s=3600,
        )
        for text in said:
            agent.invoke(
                {"messages": [{"role": "user", "content": text}]},
                {"configurable": {"thread_id": thread}},
                context={"user_id": USER},
            )
        print("recorded", flush=True)
        if when_done == "hang":
            time.sleep(3600)
        elif when_done == "hang-learning":
            flush_memories(memory)
        else:
            go = Path(when_done.removeprefix("flush-after:"))
            while not go.exists():
                time.sleep(0.01)
            flush_memories(memory)
            lines = [
                line.removeprefix("user: ")
                for call in learner.calls
                for line in call.messages[-1].text.splitlines()
                if line.startswith("user: ")
            ]
            print(json.dumps({"calls": len(learner.calls), "lines": lines}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
