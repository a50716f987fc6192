"""Check the hand-written eval sets (YAML) and write them in the eval-set JSON format.

    uv run python -m benchmarks.eval_sets.build      # writes benchmarks/eval_sets/*.json

Each `<set>.yaml` is validated against `model.py` (unknown or missing fields fail)
and built into the committed `<set>.json`; `tests/test_eval_sets.py` checks that the
two agree.

Memories are numbered m1, m2, ... per user in created_at order, as in the dev set
(not in this repository), and queries name them by those ids. The checks
keep the sets honest: a `paraphrase` query shares no index term (the stemmed
words keyword search matches) with any memory that answers it, a `lexical` one
shares at least one, a trap matches another user's memory and has no answer,
and a chat turn is 100-450 characters long.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from benchmarks.eval_sets.model import ChatSet, ChatUser, FactSet, FactUser, Query
from memory.text import terms

HERE = Path(__file__).parent
TURN_LENGTH = (100, 450)
TRAP = "cross_user_trap"

Memory = dict[str, Any]
Shape = TypeVar("Shape", ChatSet, FactSet)


def _at(moment: str, minutes: int) -> str:
    start = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def chat_memories(user: ChatUser, problems: list[str]) -> list[tuple[str, Memory]]:
    """(key, memory) of each turn, "Speaker: text", two minutes apart within a session."""
    found = []
    for session in user.sessions:
        for n, turn in enumerate(session.turns):
            memory = f"{turn.speaker}: {turn.text}"
            low, high = TURN_LENGTH
            if not low <= len(memory) <= high:
                problems.append(f"{user.user_id}: {len(memory)} characters: {memory!r}")
            at = _at(session.start, 2 * n)
            found.append((turn.key, {"memory": memory, "topics": [], "created_at": at}))
    return found


def fact_memories(user: FactUser) -> list[tuple[str, Memory]]:
    """(key, memory) of each fact, learned from 9:00 on its day, three minutes apart."""
    return [
        (
            fact.key,
            {
                "memory": fact.text,
                "topics": list(fact.topics),
                "created_at": _at(f"{day.day}T09:00:00Z", 3 * n),
            },
        )
        for day in user.days
        for n, fact in enumerate(day.facts)
    ]


def numbered(
    memories: list[tuple[str, Memory]], problems: list[str]
) -> tuple[list[Memory], dict[str, str]]:
    """Memories with ids m1... in created_at order, and each key's id."""
    ordered = sorted(memories, key=lambda pair: pair[1]["created_at"])
    ids: dict[str, str] = {}
    items = []
    for n, (key, memory) in enumerate(ordered, start=1):
        if key:
            if key in ids:
                problems.append(f"key {key!r} is used twice")
            ids[key] = f"m{n}"
        items.append({"id": f"m{n}", **memory})
    return items, ids


def _terms(memory: Memory) -> set[str]:
    return set(terms(memory["memory"] + " " + " ".join(memory["topics"])))


def check(query: Query, users: dict[str, list[Memory]], answers: list[Memory]) -> str | None:
    """What is wrong with a query, if it does not keep the promise of its kind."""
    asked = set(terms(query.query))
    shared = [asked & _terms(memory) for memory in answers]
    if query.kind == TRAP:
        others = [m for user, ms in users.items() if user != query.user_id for m in ms]
        if answers or not any(asked & _terms(m) for m in others):
            return f"a trap needs no answer and another user's match: {query}"
        return None
    if not 1 <= len(answers) <= 3:
        return f"needs 1 to 3 relevant memories: {query}"
    if query.kind == "paraphrase" and any(shared):
        return f"paraphrase shares {set().union(*shared)} with its answer: {query}"
    if query.kind == "lexical" and not any(shared):
        return f"lexical query shares no term with its answer: {query}"
    if query.kind == "temporal" and len(answers) != 1:
        return f"only the newest memory answers a temporal query: {query}"
    return None


def build(
    memories: dict[str, list[tuple[str, Memory]]], queries: Sequence[Query], problems: list[str]
) -> dict[str, Any]:
    users: dict[str, list[Memory]] = {}
    keys: dict[str, dict[str, str]] = {}
    for user_id, keyed in memories.items():
        users[user_id], keys[user_id] = numbered(keyed, problems)
    rows = []
    for query in queries:
        by_id = {m["id"]: m for m in users[query.user_id]}
        relevant = [keys[query.user_id][key] for key in query.relevant]
        problem = check(query, users, [by_id[i] for i in relevant])
        if problem is not None:
            problems.append(problem)
        rows.append(
            {
                "user_id": query.user_id,
                "query": query.query,
                "relevant": relevant,
                "kind": query.kind,
            }
        )
    return {"users": users, "queries": rows}


def load(name: str, shape: type[Shape], problems: list[str]) -> Shape | None:
    """One set's YAML file, validated; None (and the reason in `problems`) when it is not."""
    path = HERE / f"{name}.yaml"
    try:
        return shape.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as error:
        problems.append(f"{path}: {error}")
        return None


def built() -> dict[str, dict[str, Any]]:
    """Every set, checked and built, by the name of its JSON file; raises `SystemExit`
    listing every problem found."""
    problems: list[str] = []
    sets: dict[str, dict[str, Any]] = {}
    for name in ("conversations", "chats"):
        chat_set = load(name, ChatSet, problems)
        if chat_set is not None:
            memories = {u.user_id: chat_memories(u, problems) for u in chat_set.users}
            sets[f"{name}.json"] = build(memories, chat_set.queries, problems)
    fact_set = load("facts", FactSet, problems)
    if fact_set is not None:
        memories = {u.user_id: fact_memories(u) for u in fact_set.users}
        sets["facts.json"] = build(memories, fact_set.queries, problems)
    if problems:
        raise SystemExit("\n".join(problems))
    return sets


def as_text(data: dict[str, Any]) -> str:
    """A built set as its committed JSON file holds it."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    for name, data in built().items():
        path = HERE / name
        path.write_text(as_text(data), encoding="utf-8")
        memories = sum(len(ms) for ms in data["users"].values())
        queries = len(data["queries"])
        print(f"{path}: {len(data['users'])} users, {memories} memories, {queries} queries")


if __name__ == "__main__":
    main()
